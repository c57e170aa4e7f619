//! The authorizer allowed a request by `system:anonymous`, other than the
//! `/healthz`, `/livez` and `/readyz` probes. Anything else reachable without
//! credentials (CIS 1.1.1/1.2.1) usually means a binding to
//! `system:unauthenticated` or `system:anonymous` that should not exist.
//!
//! Falco: `Anonymous Request Allowed`, same condition.

use crate::detect::Needs;
use crate::detect::support::*;
use crate::detect::{Priority, RequestPattern, Rule};
use crate::event::Event;

/// Anonymous request allowed.
pub static RULE: Rule = Rule {
    id: "k8s-anonymous-request-allowed",
    falco_name: Some("Anonymous Request Allowed"),
    title: "Anonymous request allowed",
    priority: Priority::Warning,
    description: "A request by system:anonymous was authorized, other than the health endpoints.",
    default_enabled: true,
    needs: Needs {
        level: crate::event::Level::Metadata,
        stages: COMPLETE,
        requests: &[RequestPattern::ANY],
        identity: Some(crate::detect::Identity {
            user: "system:anonymous",
            groups: &["system:unauthenticated"],
        }),
    },
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if event.user.username != "system:anonymous" || event.decision() != Some("allow") {
        return None;
    }
    let path = event.request_uri.split('?').next().unwrap_or_default();
    if matches!(path, "/healthz" | "/livez" | "/readyz") {
        return None;
    }
    Some(format!(
        "request by anonymous user allowed (verb={} uri={} reason={})",
        event.verb,
        event.request_uri,
        decision(event)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    fn anonymous(uri: &str) -> String {
        event(
            "list",
            "system:anonymous",
            r#"{"resource":"configmaps","namespace":"kube-system"}"#,
            200,
            "",
        )
        .replace(r#""requestURI":"/x""#, &format!(r#""requestURI":"{uri}""#))
    }

    #[test]
    fn fires_on_resources() {
        assert!(
            run(
                &RULE,
                &anonymous("/api/v1/namespaces/kube-system/configmaps")
            )
            .is_some()
        );
    }

    #[test]
    fn skips_probes_and_other_users() {
        assert_eq!(run(&RULE, &anonymous("/readyz?verbose")), None);
        let e = event("list", "bob", r#"{"resource":"configmaps"}"#, 200, "");
        assert_eq!(run(&RULE, &e), None);
    }
}
