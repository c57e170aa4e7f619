//! Activity stream: a ClusterRoleBinding was deleted (who holds cluster-wide RBAC rights). Not an
//! alert on its own; useful to reconstruct what happened around one.
//!
//! Falco: `K8s ClusterRoleBinding Deleted`, same condition (successful requests only).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// ClusterRoleBinding deleted.
pub static RULE: Rule = Rule {
    id: "k8s-clusterrolebinding-deleted",
    falco_name: Some("K8s ClusterRoleBinding Deleted"),
    title: "ClusterRoleBinding deleted",
    priority: Priority::Informational,
    description: "Activity: a ClusterRoleBinding was deleted.",
    default_enabled: true,
    needs: metadata(&[pattern(&["delete"], &["clusterrolebindings"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if event.subresource().is_some() || !succeeded(event) {
        return None;
    }
    Some(format!(
        "ClusterRoleBinding deleted (user={} clusterrolebinding={} code={} decision={})",
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
            r#"{"resource":"clusterrolebindings","name":"n"}"#,
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
            r#"{"resource":"clusterrolebindings","name":"n"}"#,
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
