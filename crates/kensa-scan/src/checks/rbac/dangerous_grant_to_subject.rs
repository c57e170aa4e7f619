//! Subjects that get dangerous permissions through their bindings
//! (cross-resource).
//!
//! For every RoleBinding and ClusterRoleBinding, resolves `roleRef` to the
//! rules it grants: a loaded Role in the binding's namespace, a loaded
//! ClusterRole (with an `aggregationRule`, the union of the loaded
//! ClusterRoles its selectors match), or, when not loaded, kensa's table of
//! built-in ClusterRoles (`cluster-admin`, `admin`, `edit`, `view` and a few
//! `system:` roles; loaded ClusterRoles labelled
//! `rbac.authorization.k8s.io/aggregate-to-<role>` are added to them). It
//! then reports each User, Group and ServiceAccount subject that thereby may:
//!
//! - exec into pods (`create` or `get` on `pods/exec`, or on `pods/attach`,
//!   which gives the same shell when the container has one),
//! - read Secrets (`get`, `list` or `watch` on `secrets`),
//! - `escalate` or `bind` Roles/ClusterRoles,
//! - `impersonate` users, groups or ServiceAccounts,
//! - create RoleBindings or ClusterRoleBindings (hand its permissions on).
//!
//! Wildcards count; `resourceNames` are not considered. One hit per
//! binding × subject at `subjects[i]`, listing the grants and, for a
//! ServiceAccount, the loaded workloads that run as it. Bindings to roles
//! that are neither loaded nor built-in, and the API server's bootstrap
//! bindings, are skipped.

use kensa_report::Severity;

use crate::check::{Check, ClusterHit, Run};
use crate::context::ClusterContext;

use super::support::{Permission, RBAC_GROUP, subject_grant_hits};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-dangerous-grant-to-subject",
    aliases: &[],
    title: "Subject granted dangerous RBAC permissions",
    severity: Severity::High,
    description: "Following a binding to the role it refers to shows what its users, groups and ServiceAccounts can really do; exec into pods, reading Secrets, escalate, bind, impersonate and creating bindings each lead to wider access than the role's name suggests.",
    remediation: "Bind the subject to a role without these permissions: drop 'pods/exec', 'secrets', 'impersonate', 'escalate', 'bind' and write access to bindings from the role, or bind a narrower role (e.g. 'view' instead of 'edit').",
    default_enabled: true,
    run: Run::Cluster(check),
};

/// A dangerous grant: what the message calls it, and the permissions that give it.
struct Danger {
    label: &'static str,
    permissions: &'static [Permission],
}

const DANGERS: &[Danger] = &[
    Danger {
        label: "exec into pods",
        permissions: &[Permission {
            groups: &[""],
            resources: &["pods/exec", "pods/attach"],
            verbs: &["create", "get"],
        }],
    },
    Danger {
        label: "read secrets",
        permissions: &[Permission {
            groups: &[""],
            resources: &["secrets"],
            verbs: &["get", "list", "watch"],
        }],
    },
    Danger {
        label: "escalate roles",
        permissions: &[Permission {
            groups: &[RBAC_GROUP],
            resources: &["roles", "clusterroles"],
            verbs: &["escalate"],
        }],
    },
    Danger {
        label: "bind roles",
        permissions: &[Permission {
            groups: &[RBAC_GROUP],
            resources: &["roles", "clusterroles"],
            verbs: &["bind"],
        }],
    },
    Danger {
        label: "impersonate",
        permissions: &[
            Permission {
                groups: &[""],
                resources: &["users", "groups", "serviceaccounts"],
                verbs: &["impersonate"],
            },
            Permission {
                groups: &["authentication.k8s.io"],
                resources: &["userextras", "uids"],
                verbs: &["impersonate"],
            },
        ],
    },
    Danger {
        label: "create role bindings",
        permissions: &[Permission {
            groups: &[RBAC_GROUP],
            resources: &["rolebindings", "clusterrolebindings"],
            verbs: &["create"],
        }],
    },
];

fn check(ctx: &ClusterContext<'_>) -> Vec<ClusterHit> {
    subject_grant_hits(
        ctx,
        |subject| matches!(subject.kind, "User" | "Group" | "ServiceAccount"),
        |role| {
            let grants: Vec<&str> = DANGERS
                .iter()
                .filter(|danger| {
                    danger
                        .permissions
                        .iter()
                        .any(|permission| permission.granted_by(role, false))
                })
                .map(|danger| danger.label)
                .collect();
            (!grants.is_empty()).then(|| grants.join(", "))
        },
    )
}

#[cfg(test)]
mod tests {
    use crate::testing::cluster_hits;

    use super::CHECK;

    #[test]
    fn fails_for_each_subject_of_a_builtin_edit_binding() {
        let found = cluster_hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: devs, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
- {kind: Group, name: developers, apiGroup: rbac.authorization.k8s.io}
- {kind: ServiceAccount, name: ci}
"#,
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].1.path.as_deref(), Some("subjects[0]"));
        assert_eq!(
            found[0].1.message,
            "Group 'developers' can exec into pods, read secrets, impersonate in namespace 'team' through ClusterRole 'edit' (built-in) bound by RoleBinding 'team/devs'"
        );
        assert_eq!(
            found[1].1.message,
            "ServiceAccount 'team/ci' can exec into pods, read secrets, impersonate in namespace 'team' through ClusterRole 'edit' (built-in) bound by RoleBinding 'team/devs'"
        );
    }

    #[test]
    fn follows_loaded_roles_and_wildcards() {
        let found = cluster_hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: app}
rules:
- apiGroups: [""]
  resources: ["*"]
  verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: app}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- {kind: User, name: bob}
"#,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "RoleBinding app/reader");
        assert_eq!(
            found[0].1.message,
            "User 'bob' can exec into pods, read secrets in namespace 'app' through Role 'reader' bound by RoleBinding 'app/reader'"
        );
    }

    #[test]
    fn names_the_workloads_behind_a_service_account() {
        let found = cluster_hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: shell, namespace: app}
rules:
- apiGroups: [""]
  resources: ["pods/attach"]
  verbs: ["create"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: shell, namespace: app}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: shell}
subjects:
- {kind: ServiceAccount, name: default, namespace: app}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: app}
spec:
  containers: [{name: web, image: nginx:1.27}]
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: elsewhere}
spec:
  containers: [{name: web, image: nginx:1.27}]
"#,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].1.message,
            "ServiceAccount 'app/default' can exec into pods in namespace 'app' through Role 'shell' bound by RoleBinding 'app/shell'; used by Pod 'app/web'"
        );
    }

    #[test]
    fn unions_aggregated_cluster_roles() {
        let found = cluster_hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: monitoring}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {example.com/aggregate-to-monitoring: "true"}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring-extra
  labels: {example.com/aggregate-to-monitoring: "true"}
rules:
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["clusterroles"]
  verbs: ["escalate", "bind"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: monitoring}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: monitoring}
subjects:
- {kind: ServiceAccount, name: prometheus, namespace: monitoring}
"#,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].1.message,
            "ServiceAccount 'monitoring/prometheus' can escalate roles, bind roles cluster-wide through ClusterRole 'monitoring' bound by ClusterRoleBinding 'monitoring'"
        );
    }

    #[test]
    fn builtin_roles_absorb_labelled_roles() {
        let found = cluster_hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: extra-view
  labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}
rules:
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: viewers, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: Group, name: auditors}
"#,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .1
                .message
                .starts_with("Group 'auditors' can read secrets")
        );
    }

    #[test]
    fn passes_for_view_and_unknown_roles() {
        let found = cluster_hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: viewers, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: Group, name: auditors}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: other, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: not-loaded}
subjects:
- {kind: User, name: bob}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: elsewhere}
rules:
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: wrong-namespace, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- {kind: User, name: carol}
"#,
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
