//! A role that grants the `bind` verb on RBAC objects.
//!
//! `bind` lets its holder create bindings to roles it does not hold
//! itself, lifting RBAC's guard against escalation.
//!
//! Fields: a rule covering the RBAC group (or `*`) that allows `bind` (or
//! `*`) on `roles`, `clusterroles`, `rolebindings` or `clusterrolebindings`
//! (or `*`). Checkov looks at the bindings only; the verb takes effect on
//! the roles, so kensa counts both. Rules limited by `resourceNames` count
//! too: the named roles may be powerful. Fails once per rule.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{RBAC_GROUP, rules};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-bind-permission",
    aliases: &["CKV_K8S_157"],
    title: "Role grants the bind verb",
    severity: Severity::High,
    description: "The bind verb lets its holder bind roles with permissions it does not have, so it can grant itself or others anything those roles allow.",
    remediation: "Remove 'bind' (and '*') from the role's verbs on RBAC resources; where delegation is needed, restrict 'bind' with resourceNames to low-privilege roles.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role", "ClusterRole"]),
        check,
    },
};

const RESOURCES: &[&str] = &[
    "roles",
    "clusterroles",
    "rolebindings",
    "clusterrolebindings",
];

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    rules(object)
        .into_iter()
        .filter(|rule| {
            RESOURCES
                .iter()
                .any(|resource| rule.grants(RBAC_GROUP, resource, "bind"))
        })
        .map(|rule| {
            Hit::at(
                rule.path(),
                format!(
                    "{} should not grant 'bind' on RBAC roles or bindings ({})",
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
    fn fails_on_bind() {
        let found = role_hits(
            &CHECK,
            "ClusterRole",
            r#"
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["clusterrolebindings"]
  verbs: ["bind"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "ClusterRole 'r' should not grant 'bind' on RBAC roles or bindings (rules[0])",
        );
    }

    #[test]
    fn passes_without_bind() {
        let found = role_hits(
            &CHECK,
            "Role",
            r#"
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["rolebindings"]
  verbs: ["get", "create"]
- apiGroups: [""]
  resources: ["*"]
  verbs: ["*"]
"#,
        );
        assert!(found.is_empty());
    }
}
