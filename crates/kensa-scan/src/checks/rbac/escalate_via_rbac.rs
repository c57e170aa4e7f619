//! A role that can `escalate`, `bind` or `impersonate` on Roles or RoleBindings.
//!
//! `escalate` lets its holder write roles with permissions it does not
//! have; `bind` lets it bind roles it does not hold: both bypass RBAC's
//! escalation guard.
//!
//! Fields: `rules[*].resources` naming `roles` or `rolebindings` with
//! `escalate`, `bind`, `impersonate` or `*`. Passes when no rule does so.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::literal_grant_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-escalate-via-rbac-resources",
    aliases: &["KSV-0050", "KSV050", "AVD-KSV-0050"],
    title: "Do not allow privilege escalation via RBAC resources",
    severity: Severity::Critical,
    description: "The escalate and bind verbs switch off RBAC's guard against granting permissions one does not hold, so their holder can give itself any permission in scope.",
    remediation: "Remove the 'escalate', 'bind', 'impersonate' and '*' verbs from rules on 'roles' and 'rolebindings'.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role", "ClusterRole"]),
        check,
    },
};

const RESOURCES: &[&str] = &["roles", "rolebindings"];

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    literal_grant_hits(object, RESOURCES, &["escalate", "bind", "impersonate", "*"])
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
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles"]
  verbs: ["get", "escalate"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "Role 'r' should not grant 'escalate' on 'roles' (rules[0])",
        );
    }

    #[test]
    fn passes_without_such_a_rule() {
        let found = role_hits(
            &CHECK,
            "ClusterRole",
            r#"
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles", "rolebindings"]
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
