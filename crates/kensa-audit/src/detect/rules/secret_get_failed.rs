//! An attempt to read a secret failed: denied, unauthenticated or not found.
//! Guessing secret names with a stolen or revoked token looks like this.
//!
//! Falco: `K8s Secret Get Unsuccessfully Tried`, same condition (any
//! response that is not 2xx).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Secret read failed.
pub static RULE: Rule = Rule {
    id: "k8s-secret-get-failed",
    falco_name: Some("K8s Secret Get Unsuccessfully Tried"),
    title: "Secret read failed",
    priority: Priority::Warning,
    description: "An attempt to read a secret failed (denied, unauthenticated or not found).",
    default_enabled: true,
    needs: metadata(&[pattern(&["get"], &["secrets"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if succeeded(event) {
        return None;
    }
    Some(format!(
        "secret read failed (user={} secret={} code={} decision={})",
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
    fn fires_on_denials_and_401() {
        let e = event(
            "get",
            "",
            r#"{"resource":"secrets","namespace":"kube-system","name":"t"}"#,
            401,
            "",
        );
        assert!(run(&RULE, &e).unwrap().contains("<none>"));
    }

    #[test]
    fn skips_successes() {
        let e = event(
            "get",
            "bob",
            r#"{"resource":"secrets","namespace":"a","name":"t"}"#,
            200,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
    }
}
