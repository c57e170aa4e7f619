//! Secrets of every namespace were listed or watched (`GET /api/v1/secrets`)
//! by an identity other than the control plane or a known secret-managing
//! controller: one request that returns every credential in the cluster.
//!
//! kensa rule (no Falco equivalent). Skips the same identities as
//! `k8s-secret-get` (see `SECRET_READERS`). Watches fire once per request.

use crate::detect::Needs;
use crate::detect::support::*;
use crate::detect::{Priority, RequestPattern, Rule};
use crate::event::Event;

/// Secrets listed across all namespaces.
pub static RULE: Rule = Rule {
    id: "k8s-secrets-listed-cluster-wide",
    falco_name: None,
    title: "Secrets listed across all namespaces",
    priority: Priority::Warning,
    description: "Secrets of all namespaces were listed or watched by an identity whose job is not managing secrets.",
    default_enabled: true,
    needs: Needs {
        level: crate::event::Level::Metadata,
        stages: STARTED_OR_COMPLETE,
        requests: &[RequestPattern {
            verbs: &["list", "watch"],
            api_group: Some(""),
            resources: &["secrets"],
            subresources: &[],
            namespaces: &[],
        }],
        identity: None,
    },
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if event.namespace().is_some() || failed(event) || is_secret_reader(&event.user.username) {
        return None;
    }
    Some(format!(
        "secrets {} across all namespaces (user={} source={} agent={})",
        if event.verb == "watch" {
            "watched"
        } else {
            "listed"
        },
        user(event),
        event.source_ip().unwrap_or("?"),
        event.user_agent.as_deref().unwrap_or("?")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_cluster_wide_lists() {
        let e = event(
            "list",
            "system:serviceaccount:ci:deployer",
            r#"{"resource":"secrets"}"#,
            200,
            "",
        );
        assert!(run(&RULE, &e).is_some());
    }

    #[test]
    fn skips_namespaced_lists_and_controllers() {
        let e = event(
            "list",
            "bob",
            r#"{"resource":"secrets","namespace":"a"}"#,
            200,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
        let e = event(
            "watch",
            "system:kube-controller-manager",
            r#"{"resource":"secrets"}"#,
            200,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
    }
}
