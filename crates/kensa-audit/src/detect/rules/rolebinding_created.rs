//! Activity stream: a RoleBinding was created (who holds namespaced RBAC rights). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s RoleBinding Created`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// RoleBinding created.
pub static RULE: Rule = Rule {
    id: "k8s-rolebinding-created",
    falco_name: Some("K8s RoleBinding Created"),
    title: "RoleBinding created",
    priority: Priority::Informational,
    description: "Activity: a RoleBinding was created.",
    default_enabled: true,
    needs: metadata(&[pattern(&["create"], &["rolebindings"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    activity(event, "RoleBinding created", "rolebinding")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "create", "rolebindings", true, 201);
    }
}
