//! A Role or ClusterRole granting write verbs was created: a step towards
//! changing workloads or RBAC itself.
//!
//! Falco: `ClusterRole With Write Privileges Created`. Falco matches the
//! literal verbs create, update, patch, delete and deletecollection, so a
//! role with verbs `*` does not fire; kensa counts `*` as write. Only
//! successful creates.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Role with write rights created.
pub static RULE: Rule = Rule {
    id: "k8s-write-role-created",
    falco_name: Some("ClusterRole With Write Privileges Created"),
    title: "Role with write rights created",
    priority: Priority::Notice,
    description: "A Role or ClusterRole granting write verbs (create, update, patch, delete, deletecollection or *) was created.",
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
    let write = rules.iter().any(|rule| {
        strings(rule.get("verbs"))
            .iter()
            .any(|v| WRITE_VERBS.contains(v))
    });
    if !write {
        return None;
    }
    Some(format!(
        "role with write privileges created (user={} role={} rules={})",
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
    fn fires_on_write_and_wildcard_verbs() {
        assert!(
            run(
                &RULE,
                &role(r#"[{"resources":["pods"],"verbs":["delete"]}]"#)
            )
            .is_some()
        );
        assert!(run(&RULE, &role(r#"[{"resources":["*"],"verbs":["*"]}]"#)).is_some());
    }

    #[test]
    fn skips_read_only_roles() {
        assert_eq!(
            run(
                &RULE,
                &role(r#"[{"resources":["pods"],"verbs":["get","list"]}]"#)
            ),
            None
        );
    }
}
