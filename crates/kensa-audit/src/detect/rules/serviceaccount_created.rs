//! Activity stream: a Serviceaccount was created (workload identities). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s Serviceaccount Created`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Serviceaccount created.
pub static RULE: Rule = Rule {
    id: "k8s-serviceaccount-created",
    falco_name: Some("K8s Serviceaccount Created"),
    title: "Serviceaccount created",
    priority: Priority::Informational,
    description: "Activity: a Serviceaccount was created.",
    default_enabled: true,
    needs: metadata(&[pattern(&["create"], &["serviceaccounts"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    activity(event, "Serviceaccount created", "serviceaccount")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "create", "serviceaccounts", true, 201);
    }
}
