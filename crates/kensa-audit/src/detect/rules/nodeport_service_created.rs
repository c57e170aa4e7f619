//! A service of type `NodePort` was created: it opens the port on every
//! node's address, often bypassing ingress controls and network policies
//! that assume traffic enters through a load balancer.
//!
//! Falco: `Create NodePort Service`. kensa fires only when the create
//! succeeded.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// NodePort service created.
pub static RULE: Rule = Rule {
    id: "k8s-nodeport-service-created",
    falco_name: Some("Create NodePort Service"),
    title: "NodePort service created",
    priority: Priority::Warning,
    description: "A service of type NodePort was created, opening a port on every node.",
    default_enabled: true,
    needs: request_body(&[pattern(&["create"], &["services"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if failed(event) {
        return None;
    }
    let body = request_body_json(event)?;
    if body.pointer("/spec/type").and_then(|t| t.as_str()) != Some("NodePort") {
        return None;
    }
    let ports = body
        .pointer("/spec/ports")
        .map(|p| p.to_string())
        .unwrap_or_default();
    Some(format!(
        "NodePort service created (user={} service={} ports={})",
        user(event),
        object(event),
        ports
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    fn service(kind: &str, code: i32) -> String {
        let body = format!(
            r#""requestObject":{{"spec":{{"type":"{kind}","ports":[{{"port":22,"nodePort":31022}}]}}}}"#
        );
        event(
            "create",
            "bob",
            r#"{"resource":"services","namespace":"a","name":"s"}"#,
            code,
            &body,
        )
    }

    #[test]
    fn fires_on_nodeport() {
        assert!(
            run(&RULE, &service("NodePort", 201))
                .unwrap()
                .contains("31022")
        );
    }

    #[test]
    fn skips_cluster_ip_and_failures() {
        assert_eq!(run(&RULE, &service("ClusterIP", 201)), None);
        assert_eq!(run(&RULE, &service("NodePort", 422)), None);
    }
}
