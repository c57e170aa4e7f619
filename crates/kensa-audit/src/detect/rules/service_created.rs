//! Activity stream: a Service was created (a change in what the cluster exposes). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s Service Created`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Service created.
pub static RULE: Rule = Rule {
    id: "k8s-service-created",
    falco_name: Some("K8s Service Created"),
    title: "Service created",
    priority: Priority::Informational,
    description: "Activity: a Service was created.",
    default_enabled: true,
    needs: metadata(&[pattern(&["create"], &["services"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    activity(event, "Service created", "service")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "create", "services", true, 201);
    }
}
