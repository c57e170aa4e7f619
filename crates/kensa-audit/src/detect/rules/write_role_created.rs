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
    role_created(event, "write privileges", |rule| {
        strings(rule.get("verbs"))
            .iter()
            .any(|v| WRITE_VERBS.contains(v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_write_and_wildcard_verbs() {
        assert!(
            run(
                &RULE,
                &role_event(r#"[{"resources":["pods"],"verbs":["delete"]}]"#)
            )
            .is_some()
        );
        assert!(run(&RULE, &role_event(r#"[{"resources":["*"],"verbs":["*"]}]"#)).is_some());
    }

    #[test]
    fn skips_read_only_roles() {
        assert_eq!(
            run(
                &RULE,
                &role_event(r#"[{"resources":["pods"],"verbs":["get","list"]}]"#)
            ),
            None
        );
    }
}
