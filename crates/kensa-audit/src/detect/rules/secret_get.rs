//! A secret was read (`get`, successful). Secrets hold tokens, passwords and
//! keys; reading them is the usual next step after stealing a credential.
//!
//! Falco: `K8s Secret Get Successfully` (ERROR), which fires on every secret
//! read. kensa skips identities whose job is reading secrets: nodes (the
//! kubelet mounts pod secrets), kube-controller-manager, the API server, and
//! the service accounts of well-known secret-managing controllers
//! (cert-manager, external-secrets, sealed-secrets, argocd); see
//! `SECRET_READERS`.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Secret read.
pub static RULE: Rule = Rule {
    id: "k8s-secret-get",
    falco_name: Some("K8s Secret Get Successfully"),
    title: "Secret read",
    priority: Priority::Error,
    description: "A secret was read successfully by an identity whose job is not reading secrets.",
    default_enabled: true,
    needs: metadata(&[pattern(&["get"], &["secrets"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if !succeeded(event) || is_secret_reader(&event.user.username) {
        return None;
    }
    Some(format!(
        "secret read (user={} secret={} code={} decision={})",
        user(event),
        object(event),
        code(event),
        decision(event)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_for_ordinary_identities() {
        let e = event(
            "get",
            "system:serviceaccount:web:frontend",
            r#"{"resource":"secrets","namespace":"web","name":"db"}"#,
            200,
            "",
        );
        assert!(run(&RULE, &e).is_some());
    }

    #[test]
    fn skips_secret_managers_and_failures() {
        for user in [
            "system:serviceaccount:cert-manager:cert-manager",
            "system:node:node-1",
        ] {
            let e = event(
                "get",
                user,
                r#"{"resource":"secrets","namespace":"web","name":"db"}"#,
                200,
                "",
            );
            assert_eq!(run(&RULE, &e), None, "{user}");
        }
        let e = event(
            "get",
            "bob",
            r#"{"resource":"secrets","namespace":"web","name":"db"}"#,
            403,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
    }
}
