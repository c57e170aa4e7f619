//! A Deployment or StatefulSet that runs several replicas for availability
//! can still lose all of them at once during a node drain or cluster
//! upgrade, unless a PodDisruptionBudget tells the eviction API how many
//! may be down at a time.
//!
//! Looks at: `spec.replicas` of Deployments and StatefulSets (read from the
//! object body) and the `spec.selector` of the PodDisruptionBudgets in the
//! same namespace, matched against the pod template labels. Fails when
//! `spec.replicas` is greater than 1 and no PodDisruptionBudget selects the
//! pods. A workload whose replica count is unknown (no body kept, the field
//! unset because an autoscaler owns it, or a templated value) is not judged.
//! PodDisruptionBudget selectors follow the API version's rules: a missing
//! selector selects nothing; an empty one (`{}`) selects every pod of the
//! namespace in `policy/v1` and none in `policy/v1beta1`. Similar to
//! kube-score's `deployment-has-poddisruptionbudget` and
//! `statefulset-has-poddisruptionbudget`, restricted to replicated workloads.

use kensa_report::Severity;
use serde_json::Value;

use super::selector::LabelSelector;
use super::{describe, namespace, pod_labels};
use crate::check::{Check, ClusterHit, Hit, Run};
use crate::context::ClusterContext;

/// The check.
pub static CHECK: Check = Check {
    id: "replicated-without-pdb",
    aliases: &[],
    title: "Replicated workload has no PodDisruptionBudget",
    severity: Severity::Low,
    description: "Without a PodDisruptionBudget, voluntary disruptions such as node drains, cluster upgrades and autoscaler scale-downs may evict every replica of a workload at the same time, turning a routine operation into an outage despite the replicas.",
    remediation: "Add a PodDisruptionBudget (policy/v1) in the workload's namespace whose spec.selector matches the pod template labels, with minAvailable or maxUnavailable set so that at least one replica stays up (e.g. maxUnavailable: 1).",
    default_enabled: true,
    run: Run::Cluster(check),
};

fn pdb_selector(pdb: &kensa_k8s::Object) -> LabelSelector {
    let selector = pdb
        .body
        .as_ref()
        .and_then(|body| body.get("spec"))
        .and_then(|spec| spec.get("selector"));
    match LabelSelector::from_json(selector) {
        None => LabelSelector::nothing(),
        Some(selector) if selector.is_empty() && pdb.api_version == "policy/v1beta1" => {
            LabelSelector::nothing()
        }
        Some(selector) => selector,
    }
}

fn check(cluster: &ClusterContext<'_>) -> Vec<ClusterHit> {
    let budgets: Vec<(&str, LabelSelector)> = cluster
        .of_kind("PodDisruptionBudget")
        .map(|(_, pdb)| (namespace(pdb), pdb_selector(pdb)))
        .collect();
    let mut hits = Vec::new();
    for (index, object) in cluster.objects.iter().enumerate() {
        if object.kind != "Deployment" && object.kind != "StatefulSet" {
            continue;
        }
        let context = cluster.context(object);
        let Some(replicas) = context.body_at("spec.replicas").and_then(Value::as_u64) else {
            continue;
        };
        if replicas <= 1 {
            continue;
        }
        let Some(labels) = pod_labels(object) else {
            continue;
        };
        let own_namespace = namespace(object);
        let covered = budgets.iter().any(|(pdb_namespace, selector)| {
            *pdb_namespace == own_namespace && selector.matches(&labels)
        });
        if !covered {
            hits.push(ClusterHit {
                object: index,
                hit: Hit::at(
                    "spec.replicas",
                    format!(
                        "{} runs {replicas} replicas but no PodDisruptionBudget selects its pods",
                        describe(object)
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
    use crate::testing::cluster_hits;

    fn workload(kind: &str, name: &str, replicas: u32) -> String {
        format!(
            "apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: {name}}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      containers: [{{name: c, image: nginx}}]\n"
        )
    }

    #[test]
    fn fails_without_a_matching_budget() {
        let yaml = [
            workload("Deployment", "web", 3),
            workload("StatefulSet", "db", 2),
            workload("Deployment", "solo", 1),
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: other}\nspec:\n  maxUnavailable: 1\n  selector: {matchLabels: {app: api}}\n".to_owned(),
            "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: empty-beta}\nspec:\n  minAvailable: 1\n  selector: {}\n".to_owned(),
        ]
        .join("---\n");
        let found = cluster_hits_with_bodies(&CHECK, &yaml);
        let names: Vec<&str> = found.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["Deployment web", "StatefulSet db"]);
        assert_eq!(found[0].1.path.as_deref(), Some("spec.replicas"));
        assert_eq!(
            found[0].1.message,
            "Deployment 'web' in namespace 'default' runs 3 replicas but no PodDisruptionBudget selects its pods"
        );
    }

    #[test]
    fn passes_with_a_matching_budget() {
        let yaml = [
            workload("Deployment", "web", 3),
            workload("StatefulSet", "db", 2),
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec:\n  maxUnavailable: 1\n  selector:\n    matchExpressions: [{key: app, operator: In, values: [web]}]\n".to_owned(),
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: all}\nspec:\n  minAvailable: 1\n  selector: {}\n".to_owned(),
        ]
        .join("---\n");
        assert!(cluster_hits_with_bodies(&CHECK, &yaml).is_empty());
    }

    #[test]
    fn does_not_judge_an_unknown_replica_count() {
        // Without a kept body the replica count is unknown.
        assert!(cluster_hits(&CHECK, &workload("Deployment", "web", 3)).is_empty());
        let autoscaled = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: c, image: nginx}]\n";
        assert!(cluster_hits_with_bodies(&CHECK, autoscaled).is_empty());
    }
}
