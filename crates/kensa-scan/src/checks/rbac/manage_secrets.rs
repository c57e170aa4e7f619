//! A ClusterRole that reads or writes Secrets across every namespace.
//!
//! Reading Secrets cluster-wide is close to cluster-admin: some Secret
//! usually holds a token of a powerful ServiceAccount.
//!
//! Fields: `rules[*].resources` naming `secrets` together with any of
//! `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
//! `deletecollection`, `impersonate` or `*` in `rules[*].verbs`. Resources
//! are compared as written (a `*` resource is the business of
//! `rbac-clusterrole-all-resources`). Passes when no rule does so.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{READ_WRITE_VERBS, literal_grant_hits};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-manage-secrets",
    aliases: &["KSV-0041", "KSV041", "AVD-KSV-0041"],
    title: "Manage secrets",
    severity: Severity::Critical,
    description: "A ClusterRole that can read or change Secrets does so in every namespace; Secrets hold ServiceAccount tokens and credentials, so whoever holds the role can usually turn it into much wider access.",
    remediation: "Remove 'secrets' from the ClusterRole's rules; where a workload needs one Secret, grant 'get' on it by name (resourceNames) in a namespaced Role.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["ClusterRole"]),
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
            "ClusterRole",
            r#"
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["list", "watch"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[1]",
            "ClusterRole 'r' should not grant 'list', 'watch' on 'secrets' (rules[1])",
        );
    }

    #[test]
    fn passes_without_such_a_rule() {
        let found = role_hits(
            &CHECK,
            "ClusterRole",
            r#"
- apiGroups: [""]
  resources: ["configmaps"]
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
