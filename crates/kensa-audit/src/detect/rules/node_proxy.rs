//! A request reached a kubelet through the API server's `nodes/proxy`
//! subresource. The kubelet API lists and execs into every pod on the node,
//! and the kubelet does not audit it; `nodes/proxy` rights amount to
//! cluster-admin on that node.
//!
//! kensa rule (no Falco equivalent). Metrics scraping (`/metrics*`,
//! `/stats*`, `/healthz` behind the proxy) is skipped. Long-running
//! requests fire once, like exec.

use crate::detect::support::*;
use crate::detect::{Priority, RequestPattern, Rule};
use crate::event::Event;

/// Kubelet API reached through nodes/proxy.
pub static RULE: Rule = Rule {
    id: "k8s-node-proxy",
    falco_name: None,
    title: "Kubelet API reached through nodes/proxy",
    priority: Priority::Warning,
    description: "A request went to a kubelet through the API server (nodes/proxy), other than metrics scraping.",
    default_enabled: true,
    needs: long_running(&[RequestPattern {
        verbs: &[],
        api_group: Some(""),
        resources: &["nodes"],
        subresources: &["proxy"],
        namespaces: &[],
    }]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if failed(event) {
        return None;
    }
    let path = event.request_uri.split('?').next().unwrap_or_default();
    let proxied = path.split_once("/proxy").map_or("", |(_, rest)| rest);
    if ["/metrics", "/stats", "/healthz"]
        .iter()
        .any(|p| proxied.starts_with(p))
    {
        return None;
    }
    Some(format!(
        "kubelet API reached through nodes/proxy (user={} node={} path={} source={})",
        user(event),
        event.name().unwrap_or("?"),
        if proxied.is_empty() { "/" } else { proxied },
        event.source_ip().unwrap_or("?")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    fn proxy(uri: &str) -> String {
        event(
            "get",
            "bob",
            r#"{"resource":"nodes","subresource":"proxy","name":"node-01"}"#,
            200,
            "",
        )
        .replace(r#""requestURI":"/x""#, &format!(r#""requestURI":"{uri}""#))
    }

    #[test]
    fn fires_on_kubelet_pod_listing() {
        assert!(
            run(&RULE, &proxy("/api/v1/nodes/node-01/proxy/runningpods/"))
                .unwrap()
                .contains("/runningpods/")
        );
    }

    #[test]
    fn skips_metrics_scraping() {
        assert_eq!(
            run(
                &RULE,
                &proxy("/api/v1/nodes/node-01/proxy/metrics/cadvisor")
            ),
            None
        );
    }
}
