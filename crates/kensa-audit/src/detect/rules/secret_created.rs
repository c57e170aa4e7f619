//! Activity stream: a Secret was created (credentials). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s Secret Created`, same condition (successful requests only). Like Falco, secrets in kube-system and requests by `system:` users (which include service-account token controllers) are skipped.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Secret created.
pub static RULE: Rule = Rule {
    id: "k8s-secret-created",
    falco_name: Some("K8s Secret Created"),
    title: "Secret created",
    priority: Priority::Informational,
    description: "Activity: a Secret was created.",
    default_enabled: true,
    needs: metadata(&[pattern(&["create"], &["secrets"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if event.namespace() == Some("kube-system") || is_system_user(&event.user.username) {
        return None;
    }
    activity(event, "Secret created", "secret")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "create", "secrets", true, 201);
    }

    #[test]
    fn skips_kube_system() {
        let kube = event(
            "create",
            "bob",
            r#"{"resource":"secrets","namespace":"kube-system","name":"n"}"#,
            201,
            "",
        );
        assert_eq!(run(&RULE, &kube), None);
    }
}
