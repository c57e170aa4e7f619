//! A Role that reads or writes the Secrets of its namespace.
//!
//! Fields: `rules[*].resources` naming `secrets` together with any of
//! `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
//! `deletecollection`, `impersonate` or `*` in `rules[*].verbs`. Passes when
//! no rule does so.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{READ_WRITE_VERBS, literal_grant_hits};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-manage-namespace-secrets",
    aliases: &["KSV-0113", "KSV113", "AVD-KSV-0113"],
    title: "Manage namespace secrets",
    severity: Severity::Medium,
    description: "A Role that can read or change Secrets exposes every credential and ServiceAccount token of its namespace to whoever holds it.",
    remediation: "Remove 'secrets' from the Role's rules, or limit the rule to the Secrets the workload needs with resourceNames and the 'get' verb.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role"]),
        check,
    },
};

const RESOURCES: &[&str] = &["secrets"];

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    literal_grant_hits(object, RESOURCES, READ_WRITE_VERBS)
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
  resources: ["secrets"]
  verbs: ["*"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "Role 'r' should not grant '*' on 'secrets' (rules[0])",
        );
    }

    #[test]
    fn passes_without_such_a_rule() {
        let found = role_hits(
            &CHECK,
            "Role",
            r#"
- apiGroups: [""]
  resources: ["services"]
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
