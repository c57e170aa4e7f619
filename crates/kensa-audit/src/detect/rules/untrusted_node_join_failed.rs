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
    untrusted_node(event, false, "tried and failed to join the cluster")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_unknown_nodes_failing_only() {
        assert_node_join(&RULE, 403, 201);
    }
}
