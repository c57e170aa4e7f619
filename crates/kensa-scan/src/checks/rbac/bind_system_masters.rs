//! A binding that grants its role to group `system:masters`.
//!
//! Fields: `subjects[*].name`. Fails for each subject named `system:masters`
//! (whatever its kind); passes when there is none.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::subject_name_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-bind-system-masters",
    aliases: &["KSV-0123", "KSV0123", "AVD-KSV-0123"],
    title: "system:masters group access binding",
    severity: Severity::Critical,
    description: "Members of system:masters bypass RBAC altogether; binding roles to that group is pointless at best and signals credentials that cannot be revoked through RBAC.",
    remediation: "Remove the 'system:masters' subject from the binding, and bind roles to ordinary groups whose membership can be managed and revoked.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["RoleBinding", "ClusterRoleBinding"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    subject_name_hits(object, "system:masters", "group")
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
- {kind: Group, name: "system:masters", apiGroup: rbac.authorization.k8s.io}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("subjects[1]"));
        assert_eq!(
            found[0].message,
            "ClusterRoleBinding 'b' should not bind group 'system:masters' (subjects[1])"
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
