//! Activity stream: a Role was created (namespaced RBAC rights). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s Role Created`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Role created.
pub static RULE: Rule = Rule {
    id: "k8s-role-created",
    falco_name: Some("K8s Role Created"),
    title: "Role created",
    priority: Priority::Informational,
    description: "Activity: a Role was created.",
    default_enabled: true,
    needs: metadata(&[pattern(&["create"], &["roles"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    activity(event, "Role created", "role")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "create", "roles", true, 201);
    }
}
