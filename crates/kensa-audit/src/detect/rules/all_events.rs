//! Every completed request: a debugging aid to see what the rules see.
//!
//! Falco: `All K8s Audit Events`, disabled by default upstream and here.

use crate::detect::support::*;
use crate::detect::{Priority, RequestPattern, Rule};
use crate::event::Event;

/// Any audit event.
pub static RULE: Rule = Rule {
    id: "k8s-all-events",
    falco_name: Some("All K8s Audit Events"),
    title: "Any audit event",
    priority: Priority::Debug,
    description: "Every completed request (debugging aid, disabled by default).",
    default_enabled: false,
    needs: metadata(&[RequestPattern::ANY]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    Some(format!(
        "audit event (user={} verb={} uri={} code={})",
        user(event),
        event.verb,
        event.request_uri,
        code(event)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_completed_requests() {
        assert!(
            run(
                &RULE,
                &event("get", "bob", r#"{"resource":"pods"}"#, 200, "")
            )
            .is_some()
        );
    }

    #[test]
    fn skips_other_stages() {
        let e = event("get", "bob", r#"{"resource":"pods"}"#, 200, "")
            .replace("ResponseComplete", "RequestReceived");
        assert_eq!(run(&RULE, &e), None);
    }
}
