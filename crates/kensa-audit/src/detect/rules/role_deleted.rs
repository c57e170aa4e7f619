//! Activity stream: a Role was deleted (namespaced RBAC rights). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s Role Deleted`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Role deleted.
pub static RULE: Rule = Rule {
    id: "k8s-role-deleted",
    falco_name: Some("K8s Role Deleted"),
    title: "Role deleted",
    priority: Priority::Informational,
    description: "Activity: a Role was deleted.",
    default_enabled: true,
    needs: metadata(&[pattern(&["delete"], &["roles"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    activity(event, "Role deleted", "role")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "delete", "roles", true, 200);
    }
}
