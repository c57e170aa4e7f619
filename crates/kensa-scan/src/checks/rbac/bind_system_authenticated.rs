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
    use super::super::support::fixtures::{assert_single_hit, binding_hits};

    use super::CHECK;

    #[test]
    fn fails_on_the_subject() {
        let found = binding_hits(
            &CHECK,
            "ClusterRoleBinding",
            r#"
- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
- {kind: Group, name: "system:authenticated", apiGroup: rbac.authorization.k8s.io}
"#,
        );
        assert_single_hit(
            &found,
            "subjects[1]",
            "ClusterRoleBinding 'b' should not bind group 'system:authenticated' (subjects[1])",
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
