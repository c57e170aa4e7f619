//! A Mutating- or ValidatingWebhookConfiguration was written with a webhook
//! whose `clientConfig.url` is set, i.e. the API server sends matching
//! objects (with any secrets in them) to an address outside the cluster's
//! services, and for mutating webhooks takes back whatever it answers.
//!
//! kensa rule (no Falco equivalent). Needs level Request (the body).

use crate::detect::support::*;
use crate::detect::{Priority, RequestPattern, Rule};
use crate::event::Event;

/// Admission webhook calling an external URL.
pub static RULE: Rule = Rule {
    id: "k8s-admission-webhook-external-url",
    falco_name: None,
    title: "Admission webhook calling an external URL",
    priority: Priority::Warning,
    description: "A mutating or validating webhook configuration was written with a webhook that calls a URL instead of an in-cluster service.",
    default_enabled: true,
    needs: request_body(&[RequestPattern {
        verbs: &["create", "update", "patch"],
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
    if failed(event) {
        return None;
    }
    let body = request_body_json(event)?;
    let urls: Vec<&str> = body
        .get("webhooks")?
        .as_array()?
        .iter()
        .filter_map(|w| w.pointer("/clientConfig/url").and_then(|u| u.as_str()))
        .collect();
    if urls.is_empty() {
        return None;
    }
    Some(format!(
        "admission webhook calls an external URL (user={} {}={} urls={})",
        user(event),
        event.resource().unwrap_or("?"),
        object(event),
        urls.join(",")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    fn webhook(client: &str) -> String {
        let body =
            format!(r#""requestObject":{{"webhooks":[{{"name":"x","clientConfig":{client}}}]}}"#);
        event(
            "create",
            "bob",
            r#"{"resource":"mutatingwebhookconfigurations","apiGroup":"admissionregistration.k8s.io","name":"w"}"#,
            201,
            &body,
        )
    }

    #[test]
    fn fires_on_urls() {
        assert!(
            run(
                &RULE,
                &webhook(r#"{"url":"https://198.51.100.7:8443/mutate"}"#)
            )
            .unwrap()
            .contains("198.51.100.7")
        );
    }

    #[test]
    fn skips_in_cluster_services() {
        assert_eq!(
            run(
                &RULE,
                &webhook(r#"{"service":{"name":"s","namespace":"n"}}"#)
            ),
            None
        );
    }
}
