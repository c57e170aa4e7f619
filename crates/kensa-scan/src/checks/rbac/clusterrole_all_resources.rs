//! A ClusterRole that acts on every resource (`resources: ["*"]`).
//!
//! Fields: `rules[*].resources` holding `*` with `create`, `update`,
//! `delete`, `deletecollection`, `impersonate`, `*`, `list` or `get` in
//! `rules[*].verbs`. Passes when no rule does so.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{ANY_RESOURCE_VERBS, literal_grant_hits};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-clusterrole-all-resources",
    aliases: &["KSV-0046", "KSV046", "AVD-KSV-0046"],
    title: "Manage all resources",
    severity: Severity::Critical,
    description: "A '*' resource in a ClusterRole covers Secrets, RBAC objects and every resource added later, in every namespace; even read access this wide exposes all credentials.",
    remediation: "List the resources the ClusterRole needs instead of '*'.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["ClusterRole"]),
        check,
    },
};

const RESOURCES: &[&str] = &["*"];

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    literal_grant_hits(object, RESOURCES, ANY_RESOURCE_VERBS)
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
            "ClusterRole",
            r#"
- apiGroups: [""]
  resources: ["*"]
  verbs: ["get", "list", "watch"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "ClusterRole 'r' should not grant 'get', 'list' on '*' (rules[0])",
        );
    }

    #[test]
    fn passes_without_such_a_rule() {
        let found = role_hits(
            &CHECK,
            "ClusterRole",
            r#"
- apiGroups: [""]
  resources: ["pods", "services"]
  verbs: ["get", "list"]
"#,
        );
        assert!(found.is_empty());
    }

    #[test]
    fn tolerates_odd_shapes() {
        assert_tolerates_odd_rules(&CHECK, "ClusterRole");
    }
}
