//! A node outside the allowed nodes list tried and failed to join the cluster. A rogue node
//! receives pods, and with them their secrets.
//!
//! Falco: `Untrusted Node Unsuccessfully Tried to Join the Cluster`, disabled by default upstream (`allow_all_k8s_nodes` is
//! always true) and here; fill `ALLOWED_K8S_NODES` before enabling it.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Untrusted node failed to join.
pub static RULE: Rule = Rule {
    id: "k8s-untrusted-node-join-failed",
    falco_name: Some("Untrusted Node Unsuccessfully Tried to Join the Cluster"),
    title: "Untrusted node failed to join",
    priority: Priority::Warning,
    description: "A node outside the allowed nodes list tried and failed to join the cluster.",
    default_enabled: false,
    needs: metadata(&[pattern(&["create"], &["nodes"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if event.subresource().is_some() || succeeded(event) {
        return None;
    }
    let name = event.name().unwrap_or("?");
    if ALLOWED_K8S_NODES.contains(&name) {
        return None;
    }
    Some(format!(
        "node not in the allowed list tried and failed to join the cluster (user={} node={} code={})",
        user(event),
        name,
        code(event)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_unknown_nodes() {
        let e = event(
            "create",
            "system:node:n1",
            r#"{"resource":"nodes","name":"n1"}"#,
            403,
            "",
        );
        assert!(run(&RULE, &e).is_some());
    }

    #[test]
    fn skips_the_other_outcome() {
        let e = event(
            "create",
            "system:node:n1",
            r#"{"resource":"nodes","name":"n1"}"#,
            201,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
    }
}
