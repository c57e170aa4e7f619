//! A role that can create or change ConfigMaps.
//!
//! Fields: `rules[*].resources` naming `configmaps` with `create`, `update`,
//! `patch`, `delete`, `deletecollection`, `impersonate` or `*`. Passes when
//! no rule does so.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{WRITE_VERBS, literal_grant_hits};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-manage-configmaps",
    aliases: &["KSV-0049", "KSV049", "AVD-KSV-0049"],
    title: "Manage configmaps",
    severity: Severity::Medium,
    description: "ConfigMaps drive the behaviour of workloads and of cluster components (aws-auth, CoreDNS, kube-proxy); changing them can redirect traffic or grant access.",
    remediation: "Grant only 'get', 'list' and 'watch' on 'configmaps', or limit write access to named ConfigMaps with resourceNames.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role", "ClusterRole"]),
        check,
    },
};

const RESOURCES: &[&str] = &["configmaps"];

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
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["create", "delete"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "Role 'r' should not grant 'create', 'delete' on 'configmaps' (rules[0])",
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
  verbs: ["get", "watch"]
"#,
        );
        assert!(found.is_empty());
    }

    #[test]
    fn tolerates_odd_shapes() {
        assert_tolerates_odd_rules(&CHECK, "Role");
    }
}
