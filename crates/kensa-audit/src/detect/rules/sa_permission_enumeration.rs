//! A service account asked the API server what it may do
//! (`SelfSubjectRulesReview`, i.e. `kubectl auth can-i --list`, or
//! `SelfSubjectAccessReview`). Workloads know their rights; a pod token
//! enumerating them is typically a stolen token being explored.
//!
//! kensa rule (no Falco equivalent; Elastic's "Suspicious Self-Subject
//! Review" covers the same ground). Some tools (dashboards, operators that
//! check their own rights with SSAR) do this legitimately: add their
//! accounts to `ENUMERATION_EXPECTED` if so.

use crate::detect::support::*;
use crate::detect::{Priority, RequestPattern, Rule};
use crate::event::Event;

/// Service account enumerating its permissions.
pub static RULE: Rule = Rule {
    id: "k8s-sa-permission-enumeration",
    falco_name: None,
    title: "Service account enumerating its permissions",
    priority: Priority::Warning,
    description: "A service account asked what it may do (SelfSubjectRulesReview or SelfSubjectAccessReview).",
    default_enabled: true,
    needs: metadata(&[RequestPattern {
        verbs: &["create"],
        api_group: Some("authorization.k8s.io"),
        resources: &["selfsubjectrulesreviews", "selfsubjectaccessreviews"],
        subresources: &[],
        namespaces: &[],
    }]),
    check,
    window: None,
};

/// Service account names expected to review their own rights.
pub const ENUMERATION_EXPECTED: &[&str] = &[];

fn check(event: &Event<'_>) -> Option<String> {
    let name = event.user.username.as_ref();
    let account = service_account_name(name)?;
    if failed(event) || ENUMERATION_EXPECTED.contains(&account) {
        return None;
    }
    Some(format!(
        "service account enumerated its permissions (user={} review={} source={})",
        name,
        event.resource().unwrap_or("?"),
        event.source_ip().unwrap_or("?")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    fn review(user: &str) -> String {
        event(
            "create",
            user,
            r#"{"resource":"selfsubjectrulesreviews","apiGroup":"authorization.k8s.io"}"#,
            201,
            "",
        )
    }

    #[test]
    fn fires_for_service_accounts() {
        assert!(run(&RULE, &review("system:serviceaccount:web:frontend")).is_some());
    }

    #[test]
    fn skips_people() {
        assert_eq!(run(&RULE, &review("alice")), None);
    }
}
