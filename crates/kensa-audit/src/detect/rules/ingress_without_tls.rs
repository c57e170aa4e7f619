//! An Ingress without a `tls` section was created: its hosts are served over
//! plain HTTP.
//!
//! Falco: `Ingress Object without TLS Certificate Created`. Falco tests that
//! `/requestObject/spec/tls` does not exist, so at level Metadata (no body)
//! it fires on every Ingress; kensa needs the body and stays silent without
//! it.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Ingress without TLS created.
pub static RULE: Rule = Rule {
    id: "k8s-ingress-without-tls",
    falco_name: Some("Ingress Object without TLS Certificate Created"),
    title: "Ingress without TLS created",
    priority: Priority::Warning,
    description: "An Ingress without a tls section was created: its traffic is served over plain HTTP.",
    default_enabled: true,
    needs: request_body(&[pattern(&["create"], &["ingresses"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if !succeeded(event) {
        return None;
    }
    let body = request_body_json(event)?;
    let has_tls = body.pointer("/spec/tls").is_some_and(|tls| !tls.is_null());
    if has_tls {
        return None;
    }
    Some(format!(
        "ingress without TLS created (user={} ingress={})",
        user(event),
        object(event)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    fn ingress(spec: &str) -> String {
        let body = format!(r#""requestObject":{{"spec":{spec}}}"#);
        event(
            "create",
            "bob",
            r#"{"resource":"ingresses","apiGroup":"networking.k8s.io","namespace":"a","name":"i"}"#,
            201,
            &body,
        )
    }

    #[test]
    fn fires_without_tls() {
        assert!(run(&RULE, &ingress(r#"{"rules":[]}"#)).is_some());
    }

    #[test]
    fn skips_tls_and_unlogged_bodies() {
        assert_eq!(run(&RULE, &ingress(r#"{"tls":[{"hosts":["a"]}]}"#)), None);
        let e = event(
            "create",
            "bob",
            r#"{"resource":"ingresses","namespace":"a","name":"i"}"#,
            201,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
    }
}
