//! Activity stream: a ClusterRole was deleted (cluster-wide RBAC rights). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s ClusterRole Deleted`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// ClusterRole deleted.
pub static RULE: Rule = Rule {
    id: "k8s-clusterrole-deleted",
    falco_name: Some("K8s ClusterRole Deleted"),
    title: "ClusterRole deleted",
    priority: Priority::Informational,
    description: "Activity: a ClusterRole was deleted.",
    default_enabled: true,
    needs: metadata(&[pattern(&["delete"], &["clusterroles"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    activity(event, "ClusterRole deleted", "clusterrole")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "delete", "clusterroles", false, 200);
    }
}
