//! A role that can create ClusterRoleBindings and bind any role.
//!
//! Together, `create` on `clusterrolebindings` and `bind` on every role let
//! the holder bind itself to cluster-admin cluster-wide.
//!
//! Fields: one rule covering the RBAC group with `create` on
//! `clusterrolebindings`, and a rule (the same or another) covering the
//! RBAC group with `bind` on `roles` or `clusterroles` for any name: no
//! `resourceNames`, or `resourceNames` holding `*` (Trivy counts only the
//! latter). `*` in apiGroups or verbs counts. The hit is on the `create`
//! rule.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::create_binding_and_bind_any_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-create-clusterrolebinding-bind-any-role",
    aliases: &["KSV-0052", "KSV052", "AVD-KSV-0052"],
    title: "Do not allow role to create ClusterRoleBindings and association with privileged role",
    severity: Severity::High,
    description: "A role that may create ClusterRoleBindings and bind any ClusterRole lets its holder make itself, or anyone, cluster-admin: RBAC's escalation guard no longer applies.",
    remediation: "Drop the 'bind' verb on 'roles'/'clusterroles', or restrict it with resourceNames to the few low-privilege ClusterRoles the holder may hand out.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role", "ClusterRole"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    create_binding_and_bind_any_hits(object, "clusterrolebindings")
}

#[cfg(test)]
mod tests {
    use super::super::support::fixtures::{assert_single_hit, role_hits};

    use super::CHECK;

    #[test]
    fn fails_on_create_plus_bind_any() {
        let found = role_hits(
            &CHECK,
            "ClusterRole",
            r#"
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["clusterroles"]
  verbs: ["bind"]
- apiGroups: ["*"]
  resources: ["clusterrolebindings"]
  verbs: ["*"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[1]",
            "ClusterRole 'r' should not grant 'create' on 'clusterrolebindings' together with 'bind' on any role (rules[1], rules[0])",
        );
    }

    #[test]
    fn passes_without_bind() {
        let found = role_hits(
            &CHECK,
            "ClusterRole",
            r#"
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["clusterrolebindings"]
  verbs: ["create"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["rolebindings"]
  verbs: ["create"]
"#,
        );
        assert!(found.is_empty());
    }
}
