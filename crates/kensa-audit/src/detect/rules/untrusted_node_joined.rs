//! A node outside the allowed nodes list joined the cluster. A rogue node
//! receives pods, and with them their secrets.
//!
//! Falco: `Untrusted Node Successfully Joined the Cluster`, disabled by default upstream (`allow_all_k8s_nodes` is
//! always true) and here; fill `ALLOWED_K8S_NODES` before enabling it.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Untrusted node joined.
pub static RULE: Rule = Rule {
    id: "k8s-untrusted-node-joined",
    falco_name: Some("Untrusted Node Successfully Joined the Cluster"),
    title: "Untrusted node joined",
    priority: Priority::Error,
    description: "A node outside the allowed nodes list joined the cluster.",
    default_enabled: false,
    needs: metadata(&[pattern(&["create"], &["nodes"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    untrusted_node(event, true, "joined the cluster")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_unknown_nodes_joining_only() {
        assert_node_join(&RULE, 201, 403);
    }
}
