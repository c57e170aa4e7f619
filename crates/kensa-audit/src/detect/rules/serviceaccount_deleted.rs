//! Activity stream: a Serviceaccount was deleted (workload identities). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s Serviceaccount Deleted`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Serviceaccount deleted.
pub static RULE: Rule = Rule {
    id: "k8s-serviceaccount-deleted",
    falco_name: Some("K8s Serviceaccount Deleted"),
    title: "Serviceaccount deleted",
    priority: Priority::Informational,
    description: "Activity: a Serviceaccount was deleted.",
    default_enabled: true,
    needs: metadata(&[pattern(&["delete"], &["serviceaccounts"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    activity(event, "Serviceaccount deleted", "serviceaccount")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "delete", "serviceaccounts", true, 200);
    }
}
