//! A role that can create RoleBindings and bind any role.
//!
//! Together, `create` on `rolebindings` and `bind` on every role let the
//! holder bind itself to cluster-admin within a namespace.
//!
//! Fields: one rule covering the RBAC group with `create` on
//! `rolebindings`, and a rule (the same or another) covering the RBAC group
//! with `bind` on `roles` or `clusterroles` for any name: no
//! `resourceNames`, or `resourceNames` holding `*`. (Trivy only counts the
//! literal `*` name; a rule without `resourceNames` binds every role too.)
//! `*` in apiGroups or verbs counts. The hit is on the `create` rule.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::create_binding_and_bind_any_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-create-rolebinding-bind-any-role",
    aliases: &["KSV-0051", "KSV051", "AVD-KSV-0051"],
    title: "Do not allow role binding creation and association with privileged role/clusterrole",
    severity: Severity::High,
    description: "A role that may create RoleBindings and bind any Role or ClusterRole lets its holder bind itself, or anyone, to cluster-admin in the namespace: RBAC's escalation guard no longer applies.",
    remediation: "Drop the 'bind' verb on 'roles'/'clusterroles', or restrict it with resourceNames to the few low-privilege roles the holder may hand out.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role", "ClusterRole"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    create_binding_and_bind_any_hits(object, "rolebindings")
}

#[cfg(test)]
mod tests {
    use super::super::support::fixtures::{assert_single_hit, role_hits};

    use super::CHECK;

    #[test]
    fn fails_on_create_plus_bind_any() {
        let found = role_hits(
            &CHECK,
            "Role",
            r#"
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["rolebindings"]
  verbs: ["create"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["clusterroles"]
  verbs: ["bind"]
  resourceNames: ["*"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "Role 'r' should not grant 'create' on 'rolebindings' together with 'bind' on any role (rules[0], rules[1])",
        );
    }

    #[test]
    fn passes_when_bind_is_limited_to_named_roles() {
        let found = role_hits(
            &CHECK,
            "Role",
            r#"
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["rolebindings"]
  verbs: ["create"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["clusterroles"]
  verbs: ["bind"]
  resourceNames: ["view"]
"#,
        );
        assert!(found.is_empty());
    }
}
