//! A `portforward` to a pod: a tunnel from the client's machine to a port
//! inside the cluster, bypassing services, ingress and network policies
//! (e.g. straight to a database).
//!
//! Falco: `port-forward`, which has no stage or verb condition and so fires
//! once per logged stage, up to three times per request. kensa acts on
//! ResponseStarted or ResponseComplete, reports each request once, accepts
//! verb `get` (WebSocket) and `create` (SPDY), and skips failed requests.

use crate::detect::Needs;
use crate::detect::support::*;
use crate::detect::{Priority, RequestPattern, Rule};
use crate::event::Event;

/// Port-forward to a pod.
pub static RULE: Rule = Rule {
    id: "k8s-pod-port-forward",
    falco_name: Some("port-forward"),
    title: "Port-forward to a pod",
    priority: Priority::Notice,
    description: "A port-forward to a pod: a tunnel from the client to a port inside the cluster.",
    default_enabled: true,
    needs: Needs {
        level: crate::event::Level::Metadata,
        stages: STARTED_OR_COMPLETE,
        requests: &[RequestPattern {
            verbs: &["get", "create"],
            api_group: Some(""),
            resources: &["pods"],
            subresources: &["portforward"],
            namespaces: &[],
        }],
        identity: None,
    },
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if failed(event) {
        return None;
    }
    let ports = query_values(&event.request_uri, "ports").join(",");
    Some(format!(
        "port-forward to pod (user={} pod={} ports={})",
        user(event),
        object(event),
        if ports.is_empty() { "?" } else { &ports }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    fn stream(verb: &str, stage: &str, code: i32) -> String {
        event(verb, "bob", r#"{"resource":"pods","subresource":"portforward","namespace":"a","name":"p"}"#, code, "")
            .replace("ResponseComplete", stage)
            .replace(r#""requestURI":"/x""#, r#""requestURI":"/api/v1/namespaces/a/pods/p/portforward?command=sh&command=-c&command=id+-u""#)
    }

    #[test]
    fn fires_on_websocket_get_and_spdy_create() {
        assert!(run(&RULE, &stream("get", "ResponseStarted", 101)).is_some());
        assert!(run(&RULE, &stream("create", "ResponseComplete", 101)).is_some());
    }

    #[test]
    fn skips_received_stage_and_denials() {
        assert_eq!(run(&RULE, &stream("get", "RequestReceived", 101)), None);
        assert_eq!(run(&RULE, &stream("create", "ResponseComplete", 403)), None);
    }
}
