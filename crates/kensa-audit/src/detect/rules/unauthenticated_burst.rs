//! A burst of unauthenticated requests: at least 3 requests answered 401
//! within 60 seconds from the same source address. A revoked or expired
//! token still being tried, or credential guessing.
//!
//! kensa rule (no Falco equivalent). The user is empty on 401s, so the key
//! is the source address alone. One hit per burst, as for
//! `k8s-forbidden-burst`.

use crate::detect::Window;
use crate::detect::support::*;
use crate::detect::{Priority, RequestPattern, Rule};
use crate::event::Event;

/// Burst of unauthenticated requests.
pub static RULE: Rule = Rule {
    id: "k8s-unauthenticated-burst",
    falco_name: None,
    title: "Burst of unauthenticated requests",
    priority: Priority::Warning,
    description: "Three or more requests rejected as unauthenticated (401) within 60 seconds from the same source address.",
    default_enabled: true,
    needs: metadata(&[RequestPattern::ANY]),
    check,
    window: Some(Window {
        threshold: 3,
        seconds: 60,
        key: source,
    }),
};

fn source(event: &Event<'_>) -> String {
    format!("source={}", event.source_ip().unwrap_or("?"))
}

fn check(event: &Event<'_>) -> Option<String> {
    if event.code() != Some(401) {
        return None;
    }
    Some(format!(
        "{} {} unauthenticated",
        event.verb, event.request_uri
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn unauthorized_responses_are_candidates() {
        let e = event("get", "", r#"{"resource":"secrets"}"#, 401, "");
        assert!(run(&RULE, &e).is_some());
    }

    #[test]
    fn denials_are_not() {
        let e = event("get", "bob", r#"{"resource":"secrets"}"#, 403, "");
        assert_eq!(run(&RULE, &e), None);
    }
}
