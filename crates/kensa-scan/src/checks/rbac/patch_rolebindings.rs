//! A role that can read and patch RoleBindings, and so add subjects to the
//! bindings it can see (its own included).
//!
//! Fields: one rule covering the RBAC group (or `*`) whose `resources`
//! name `rolebindings` and whose `verbs` hold both `get` and `patch` (or
//! `*`). Trivy requires `apiGroups: ["*"]`; the RBAC group grants the same.
//! Passes otherwise.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{RBAC_GROUP, rules};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-patch-rolebindings",
    aliases: &["KSV-0055", "KSV055", "AVD-KSV-0055"],
    title: "Do not allow users in a rolebinding to add other users to their rolebindings",
    severity: Severity::Low,
    description: "Whoever may get and patch RoleBindings can add any user, group or ServiceAccount to them and so share the bound role's permissions without review.",
    remediation: "Grant only 'get', 'list' and 'watch' on 'rolebindings'; leave changes to bindings to cluster administrators or GitOps.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role", "ClusterRole"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    rules(object)
        .into_iter()
        .filter(|rule| {
            rule.allows_group(RBAC_GROUP)
                && rule.names_resource("rolebindings")
                && rule.allows_verb("get")
                && rule.allows_verb("patch")
        })
        .map(|rule| {
            Hit::at(
                rule.path(),
                format!(
                    "{} should not grant 'get' and 'patch' on 'rolebindings' ({})",
                    object.describe(),
                    rule.path()
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::support::fixtures::{assert_single_hit, role_hits};

    use super::CHECK;

    #[test]
    fn fails_on_get_and_patch() {
        let found = role_hits(
            &CHECK,
            "Role",
            r#"
- apiGroups: ["*"]
  resources: ["rolebindings"]
  verbs: ["get", "patch"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "Role 'r' should not grant 'get' and 'patch' on 'rolebindings' (rules[0])",
        );
    }

    #[test]
    fn passes_with_read_only_access() {
        let found = role_hits(
            &CHECK,
            "Role",
            r#"
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["rolebindings"]
  verbs: ["get", "list"]
"#,
        );
        assert!(found.is_empty());
    }
}
