//! Activity stream: a ConfigMap was created (configuration that workloads read). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s ConfigMap Created`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// ConfigMap created.
pub static RULE: Rule = Rule {
    id: "k8s-configmap-created",
    falco_name: Some("K8s ConfigMap Created"),
    title: "ConfigMap created",
    priority: Priority::Informational,
    description: "Activity: a ConfigMap was created.",
    default_enabled: true,
    needs: metadata(&[pattern(&["create"], &["configmaps"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    activity(event, "ConfigMap created", "configmap")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "create", "configmaps", true, 201);
    }
}
