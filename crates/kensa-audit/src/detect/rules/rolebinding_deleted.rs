//! Activity stream: a RoleBinding was deleted (who holds namespaced RBAC rights). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s RoleBinding Deleted`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// RoleBinding deleted.
pub static RULE: Rule = Rule {
    id: "k8s-rolebinding-deleted",
    falco_name: Some("K8s RoleBinding Deleted"),
    title: "RoleBinding deleted",
    priority: Priority::Informational,
    description: "Activity: a RoleBinding was deleted.",
    default_enabled: true,
    needs: metadata(&[pattern(&["delete"], &["rolebindings"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    activity(event, "RoleBinding deleted", "rolebinding")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success_only() {
        assert_activity(&RULE, "delete", "rolebindings", true, 200);
    }
}
