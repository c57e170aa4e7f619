//! A role that grants the `escalate` verb on Roles or ClusterRoles.
//!
//! `escalate` lets its holder create or edit roles with permissions it
//! does not hold itself.
//!
//! Fields: a rule covering the RBAC group (or `*`) that allows `escalate`
//! (or `*`) on `roles` or `clusterroles` (or `*`). Fails once per rule;
//! passes otherwise.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{RBAC_GROUP, rules};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-escalate-permission",
    aliases: &["CKV_K8S_158"],
    title: "Role grants the escalate verb",
    severity: Severity::High,
    description: "The escalate verb lets its holder write any permission into a role it can edit, including ones it does not have, and so raise its own access to cluster-admin.",
    remediation: "Remove 'escalate' (and '*') from the role's verbs on 'roles' and 'clusterroles'.",
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
            rule.grants(RBAC_GROUP, "roles", "escalate")
                || rule.grants(RBAC_GROUP, "clusterroles", "escalate")
        })
        .map(|rule| {
            Hit::at(
                rule.path(),
                format!(
                    "{} should not grant 'escalate' on roles ({})",
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
    fn fails_on_escalate() {
        let found = role_hits(
            &CHECK,
            "Role",
            r#"
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles"]
  verbs: ["*"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "Role 'r' should not grant 'escalate' on roles (rules[0])",
        );
    }

    #[test]
    fn passes_without_escalate() {
        let found = role_hits(
            &CHECK,
            "ClusterRole",
            r#"
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles", "clusterroles"]
  verbs: ["get", "list", "create"]
"#,
        );
        assert!(found.is_empty());
    }
}
