//! Activity stream: a Deployment was created (a new or removed workload). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s Deployment Created`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Deployment created.
pub static RULE: Rule = Rule {
    id: "k8s-deployment-created",
    falco_name: Some("K8s Deployment Created"),
    title: "Deployment created",
    priority: Priority::Informational,
    description: "Activity: a Deployment was created.",
    default_enabled: true,
    needs: metadata(&[pattern(&["create"], &["deployments"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    activity(event, "Deployment created", "deployment")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "create", "deployments", true, 201);
    }
}
