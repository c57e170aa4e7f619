//! A namespace outside the list of known namespaces was created. In clusters
//! whose namespaces are managed, a new one is unexpected and may hide
//! workloads from namespace-scoped monitoring.
//!
//! Falco: `Create Disallowed Namespace`, same list (`allowed_namespaces`:
//! kube-system, kube-public, default). kensa fires only when the create
//! succeeded.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Namespace outside the allowed list created.
pub static RULE: Rule = Rule {
    id: "k8s-disallowed-namespace-created",
    falco_name: Some("Create Disallowed Namespace"),
    title: "Namespace outside the allowed list created",
    priority: Priority::Warning,
    description: "A namespace outside the allowed namespaces list was created.",
    default_enabled: true,
    needs: metadata(&[pattern(&["create"], &["namespaces"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if failed(event) {
        return None;
    }
    let name = object(event);
    if ALLOWED_NAMESPACES.contains(&name.as_str()) {
        return None;
    }
    Some(format!(
        "namespace created outside the allowed list (user={} namespace={})",
        user(event),
        name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_new_namespaces() {
        let e = event(
            "create",
            "bob",
            r#"{"resource":"namespaces","name":"foo"}"#,
            201,
            "",
        );
        assert!(run(&RULE, &e).unwrap().contains("namespace=foo"));
    }

    #[test]
    fn skips_allowed_and_failed() {
        let e = event(
            "create",
            "bob",
            r#"{"resource":"namespaces","name":"default"}"#,
            201,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
        let e = event(
            "create",
            "bob",
            r#"{"resource":"namespaces","name":"foo"}"#,
            409,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
    }
}
