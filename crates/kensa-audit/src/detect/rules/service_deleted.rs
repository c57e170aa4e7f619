//! Activity stream: a Service was deleted (a change in what the cluster exposes). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s Service Deleted`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Service deleted.
pub static RULE: Rule = Rule {
    id: "k8s-service-deleted",
    falco_name: Some("K8s Service Deleted"),
    title: "Service deleted",
    priority: Priority::Informational,
    description: "Activity: a Service was deleted.",
    default_enabled: true,
    needs: metadata(&[pattern(&["delete"], &["services"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if event.subresource().is_some() || !succeeded(event) {
        return None;
    }
    Some(format!(
        "Service deleted (user={} service={} code={} decision={})",
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
            "delete",
            "bob",
            r#"{"resource":"services","namespace":"a","name":"n"}"#,
            200,
            "",
        );
        assert!(run(&RULE, &e).is_some());
    }

    #[test]
    fn skips_failures_and_other_resources() {
        let e = event(
            "delete",
            "bob",
            r#"{"resource":"services","namespace":"a","name":"n"}"#,
            403,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
        let e = event(
            "delete",
            "bob",
            r#"{"resource":"pods","namespace":"a","name":"n"}"#,
            200,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
    }
}
