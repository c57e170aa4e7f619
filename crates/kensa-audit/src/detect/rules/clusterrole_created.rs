//! Activity stream: a ClusterRole was created (cluster-wide RBAC rights). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s ClusterRole Created`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// ClusterRole created.
pub static RULE: Rule = Rule {
    id: "k8s-clusterrole-created",
    falco_name: Some("K8s ClusterRole Created"),
    title: "ClusterRole created",
    priority: Priority::Informational,
    description: "Activity: a ClusterRole was created.",
    default_enabled: true,
    needs: metadata(&[pattern(&["create"], &["clusterroles"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    activity(event, "ClusterRole created", "clusterrole")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "create", "clusterroles", false, 201);
    }
}
