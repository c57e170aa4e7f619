//! Kubernetes Event objects were deleted (`delete` or `deletecollection`,
//! core or `events.k8s.io`). Events expire on their own; deleting them is
//! covering tracks (failed pulls, scheduling, kills of an attacker's pods).
//!
//! kensa rule (no Falco equivalent). The namespace controller, which
//! empties namespaces being deleted, and the garbage collector are skipped.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Kubernetes events deleted.
pub static RULE: Rule = Rule {
    id: "k8s-events-deleted",
    falco_name: None,
    title: "Kubernetes events deleted",
    priority: Priority::Warning,
    description: "Kubernetes Event objects were deleted (delete or deletecollection), which hides what happened.",
    default_enabled: true,
    needs: metadata(&[pattern(&["delete", "deletecollection"], &["events"])]),
    check,
    window: None,
};

/// Controllers that delete events as part of their job.
const EXPECTED_DELETERS: &[&str] = &[
    "system:serviceaccount:kube-system:namespace-controller",
    "system:serviceaccount:kube-system:generic-garbage-collector",
];

fn check(event: &Event<'_>) -> Option<String> {
    let name = event.user.username.as_ref();
    if failed(event) || EXPECTED_DELETERS.contains(&name) {
        return None;
    }
    Some(format!(
        "events deleted (user={} verb={} namespace={} group={})",
        user(event),
        event.verb,
        event.namespace().unwrap_or("<all>"),
        event
            .api_group()
            .filter(|g| !g.is_empty())
            .unwrap_or("core")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_deletecollection() {
        let e = event(
            "deletecollection",
            "system:serviceaccount:kube-system:default",
            r#"{"resource":"events","namespace":"kube-system"}"#,
            200,
            "",
        );
        assert!(run(&RULE, &e).is_some());
    }

    #[test]
    fn skips_the_namespace_controller_and_reads() {
        let e = event(
            "deletecollection",
            "system:serviceaccount:kube-system:namespace-controller",
            r#"{"resource":"events","namespace":"gone"}"#,
            200,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
        let e = event(
            "list",
            "bob",
            r#"{"resource":"events","namespace":"kube-system"}"#,
            200,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
    }
}
