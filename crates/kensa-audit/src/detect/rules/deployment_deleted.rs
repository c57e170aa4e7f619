//! Activity stream: a Deployment was deleted (a new or removed workload). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s Deployment Deleted`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Deployment deleted.
pub static RULE: Rule = Rule {
    id: "k8s-deployment-deleted",
    falco_name: Some("K8s Deployment Deleted"),
    title: "Deployment deleted",
    priority: Priority::Informational,
    description: "Activity: a Deployment was deleted.",
    default_enabled: true,
    needs: metadata(&[pattern(&["delete"], &["deployments"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if event.subresource().is_some() || !succeeded(event) {
        return None;
    }
    Some(format!(
        "Deployment deleted (user={} deployment={} code={} decision={})",
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
            r#"{"resource":"deployments","namespace":"a","name":"n"}"#,
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
            r#"{"resource":"deployments","namespace":"a","name":"n"}"#,
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
