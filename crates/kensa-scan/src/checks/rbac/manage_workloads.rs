//! A role that can create or change pods and workload controllers.
//!
//! Whoever can create a pod can run it with any ServiceAccount of the
//! namespace and, without admission control, as privileged on a node.
//!
//! Fields: `rules[*].resources` naming `pods`, `deployments`, `jobs`,
//! `cronjobs`, `statefulsets`, `daemonsets`, `replicasets` or
//! `replicationcontrollers` with `create`, `update`, `patch`, `delete`,
//! `deletecollection`, `impersonate` or `*`. Passes when no rule does so.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{WRITE_VERBS, literal_grant_hits};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-manage-workloads",
    aliases: &["KSV-0048", "KSV048", "AVD-KSV-0048"],
    title: "Manage Kubernetes workloads and pods",
    severity: Severity::Medium,
    description: "Creating or changing pods and workload controllers lets the holder run any image with any ServiceAccount of the namespace, and possibly privileged on a node.",
    remediation: "Grant only 'get', 'list' and 'watch' on workload resources, and give write access to the deploying identity (CI, GitOps controller) alone.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role", "ClusterRole"]),
        check,
    },
};

const RESOURCES: &[&str] = &[
    "pods",
    "deployments",
    "jobs",
    "cronjobs",
    "statefulsets",
    "daemonsets",
    "replicasets",
    "replicationcontrollers",
];

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    literal_grant_hits(object, RESOURCES, WRITE_VERBS)
}

#[cfg(test)]
mod tests {
    use super::super::support::fixtures::{
        assert_single_hit, assert_tolerates_odd_rules, role_hits,
    };

    use super::CHECK;

    #[test]
    fn fails_on_the_offending_rule() {
        let found = role_hits(
            &CHECK,
            "Role",
            r#"
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "patch", "update"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "Role 'r' should not grant 'patch', 'update' on 'deployments' (rules[0])",
        );
    }

    #[test]
    fn passes_without_such_a_rule() {
        let found = role_hits(
            &CHECK,
            "Role",
            r#"
- apiGroups: ["apps"]
  resources: ["deployments", "replicasets"]
  verbs: ["get", "list", "watch"]
"#,
        );
        assert!(found.is_empty());
    }

    #[test]
    fn tolerates_odd_shapes() {
        assert_tolerates_odd_rules(&CHECK, "Role");
    }
}
