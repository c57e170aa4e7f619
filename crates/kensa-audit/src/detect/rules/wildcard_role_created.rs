//! A Role or ClusterRole granting `*` resources or `*` verbs was created:
//! wildcards grant rights to everything, including resources added later.
//!
//! Falco: `ClusterRole With Wildcard Created`, same condition. kensa fires
//! only when the create succeeded.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Role with wildcards created.
pub static RULE: Rule = Rule {
    id: "k8s-wildcard-role-created",
    falco_name: Some("ClusterRole With Wildcard Created"),
    title: "Role with wildcards created",
    priority: Priority::Warning,
    description: "A Role or ClusterRole with a wildcard resource or verb was created.",
    default_enabled: true,
    needs: request_body(&[pattern(&["create"], &["roles", "clusterroles"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    role_created(event, "wildcard", |rule| {
        strings(rule.get("resources")).contains(&"*") || strings(rule.get("verbs")).contains(&"*")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_wildcard_verbs() {
        assert!(
            run(
                &RULE,
                &role_event(r#"[{"resources":["pods"],"verbs":["*"]}]"#)
            )
            .is_some()
        );
    }

    #[test]
    fn skips_explicit_rules() {
        assert_eq!(
            run(
                &RULE,
                &role_event(r#"[{"resources":["pods"],"verbs":["get"]}]"#)
            ),
            None
        );
    }
}
