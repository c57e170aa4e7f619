//! Activity stream: a Service was deleted (a change in what the cluster exposes). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s Service Deleted`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Service deleted.
pub static RULE: Rule = Rule {
    id: "k8s-service-deleted",
    falco_name: Some("K8s Service Deleted"),
    title: "Service deleted",
    priority: Priority::Informational,
    description: "Activity: a Service was deleted.",
    default_enabled: true,
    needs: metadata(&[pattern(&["delete"], &["services"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    activity(event, "Service deleted", "service")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "delete", "services", true, 200);
    }
}
