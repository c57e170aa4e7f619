//! Activity stream: a Serviceaccount was deleted (workload identities). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s Serviceaccount Deleted`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Serviceaccount deleted.
pub static RULE: Rule = Rule {
    id: "k8s-serviceaccount-deleted",
    falco_name: Some("K8s Serviceaccount Deleted"),
    title: "Serviceaccount deleted",
    priority: Priority::Informational,
    description: "Activity: a Serviceaccount was deleted.",
    default_enabled: true,
    needs: metadata(&[pattern(&["delete"], &["serviceaccounts"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if event.subresource().is_some() || !succeeded(event) {
        return None;
    }
    Some(format!(
        "Serviceaccount deleted (user={} serviceaccount={} code={} decision={})",
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
            r#"{"resource":"serviceaccounts","namespace":"a","name":"n"}"#,
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
            r#"{"resource":"serviceaccounts","namespace":"a","name":"n"}"#,
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
