//! Activity stream: a ConfigMap was deleted (configuration that workloads read). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s ConfigMap Deleted`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// ConfigMap deleted.
pub static RULE: Rule = Rule {
    id: "k8s-configmap-deleted",
    falco_name: Some("K8s ConfigMap Deleted"),
    title: "ConfigMap deleted",
    priority: Priority::Informational,
    description: "Activity: a ConfigMap was deleted.",
    default_enabled: true,
    needs: metadata(&[pattern(&["delete"], &["configmaps"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    activity(event, "ConfigMap deleted", "configmap")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "delete", "configmaps", true, 200);
    }
}
