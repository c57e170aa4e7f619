//! A role that grants every verb (`*`) on sensitive resources.
//!
//! Fields: `rules[*].verbs` holding `*` in a rule whose `resources` name
//! `secrets`, `pods`, a workload controller, an RBAC resource, `users` or
//! `groups`. Passes when no such rule exists.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::literal_grant_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-wildcard-verb",
    aliases: &["KSV-0045", "KSV045", "AVD-KSV-0045"],
    title: "No wildcard verb roles",
    severity: Severity::Critical,
    description: "A '*' verb grants every current and future verb, escalate, bind and impersonate included, on resources that already give control of workloads, credentials or RBAC.",
    remediation: "Replace '*' in the rule's verbs with the verbs the holder needs, typically 'get', 'list' and 'watch'.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role", "ClusterRole"]),
        check,
    },
};

const RESOURCES: &[&str] = &[
    "secrets",
    "pods",
    "deployments",
    "daemonsets",
    "statefulsets",
    "replicationcontrollers",
    "replicasets",
    "cronjobs",
    "jobs",
    "roles",
    "clusterroles",
    "rolebindings",
    "clusterrolebindings",
    "users",
    "groups",
];

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    literal_grant_hits(object, RESOURCES, &["*"])
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
- apiGroups: [""]
  resources: ["configmaps", "pods"]
  verbs: ["*"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "Role 'r' should not grant '*' on 'pods' (rules[0])",
        );
    }

    #[test]
    fn passes_without_such_a_rule() {
        let found = role_hits(
            &CHECK,
            "Role",
            r#"
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["*"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get"]
"#,
        );
        assert!(found.is_empty());
    }

    #[test]
    fn tolerates_odd_shapes() {
        assert_tolerates_odd_rules(&CHECK, "Role");
    }
}
