//! Activity stream: a ClusterRoleBinding was deleted (who holds cluster-wide RBAC rights). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s ClusterRoleBinding Deleted`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// ClusterRoleBinding deleted.
pub static RULE: Rule = Rule {
    id: "k8s-clusterrolebinding-deleted",
    falco_name: Some("K8s ClusterRoleBinding Deleted"),
    title: "ClusterRoleBinding deleted",
    priority: Priority::Informational,
    description: "Activity: a ClusterRoleBinding was deleted.",
    default_enabled: true,
    needs: metadata(&[pattern(&["delete"], &["clusterrolebindings"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    activity(event, "ClusterRoleBinding deleted", "clusterrolebinding")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "delete", "clusterrolebindings", false, 200);
    }
}
