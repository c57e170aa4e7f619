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
    if failed(event) {
        return None;
    }
    let body = request_body_json(event)?;
    let rules = body.get("rules")?.as_array()?;
    let wild = rules.iter().any(|rule| {
        strings(rule.get("resources")).contains(&"*") || strings(rule.get("verbs")).contains(&"*")
    });
    if !wild {
        return None;
    }
    Some(format!(
        "role with wildcard created (user={} role={} rules={})",
        user(event),
        object(event),
        body["rules"]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    fn role(rules: &str) -> String {
        let body = format!(r#""requestObject":{{"rules":{rules}}}"#);
        event(
            "create",
            "bob",
            r#"{"resource":"clusterroles","name":"r"}"#,
            201,
            &body,
        )
    }

    #[test]
    fn fires_on_wildcard_verbs() {
        assert!(run(&RULE, &role(r#"[{"resources":["pods"],"verbs":["*"]}]"#)).is_some());
    }

    #[test]
    fn skips_explicit_rules() {
        assert_eq!(
            run(&RULE, &role(r#"[{"resources":["pods"],"verbs":["get"]}]"#)),
            None
        );
    }
}
