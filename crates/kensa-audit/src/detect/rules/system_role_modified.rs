//! A Role or ClusterRole named `system:*` was created, modified or deleted.
//! The built-in roles grant the control plane its rights; changing them is
//! persistence or privilege escalation that blends in with system names.
//!
//! Falco: `System ClusterRole Modified/Deleted`, same exceptions
//! (`system:coredns`, `system:managed-certificate-controller`). kensa fires
//! only on successful requests.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// System role modified or deleted.
pub static RULE: Rule = Rule {
    id: "k8s-system-role-modified",
    falco_name: Some("System ClusterRole Modified/Deleted"),
    title: "System role modified or deleted",
    priority: Priority::Warning,
    description: "A Role or ClusterRole whose name starts with system: was created, modified or deleted.",
    default_enabled: true,
    needs: metadata(&[pattern(
        &["create", "update", "patch", "delete"],
        &["roles", "clusterroles"],
    )]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if failed(event) {
        return None;
    }
    let name = event.name()?;
    if !name.starts_with("system:") || MUTABLE_SYSTEM_ROLES.contains(&name) {
        return None;
    }
    Some(format!(
        "system role {} (user={} role={} resource={})",
        event.verb,
        user(event),
        object(event),
        event.resource().unwrap_or("?")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_system_roles() {
        let e = event(
            "delete",
            "bob",
            r#"{"resource":"clusterroles","name":"system:kube-aggregator"}"#,
            200,
            "",
        );
        assert!(run(&RULE, &e).is_some());
    }

    #[test]
    fn skips_coredns_and_other_roles() {
        let e = event(
            "patch",
            "bob",
            r#"{"resource":"clusterroles","name":"system:coredns"}"#,
            200,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
        let e = event(
            "patch",
            "bob",
            r#"{"resource":"clusterroles","name":"reader"}"#,
            200,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
    }
}
