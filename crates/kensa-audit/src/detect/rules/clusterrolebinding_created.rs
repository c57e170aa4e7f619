//! Activity stream: a ClusterRoleBinding was created (who holds cluster-wide RBAC rights). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s ClusterRoleBinding Created`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// ClusterRoleBinding created.
pub static RULE: Rule = Rule {
    id: "k8s-clusterrolebinding-created",
    falco_name: Some("K8s ClusterRoleBinding Created"),
    title: "ClusterRoleBinding created",
    priority: Priority::Informational,
    description: "Activity: a ClusterRoleBinding was created.",
    default_enabled: true,
    needs: metadata(&[pattern(&["create"], &["clusterrolebindings"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    activity(event, "ClusterRoleBinding created", "clusterrolebinding")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "create", "clusterrolebindings", false, 201);
    }
}
