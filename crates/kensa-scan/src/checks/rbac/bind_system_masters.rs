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
    use super::super::support::fixtures::{assert_single_hit, binding_hits};

    use super::CHECK;

    #[test]
    fn fails_on_the_subject() {
        let found = binding_hits(
            &CHECK,
            "ClusterRoleBinding",
            r#"
- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
- {kind: Group, name: "system:masters", apiGroup: rbac.authorization.k8s.io}
"#,
        );
        assert_single_hit(
            &found,
            "subjects[1]",
            "ClusterRoleBinding 'b' should not bind group 'system:masters' (subjects[1])",
        );
    }

    #[test]
    fn passes_for_other_subjects() {
        let found = binding_hits(
            &CHECK,
            "RoleBinding",
            r#"
- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
- "not a subject"
"#,
        );
        assert!(found.is_empty());
    }
}
