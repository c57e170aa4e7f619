//! Activity stream: a Deployment was deleted (a new or removed workload). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s Deployment Deleted`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Deployment deleted.
pub static RULE: Rule = Rule {
    id: "k8s-deployment-deleted",
    falco_name: Some("K8s Deployment Deleted"),
    title: "Deployment deleted",
    priority: Priority::Informational,
    description: "Activity: a Deployment was deleted.",
    default_enabled: true,
    needs: metadata(&[pattern(&["delete"], &["deployments"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    activity(event, "Deployment deleted", "deployment")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "delete", "deployments", true, 200);
    }
}
