//! Activity stream: a Namespace was deleted (a change in the cluster's layout). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s Namespace Deleted`, same condition (successful requests only). Like Falco, deletions by `system:` users are skipped.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Namespace deleted.
pub static RULE: Rule = Rule {
    id: "k8s-namespace-deleted",
    falco_name: Some("K8s Namespace Deleted"),
    title: "Namespace deleted",
    priority: Priority::Informational,
    description: "Activity: a Namespace was deleted.",
    default_enabled: true,
    needs: metadata(&[pattern(&["delete"], &["namespaces"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if is_system_user(&event.user.username) {
        return None;
    }
    activity(event, "Namespace deleted", "namespace")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "delete", "namespaces", false, 200);
    }

    #[test]
    fn skips_system_users() {
        let system = event(
            "delete",
            "system:serviceaccount:kube-system:namespace-controller",
            r#"{"resource":"namespaces","name":"n"}"#,
            200,
            "",
        );
        assert_eq!(run(&RULE, &system), None);
    }
}
