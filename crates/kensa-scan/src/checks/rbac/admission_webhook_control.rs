//! A ClusterRole that may create or change admission webhook configurations.
//!
//! A mutating webhook sees, and may rewrite, every object it registers for
//! before it is stored (pod specs and Secrets included); a validating one
//! may block or silently observe them. Whoever can register or repoint a
//! webhook can therefore read credentials, inject containers, or switch off
//! policy enforcement cluster-wide.
//!
//! Fields: `rules[*].apiGroups`, `rules[*].resources`, `rules[*].verbs` of
//! ClusterRoles. Fails, once per offending rule, when a rule's apiGroups
//! hold `admissionregistration.k8s.io` or `*`, its resources hold
//! `mutatingwebhookconfigurations`, `validatingwebhookconfigurations` or
//! `*`, and its verbs hold `create`, `update`, `patch` or `*`
//! (`resourceNames` are not considered). Passes otherwise, and for Roles
//! (webhook configurations are cluster-scoped, so a Role cannot grant them).
//! This is Checkov's CKV_K8S_155. It differs from its neighbour
//! `rbac-manage-webhooks` (Trivy's KSV-0114), which compares resource names
//! literally (so `*` resources do not count there), ignores apiGroups, also
//! counts `delete`, `deletecollection` and `impersonate`, and looks at Roles
//! as well.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{quoted, rules};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-control-admission-webhooks",
    aliases: &["CKV_K8S_155"],
    title: "ClusterRole can control admission webhook configurations",
    severity: Severity::High,
    description: "Admission webhooks are called with every object the API server admits for them, Secrets and pod specs included, and may change or reject it. A holder who can create or modify webhook configurations can intercept credentials, inject sidecars or privileged settings into new pods, or disable validating policy for the whole cluster.",
    remediation: "Remove 'create', 'update', 'patch' and '*' on 'mutatingwebhookconfigurations' and 'validatingwebhookconfigurations' (and on '*' resources) in the 'admissionregistration.k8s.io' group from the ClusterRole; keep read-only verbs ('get', 'list', 'watch'), and grant write access only to the controller that owns the webhook, with resourceNames limiting it to its own configuration.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["ClusterRole"]),
        check,
    },
};

const GROUP: &str = "admissionregistration.k8s.io";
const RESOURCES: &[&str] = &[
    "mutatingwebhookconfigurations",
    "validatingwebhookconfigurations",
];
const VERBS: &[&str] = &["create", "update", "patch"];

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    rules(object)
        .into_iter()
        .filter(|rule| rule.allows_group(GROUP))
        .filter_map(|rule| {
            let resources: Vec<&str> = RESOURCES
                .iter()
                .copied()
                .filter(|resource| rule.allows_resource(resource))
                .collect();
            let verbs: Vec<&str> = VERBS
                .iter()
                .copied()
                .filter(|verb| rule.allows_verb(verb))
                .collect();
            if resources.is_empty() || verbs.is_empty() {
                return None;
            }
            Some(Hit::at(
                rule.path(),
                format!(
                    "{} should not grant {} on {} in '{GROUP}' ({})",
                    object.describe(),
                    quoted(&verbs),
                    quoted(&resources),
                    rule.path()
                ),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::support::fixtures::role_hits;
    use crate::check::Run;
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_literal_and_wildcard_grants() {
        let found = role_hits(
            &CHECK,
            "ClusterRole",
            r#"
- apiGroups: ["admissionregistration.k8s.io"]
  resources: ["validatingwebhookconfigurations"]
  verbs: ["get", "patch"]
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].path.as_deref(), Some("rules[0]"));
        assert_eq!(
            found[0].message,
            "ClusterRole 'r' should not grant 'patch' on 'validatingwebhookconfigurations' in 'admissionregistration.k8s.io' (rules[0])"
        );
        assert_eq!(found[1].path.as_deref(), Some("rules[1]"));
        assert_eq!(
            found[1].message,
            "ClusterRole 'r' should not grant 'create', 'update', 'patch' on 'mutatingwebhookconfigurations', 'validatingwebhookconfigurations' in 'admissionregistration.k8s.io' (rules[1])"
        );
    }

    #[test]
    fn passes_read_only_or_other_groups_or_delete() {
        let found = role_hits(
            &CHECK,
            "ClusterRole",
            r#"
- apiGroups: ["admissionregistration.k8s.io"]
  resources: ["*"]
  verbs: ["get", "list", "watch", "delete"]
- apiGroups: ["apps"]
  resources: ["*"]
  verbs: ["*"]
- apiGroups: ["admissionregistration.k8s.io"]
  resources: ["validatingadmissionpolicies"]
  verbs: ["create"]
"#,
        );
        assert!(found.is_empty());
    }

    #[test]
    fn ignores_roles_and_odd_shapes() {
        let Run::Object { kinds, .. } = CHECK.run else {
            panic!("an object check");
        };
        assert!(kinds.matches("ClusterRole"));
        assert!(!kinds.matches("Role"));
        let odd = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules:
- "not a rule"
- apiGroups: "*"
  resources: ["*"]
  verbs: 5
"#;
        assert!(hits(&CHECK, odd).is_empty());
    }
}
