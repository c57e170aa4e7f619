//! Activity stream: a Namespace was deleted (a change in the cluster's layout). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s Namespace Deleted`, same condition (successful requests only). Like Falco, deletions by `system:` users are skipped.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Namespace deleted.
pub static RULE: Rule = Rule {
    id: "k8s-namespace-deleted",
    falco_name: Some("K8s Namespace Deleted"),
    title: "Namespace deleted",
    priority: Priority::Informational,
    description: "Activity: a Namespace was deleted.",
    default_enabled: true,
    needs: metadata(&[pattern(&["delete"], &["namespaces"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if event.subresource().is_some() || !succeeded(event) {
        return None;
    }
    if is_system_user(&event.user.username) {
        return None;
    }
    Some(format!(
        "Namespace deleted (user={} namespace={} code={} decision={})",
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
            r#"{"resource":"namespaces","name":"n"}"#,
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
            r#"{"resource":"namespaces","name":"n"}"#,
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
        let system = event(
            "delete",
            "system:serviceaccount:kube-system:namespace-controller",
            r#"{"resource":"namespaces","name":"n"}"#,
            200,
            "",
        );
        assert_eq!(run(&RULE, &system), None);
    }
}
