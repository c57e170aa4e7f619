//! A burst of denied requests: at least 5 requests answered 403 (or with
//! authorization decision `forbid`) within 60 seconds, for the same user
//! from the same source address. Someone is probing what a credential may
//! do, typically by trying `list` on sensitive resources one after another.
//!
//! kensa rule (no Falco equivalent: Falco rules see one event at a time).
//! The engine keeps each candidate's time and reports one hit per burst,
//! with the audit ids of the requests in it; bursts are computed when the
//! report is finished, so they are found across chunks and apiserver files.

use crate::detect::Window;
use crate::detect::support::*;
use crate::detect::{Priority, RequestPattern, Rule};
use crate::event::Event;

/// Burst of forbidden requests.
pub static RULE: Rule = Rule {
    id: "k8s-forbidden-burst",
    falco_name: None,
    title: "Burst of forbidden requests",
    priority: Priority::Warning,
    description: "Five or more requests denied (403) within 60 seconds for the same user and source address.",
    default_enabled: true,
    needs: metadata(&[RequestPattern::ANY]),
    check,
    window: Some(Window {
        threshold: 5,
        seconds: 60,
        key: user_and_source,
    }),
};

fn user_and_source(event: &Event<'_>) -> String {
    format!(
        "user={} source={}",
        user(event),
        event.source_ip().unwrap_or("?")
    )
}

fn check(event: &Event<'_>) -> Option<String> {
    let forbidden = event.code() == Some(403) || event.decision() == Some("forbid");
    if !forbidden {
        return None;
    }
    Some(format!(
        "{} {} denied for {}",
        event.verb,
        event.resource().unwrap_or(&event.request_uri),
        user(event)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn denials_are_candidates() {
        let e = event("list", "bob", r#"{"resource":"secrets"}"#, 403, "");
        assert!(run(&RULE, &e).is_some());
    }

    #[test]
    fn successes_are_not() {
        let e = event("list", "bob", r#"{"resource":"secrets"}"#, 200, "");
        assert_eq!(run(&RULE, &e), None);
    }

    #[test]
    fn keys_by_user_and_address() {
        let e = event("list", "bob", r#"{"resource":"secrets"}"#, 403, "");
        let parsed = crate::event::Event::from_json(e.as_bytes()).unwrap();
        assert_eq!(user_and_source(&parsed), "user=bob source=203.0.113.9");
    }
}
