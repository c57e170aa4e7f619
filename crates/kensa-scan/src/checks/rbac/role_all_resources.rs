//! A Role that acts on every resource of its namespace (`resources: ["*"]`).
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
    id: "rbac-role-all-resources",
    aliases: &["KSV-0112", "KSV112", "AVD-KSV-0112"],
    title: "Manage all resources at the namespace",
    severity: Severity::Critical,
    description: "A '*' resource in a Role covers the namespace's Secrets, pods/exec, RoleBindings and every resource added later.",
    remediation: "List the resources the Role needs instead of '*'.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role"]),
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
            "Role",
            r#"
- apiGroups: [""]
  resources: ["*"]
  verbs: ["*"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "Role 'r' should not grant '*' on '*' (rules[0])",
        );
    }

    #[test]
    fn passes_without_such_a_rule() {
        let found = role_hits(
            &CHECK,
            "Role",
            r#"
- apiGroups: [""]
  resources: ["*"]
  verbs: ["watch"]
"#,
        );
        assert!(found.is_empty());
    }

    #[test]
    fn tolerates_odd_shapes() {
        assert_tolerates_odd_rules(&CHECK, "Role");
    }
}
