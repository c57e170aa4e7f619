//! Activity stream: a Namespace was created (a change in the cluster's layout). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s Namespace Created`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Namespace created.
pub static RULE: Rule = Rule {
    id: "k8s-namespace-created",
    falco_name: Some("K8s Namespace Created"),
    title: "Namespace created",
    priority: Priority::Informational,
    description: "Activity: a Namespace was created.",
    default_enabled: true,
    needs: metadata(&[pattern(&["create"], &["namespaces"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    activity(event, "Namespace created", "namespace")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "create", "namespaces", false, 201);
    }
}
