//! A Role or ClusterRole granting `pods/exec` was created: exec into pods
//! reaches every secret and token mounted in them.
//!
//! Falco: `ClusterRole With Pod Exec Created`. kensa also counts `pods/*`
//! and fires only when the create succeeded.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Role allowing pod exec created.
pub static RULE: Rule = Rule {
    id: "k8s-pod-exec-role-created",
    falco_name: Some("ClusterRole With Pod Exec Created"),
    title: "Role allowing pod exec created",
    priority: Priority::Warning,
    description: "A Role or ClusterRole granting pods/exec was created.",
    default_enabled: true,
    needs: request_body(&[pattern(&["create"], &["roles", "clusterroles"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    role_created(event, "pod exec privileges", |rule| {
        strings(rule.get("resources"))
            .iter()
            .any(|r| matches!(*r, "pods/exec" | "pods/*"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_pods_exec() {
        assert!(
            run(
                &RULE,
                &role_event(r#"[{"resources":["pods/exec"],"verbs":["get"]}]"#)
            )
            .is_some()
        );
    }

    #[test]
    fn skips_pods_only() {
        assert_eq!(
            run(
                &RULE,
                &role_event(r#"[{"resources":["pods"],"verbs":["get"]}]"#)
            ),
            None
        );
    }
}
