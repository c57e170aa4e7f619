//! A workload whose pods no NetworkPolicy selects accepts connections from
//! every pod of the cluster and may connect anywhere: one compromised pod
//! elsewhere can reach it, and it can reach everything.
//!
//! Looks at: Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets,
//! ReplicationControllers, Jobs and CronJobs (their pod template labels) and
//! the `spec.podSelector` of the NetworkPolicies in the same namespace
//! (`matchLabels` and `matchExpressions`; an empty or missing podSelector
//! selects every pod of the namespace). Fails when no NetworkPolicy of the
//! namespace selects the workload's pods. When the scan holds no
//! NetworkPolicy at all, every workload fails, and the message says so:
//! scanning the manifests of an application that ships no policies is
//! exactly the case the check is for. Similar to kube-score's
//! `pod-networkpolicy` and kube-linter's `non-isolated-pod`.

use kensa_report::Severity;

use super::selector::LabelSelector;
use super::{Loaded, describe, namespace, pod_labels};
use crate::check::{Check, ClusterHit, Hit, Run};
use crate::context::ClusterContext;

/// The check.
pub static CHECK: Check = Check {
    id: "workload-without-network-policy",
    aliases: &["CKV2_K8S_6"],
    title: "Workload is not selected by any NetworkPolicy",
    severity: Severity::Medium,
    description: "Pods that no NetworkPolicy selects are not isolated: every pod in the cluster may connect to them and they may connect anywhere, so a single compromised workload can reach them and they can be used to reach everything else.",
    remediation: "Add a NetworkPolicy in the workload's namespace whose spec.podSelector matches the pod template labels (or a default-deny policy with podSelector: {}) and allow only the ingress and egress the workload needs.",
    default_enabled: true,
    run: Run::Cluster(check),
};

const KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

fn check(cluster: &ClusterContext<'_>) -> Vec<ClusterHit> {
    let policies: Vec<(&str, LabelSelector)> = cluster
        .of_kind("NetworkPolicy")
        .map(|(_, policy)| {
            let pod_selector = policy
                .body
                .as_ref()
                .and_then(|body| body.get("spec"))
                .and_then(|spec| spec.get("podSelector"));
            let selector =
                LabelSelector::from_json(pod_selector).unwrap_or_else(LabelSelector::everything);
            (namespace(policy), selector)
        })
        .collect();
    let loaded = Loaded::new(cluster.objects);
    let mut hits = Vec::new();
    for (index, object) in cluster.objects.iter().enumerate() {
        if !KINDS.contains(&object.kind.as_str()) || loaded.has_owner_of(object) {
            continue;
        }
        let Some(labels) = pod_labels(object) else {
            continue;
        };
        let own_namespace = namespace(object);
        let selected = policies.iter().any(|(policy_namespace, selector)| {
            *policy_namespace == own_namespace && selector.matches(&labels)
        });
        if selected {
            continue;
        }
        let context = cluster.context(object);
        let path = if labels.is_empty() {
            context.template_metadata_path("")
        } else {
            context.template_metadata_path("labels")
        };
        let mut message = format!(
            "{} is selected by no NetworkPolicy, so its pods' traffic is not restricted",
            describe(object)
        );
        if policies.is_empty() {
            message.push_str(" (the scan contains no NetworkPolicy at all)");
        }
        hits.push(ClusterHit {
            object: index,
            hit: Hit::at(path, message),
        });
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::super::testing::cluster_hits_with_bodies;
    use super::CHECK;

    const WORKLOADS: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec:
      containers: [{name: web, image: nginx}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres}]
---
apiVersion: v1
kind: Pod
metadata: {name: debug}
spec:
  containers: [{name: sh, image: busybox}]
"#;

    #[test]
    fn fails_when_no_policy_selects_the_pods() {
        let yaml = format!(
            "{WORKLOADS}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: front, namespace: shop}}\nspec:\n  podSelector:\n    matchExpressions: [{{key: tier, operator: In, values: [front]}}]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: other-ns, namespace: other}}\nspec:\n  podSelector: {{}}\n"
        );
        let found = cluster_hits_with_bodies(&CHECK, &yaml);
        let names: Vec<&str> = found.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["StatefulSet shop/db", "Pod debug"]);
        assert_eq!(
            found[0].1.path.as_deref(),
            Some("spec.template.metadata.labels")
        );
        assert_eq!(
            found[0].1.message,
            "StatefulSet 'db' in namespace 'shop' is selected by no NetworkPolicy, so its pods' traffic is not restricted"
        );
        assert_eq!(found[1].1.path.as_deref(), Some("metadata"));
    }

    #[test]
    fn says_when_the_scan_has_no_policy() {
        let found = cluster_hits_with_bodies(&CHECK, WORKLOADS);
        assert_eq!(found.len(), 3);
        assert!(
            found[0]
                .1
                .message
                .ends_with("(the scan contains no NetworkPolicy at all)")
        );
    }

    #[test]
    fn passes_when_selected() {
        let yaml = format!(
            "{WORKLOADS}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: deny-all, namespace: shop}}\nspec:\n  podSelector: {{}}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: debug, namespace: default}}\nspec:\n  podSelector:\n    matchExpressions: [{{key: app, operator: DoesNotExist}}]\n"
        );
        assert!(cluster_hits_with_bodies(&CHECK, &yaml).is_empty());
    }

    #[test]
    fn owned_objects_are_judged_through_their_owner() {
        let yaml = r#"
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-1, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u1, controller: true}]}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
"#;
        let found = cluster_hits_with_bodies(&CHECK, yaml);
        let names: Vec<&str> = found.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["Deployment web"]);
    }
}
