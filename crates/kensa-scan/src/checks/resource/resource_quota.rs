//! A ResourceQuota should cap the CPU and memory a namespace may request
//! and use, so that one namespace cannot starve the others.
//!
//! Fields: `spec.hard` with `requests.cpu`, `requests.memory`, `limits.cpu`
//! and `limits.memory`. Passes when all four are set. Kubernetes treats
//! `cpu` and `memory` in a quota as `requests.cpu` and `requests.memory`, so
//! kensa accepts those as well (Trivy does not).

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "resource-quota-incomplete",
    aliases: &["KSV-0040", "KSV040", "AVD-KSV-0040"],
    title: "resource quota usage",
    severity: Severity::Low,
    description: "A namespace without hard CPU and memory quotas can claim as much of the cluster as its workloads ask for, crowding out every other namespace.",
    remediation: "Set spec.hard.requests.cpu, spec.hard.requests.memory, spec.hard.limits.cpu and spec.hard.limits.memory in the namespace's ResourceQuota.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["ResourceQuota"]),
        check,
    },
};

/// Each required quota, with the short name Kubernetes treats as the same.
const QUOTAS: [(&str, Option<&str>); 4] = [
    ("requests.cpu", Some("cpu")),
    ("requests.memory", Some("memory")),
    ("limits.cpu", None),
    ("limits.memory", None),
];

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let hard = object.body_at("spec.hard");
    let has = |key: &str| hard.and_then(|hard| hard.get(key)).is_some();
    let missing: Vec<&str> = QUOTAS
        .iter()
        .filter(|(name, alias)| !has(name) && !alias.is_some_and(has))
        .map(|(name, _)| *name)
        .collect();
    if missing.is_empty() {
        return Vec::new();
    }
    let path = if hard.is_some() { "spec.hard" } else { "spec" };
    vec![Hit::at(
        path,
        format!(
            "{} should set {} in 'spec.hard'",
            object.describe(),
            missing
                .iter()
                .map(|name| format!("'{name}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )]
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_without_limits() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: ResourceQuota
metadata: {name: quota}
spec:
  hard: {requests.cpu: "4", requests.memory: 8Gi, pods: "20"}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("spec.hard"));
        assert_eq!(
            found[0].message,
            "ResourceQuota 'quota' should set 'limits.cpu', 'limits.memory' in 'spec.hard'"
        );
    }

    #[test]
    fn passes_with_all_four_and_short_request_names() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: ResourceQuota
metadata: {name: quota}
spec:
  hard: {cpu: "4", memory: 8Gi, limits.cpu: "8", limits.memory: 16Gi}
"#,
        );
        assert!(found.is_empty());
    }
}
