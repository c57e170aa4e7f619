//! A binding that grants its role to user `system:anonymous`.
//!
//! Fields: `subjects[*].name`. Fails for each subject named `system:anonymous`
//! (whatever its kind); passes when there is none.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::subject_name_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-bind-anonymous",
    aliases: &["KSV-0122", "KSV122", "AVD-KSV-0122"],
    title: "Anonymous user access binding",
    severity: Severity::Critical,
    description: "Requests without credentials are served as the user system:anonymous; binding a role to it gives that role to anyone who can reach the API server.",
    remediation: "Remove the 'system:anonymous' subject from the binding, and bind the role to the authenticated users or groups that need it.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["RoleBinding", "ClusterRoleBinding"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    subject_name_hits(object, "system:anonymous", "user")
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
- {kind: User, name: "system:anonymous", apiGroup: rbac.authorization.k8s.io}
"#,
        );
        assert_single_hit(
            &found,
            "subjects[1]",
            "ClusterRoleBinding 'b' should not bind user 'system:anonymous' (subjects[1])",
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
