//! A `portforward` to a pod: a tunnel from the client's machine to a port
//! inside the cluster, bypassing services, ingress and network policies
//! (e.g. straight to a database).
//!
//! Falco: `port-forward`, which has no stage or verb condition and so fires
//! once per logged stage, up to three times per request. kensa acts on
//! ResponseStarted or ResponseComplete, reports each request once, accepts
//! verb `get` (WebSocket) and `create` (SPDY), and skips failed requests.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Port-forward to a pod.
pub static RULE: Rule = Rule {
    id: "k8s-pod-port-forward",
    falco_name: Some("port-forward"),
    title: "Port-forward to a pod",
    priority: Priority::Notice,
    description: "A port-forward to a pod: a tunnel from the client to a port inside the cluster.",
    default_enabled: true,
    needs: long_running(&[pod_stream(&["portforward"])]),
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

    #[test]
    fn fires_on_started_or_complete_streams_not_received_or_denied() {
        assert_pod_stream(&RULE, "portforward");
    }
}
