//! A Mutating- or ValidatingWebhookConfiguration was created, changed or
//! deleted. Admission webhooks see (and mutating ones rewrite) every
//! matching object: a new one can inject sidecars or credentials into all
//! pods, and deleting one turns off a policy engine.
//!
//! kensa rule (no Falco equivalent). NOTICE because operators and
//! cert-manager's CA injector update webhook configurations routinely; the
//! dangerous case, a webhook calling a URL outside the cluster, is
//! `k8s-admission-webhook-external-url` at WARNING.

use crate::detect::support::*;
use crate::detect::{Priority, RequestPattern, Rule};
use crate::event::Event;

/// Admission webhook configuration changed.
pub static RULE: Rule = Rule {
    id: "k8s-admission-webhook-changed",
    falco_name: None,
    title: "Admission webhook configuration changed",
    priority: Priority::Notice,
    description: "A mutating or validating webhook configuration was created, modified or deleted.",
    default_enabled: true,
    needs: metadata(&[RequestPattern {
        verbs: &["create", "update", "patch", "delete"],
        api_group: Some("admissionregistration.k8s.io"),
        resources: &[
            "mutatingwebhookconfigurations",
            "validatingwebhookconfigurations",
        ],
        subresources: &[],
        namespaces: &[],
    }]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if failed(event) || event.user.username == "system:apiserver" {
        return None;
    }
    Some(format!(
        "admission webhook configuration {} (user={} {}={})",
        event.verb,
        user(event),
        event.resource().unwrap_or("?"),
        object(event)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_create() {
        let e = event(
            "create",
            "bob",
            r#"{"resource":"mutatingwebhookconfigurations","apiGroup":"admissionregistration.k8s.io","name":"w"}"#,
            201,
            "",
        );
        assert!(run(&RULE, &e).is_some());
    }

    #[test]
    fn skips_reads_and_failures() {
        let e = event(
            "get",
            "bob",
            r#"{"resource":"mutatingwebhookconfigurations","apiGroup":"admissionregistration.k8s.io","name":"w"}"#,
            200,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
        let e = event(
            "create",
            "bob",
            r#"{"resource":"mutatingwebhookconfigurations","apiGroup":"admissionregistration.k8s.io","name":"w"}"#,
            403,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
    }
}
