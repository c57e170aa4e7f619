//! A binding to one of the broad built-in roles `cluster-admin`, `admin` or
//! `edit`.
//!
//! Fields: `roleRef.name`. Fails when it is `cluster-admin`, `admin` or
//! `edit` (whatever `roleRef.kind`, as Trivy does: a Role given one of these
//! names is just as suspicious). Passes for any other role. Bindings
//! labelled `kubernetes.io/bootstrapping: rbac-defaults` (the API server's
//! own) pass too.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{is_bootstrap_default, role_ref_of};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-binding-to-admin-role",
    aliases: &["KSV-0111", "KSV111", "AVD-KSV-0111"],
    title: "User with admin access",
    severity: Severity::Medium,
    description: "cluster-admin, admin and edit grant exec into pods, access to Secrets and (for the first two) control over RBAC; binding them hands out far more than most users or workloads need.",
    remediation: "Bind a Role or ClusterRole that lists only the resources and verbs the subjects need instead of 'cluster-admin', 'admin' or 'edit'.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["RoleBinding", "ClusterRoleBinding"]),
        check,
    },
};

const BROAD_ROLES: &[&str] = &["cluster-admin", "admin", "edit"];

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    if is_bootstrap_default(object.object) {
        return Vec::new();
    }
    let Some(role_ref) = role_ref_of(object.body()) else {
        return Vec::new();
    };
    if !BROAD_ROLES.contains(&role_ref.name) {
        return Vec::new();
    }
    vec![Hit::at(
        "roleRef.name",
        format!(
            "{} should not bind {} '{}'",
            object.describe(),
            role_ref.kind,
            role_ref.name
        ),
    )]
}

#[cfg(test)]
mod tests {
    use super::super::support::fixtures::assert_single_hit;
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_cluster_admin() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: Group, name: ops, apiGroup: rbac.authorization.k8s.io}
"#,
        );
        assert_single_hit(
            &found,
            "roleRef.name",
            "ClusterRoleBinding 'ops' should not bind ClusterRole 'cluster-admin'",
        );
    }

    #[test]
    fn passes_for_other_roles() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: devs, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}
"#,
        );
        assert!(found.is_empty());
    }

    #[test]
    fn passes_without_role_ref() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: devs, namespace: team}
roleRef: admin
"#,
        );
        assert!(found.is_empty());
    }
}
