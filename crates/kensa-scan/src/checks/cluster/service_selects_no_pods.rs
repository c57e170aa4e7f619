//! A Service whose selector matches no pods has no endpoints: traffic to it
//! fails, usually because of a typo in a label or a workload that was
//! renamed. It also hides mistakes such as a selector that matches the
//! wrong pods once someone deploys pods with the same labels.
//!
//! Looks at: `spec.selector` of Services and the pod template labels of the
//! loaded workloads (Pods, Deployments, StatefulSets, DaemonSets,
//! ReplicaSets, ReplicationControllers, Jobs, CronJobs, DeploymentConfigs)
//! in the same namespace. Fails when the selector is not empty and matches
//! none of them. Services without a selector (endpoints managed by hand or
//! by another controller) and `type: ExternalName` Services pass, and so
//! does every Service when the scan holds no workload at all (a scan of
//! Services alone has nothing to judge them against). Similar to
//! kube-score's `service-targets-pod` and kube-linter's `dangling-service`.

use kensa_report::Severity;
use serde_json::Value;

use super::selector::LabelSelector;
use super::{describe, namespace, pod_labels};
use crate::check::{Check, ClusterHit, Hit, Run};
use crate::context::ClusterContext;

/// The check.
pub static CHECK: Check = Check {
    id: "service-selects-no-pods",
    aliases: &[],
    title: "Service selects no pods",
    severity: Severity::Low,
    description: "A Service whose selector matches no pod template has no endpoints, so every connection to it fails; it is usually a label typo or a leftover from a renamed workload, and it will silently start sending traffic to any pod that later carries those labels.",
    remediation: "Make spec.selector equal to (a subset of) the pod template labels of the workload the Service fronts, or delete the Service if that workload is gone.",
    default_enabled: true,
    run: Run::Cluster(check),
};

fn check(cluster: &ClusterContext<'_>) -> Vec<ClusterHit> {
    let pods: Vec<(&str, _)> = cluster
        .objects
        .iter()
        .filter_map(|object| Some((namespace(object), pod_labels(object)?)))
        .collect();
    if pods.is_empty() {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for (index, service) in cluster.of_kind("Service") {
        let Some(spec) = service.body.as_ref().and_then(|body| body.get("spec")) else {
            continue;
        };
        if spec.get("type").and_then(Value::as_str) == Some("ExternalName") {
            continue;
        }
        let Some(selector_map) = spec.get("selector").and_then(Value::as_object) else {
            continue;
        };
        let selector = LabelSelector::from_map(selector_map);
        if selector.is_empty() {
            continue;
        }
        let own_namespace = namespace(service);
        let selects = pods.iter().any(|(pod_namespace, labels)| {
            *pod_namespace == own_namespace && selector.matches(labels)
        });
        if !selects {
            hits.push(ClusterHit {
                object: index,
                hit: Hit::at(
                    "spec.selector",
                    format!(
                        "{} selects no pods: no loaded workload in its namespace has pod labels {}",
                        describe(service),
                        selector.describe()
                    ),
                ),
            });
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::super::testing::cluster_hits_with_bodies;
    use super::CHECK;

    const DEPLOYMENT: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, version: v2}}
    spec:
      containers: [{name: web, image: nginx}]
"#;

    #[test]
    fn fails_on_a_selector_without_pods() {
        let yaml = format!(
            "{DEPLOYMENT}---\napiVersion: v1\nkind: Service\nmetadata: {{name: web}}\nspec:\n  selector: {{app: webb}}\n  ports: [{{port: 80}}]\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: other-ns, namespace: shop}}\nspec:\n  selector: {{app: web}}\n"
        );
        let found = cluster_hits_with_bodies(&CHECK, &yaml);
        let names: Vec<&str> = found.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["Service web", "Service shop/other-ns"]);
        assert_eq!(found[0].1.path.as_deref(), Some("spec.selector"));
        assert_eq!(
            found[0].1.message,
            "Service 'web' in namespace 'default' selects no pods: no loaded workload in its namespace has pod labels app=webb"
        );
    }

    #[test]
    fn passes_on_matching_missing_and_external_selectors() {
        let yaml = format!(
            "{DEPLOYMENT}---\napiVersion: v1\nkind: Service\nmetadata: {{name: web, namespace: default}}\nspec:\n  selector: {{app: web}}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: manual}}\nspec:\n  ports: [{{port: 5432}}]\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: ext}}\nspec:\n  type: ExternalName\n  externalName: db.corp.io\n  selector: {{app: db}}\n"
        );
        assert!(cluster_hits_with_bodies(&CHECK, &yaml).is_empty());
    }

    #[test]
    fn passes_when_the_scan_has_no_workloads() {
        let yaml =
            "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n";
        assert!(cluster_hits_with_bodies(&CHECK, yaml).is_empty());
    }
}
