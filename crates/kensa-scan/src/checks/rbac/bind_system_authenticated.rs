//! A binding that grants its role to group `system:authenticated`.
//!
//! Fields: `subjects[*].name`. Fails for each subject named `system:authenticated`
//! (whatever its kind); passes when there is none.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::subject_name_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-bind-system-authenticated",
    aliases: &["KSV-01011", "KSV01011", "AVD-KSV-01011"],
    title: "system:authenticate group access binding",
    severity: Severity::Critical,
    description: "Every authenticated identity, every ServiceAccount of every namespace included (and, on some managed clusters, any cloud account), is in system:authenticated; a role bound to it is granted to all of them.",
    remediation: "Remove the 'system:authenticated' subject from the binding, and bind the role to the specific users, groups or ServiceAccounts that need it.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["RoleBinding", "ClusterRoleBinding"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    subject_name_hits(object, "system:authenticated", "group")
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_the_subject() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
- {kind: Group, name: "system:authenticated", apiGroup: rbac.authorization.k8s.io}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("subjects[1]"));
        assert_eq!(
            found[0].message,
            "ClusterRoleBinding 'b' should not bind group 'system:authenticated' (subjects[1])"
        );
    }

    #[test]
    fn passes_for_other_subjects() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: ns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
- "not a subject"
"#,
        );
        assert!(found.is_empty());
    }
}
