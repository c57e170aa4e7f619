//! Activity stream: a Secret was deleted (credentials). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s Secret Deleted`, same condition (successful requests only). Like Falco, secrets in kube-system and requests by `system:` users (which include service-account token controllers) are skipped.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Secret deleted.
pub static RULE: Rule = Rule {
    id: "k8s-secret-deleted",
    falco_name: Some("K8s Secret Deleted"),
    title: "Secret deleted",
    priority: Priority::Informational,
    description: "Activity: a Secret was deleted.",
    default_enabled: true,
    needs: metadata(&[pattern(&["delete"], &["secrets"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if event.namespace() == Some("kube-system") || is_system_user(&event.user.username) {
        return None;
    }
    activity(event, "Secret deleted", "secret")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "delete", "secrets", true, 200);
    }

    #[test]
    fn skips_kube_system() {
        let kube = event(
            "delete",
            "bob",
            r#"{"resource":"secrets","namespace":"kube-system","name":"n"}"#,
            200,
            "",
        );
        assert_eq!(run(&RULE, &kube), None);
    }
}
