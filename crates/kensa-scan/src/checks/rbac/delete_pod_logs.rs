//! A role that can delete pod logs.
//!
//! Fields: `rules[*].resources` naming `pods/log` with `delete`,
//! `deletecollection` or `*` in `rules[*].verbs`. Passes when no rule does so.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::literal_grant_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-delete-pod-logs",
    aliases: &["KSV-0042", "KSV042", "AVD-KSV-0042"],
    title: "Delete pod logs",
    severity: Severity::Medium,
    description: "Deleting pod logs lets an intruder erase the traces of what a compromised workload did.",
    remediation: "Remove the 'delete' and 'deletecollection' verbs (and '*') from rules on 'pods/log'; reading logs needs only 'get'.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role", "ClusterRole"]),
        check,
    },
};

const RESOURCES: &[&str] = &["pods/log"];

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    literal_grant_hits(object, RESOURCES, &["delete", "deletecollection", "*"])
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
  resources: ["pods", "pods/log"]
  verbs: ["get", "delete"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "Role 'r' should not grant 'delete' on 'pods/log' (rules[0])",
        );
    }

    #[test]
    fn passes_without_such_a_rule() {
        let found = role_hits(
            &CHECK,
            "ClusterRole",
            r#"
- apiGroups: [""]
  resources: ["pods/log"]
  verbs: ["get", "list"]
"#,
        );
        assert!(found.is_empty());
    }

    #[test]
    fn tolerates_odd_shapes() {
        assert_tolerates_odd_rules(&CHECK, "Role");
    }
}
