//! Activity stream: a Namespace was created (a change in the cluster's layout). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s Namespace Created`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Namespace created.
pub static RULE: Rule = Rule {
    id: "k8s-namespace-created",
    falco_name: Some("K8s Namespace Created"),
    title: "Namespace created",
    priority: Priority::Informational,
    description: "Activity: a Namespace was created.",
    default_enabled: true,
    needs: metadata(&[pattern(&["create"], &["namespaces"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if event.subresource().is_some() || !succeeded(event) {
        return None;
    }
    Some(format!(
        "Namespace created (user={} namespace={} code={} decision={})",
        user(event),
        object(event),
        code(event),
        decision(event)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_success() {
        let e = event(
            "create",
            "bob",
            r#"{"resource":"namespaces","name":"n"}"#,
            201,
            "",
        );
        assert!(run(&RULE, &e).is_some());
    }

    #[test]
    fn skips_failures_and_other_resources() {
        let e = event(
            "create",
            "bob",
            r#"{"resource":"namespaces","name":"n"}"#,
            403,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
        let e = event(
            "create",
            "bob",
            r#"{"resource":"pods","namespace":"a","name":"n"}"#,
            201,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
    }
}
