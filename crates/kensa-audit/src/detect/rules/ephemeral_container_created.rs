//! An ephemeral container was added to a running pod (`kubectl debug`): a
//! new process, from any image, inside an existing workload's namespaces and
//! with its volumes; an attacker's way in that leaves the pod spec unchanged.
//!
//! Falco: `EphemeralContainers Created`. Falco reads the name and image at
//! `/requestObject/ephemeralContainers/0`, a path current API servers do not
//! write; kensa reads `spec.ephemeralContainers` (and the old path), reports
//! every container, and fires only on successful requests.

use crate::detect::support::*;
use crate::detect::{Priority, RequestPattern, Rule};
use crate::event::Event;

/// Ephemeral container added to a pod.
pub static RULE: Rule = Rule {
    id: "k8s-ephemeral-container-created",
    falco_name: Some("EphemeralContainers Created"),
    title: "Ephemeral container added to a pod",
    priority: Priority::Notice,
    description: "An ephemeral container was added to a running pod (kubectl debug).",
    default_enabled: true,
    needs: metadata(&[RequestPattern {
        verbs: &["create", "update", "patch"],
        api_group: Some(""),
        resources: &["pods"],
        subresources: &["ephemeralcontainers"],
        namespaces: &[],
    }]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if failed(event) {
        return None;
    }
    let containers = request_body_json(event)
        .and_then(|body| {
            let list = body
                .pointer("/spec/ephemeralContainers")
                .or_else(|| body.get("ephemeralContainers"))?
                .as_array()?
                .iter()
                .map(|c| {
                    format!(
                        "{}={}",
                        c.get("name").and_then(|v| v.as_str()).unwrap_or("?"),
                        c.get("image").and_then(|v| v.as_str()).unwrap_or("?")
                    )
                })
                .collect::<Vec<_>>();
            Some(list.join(","))
        })
        .unwrap_or_else(|| "? (body not logged)".to_string());
    Some(format!(
        "ephemeral container added to pod (user={} pod={} containers={})",
        user(event),
        object(event),
        containers
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    fn debug(code: i32) -> String {
        event(
            "patch",
            "bob",
            r#"{"resource":"pods","subresource":"ephemeralcontainers","namespace":"a","name":"p"}"#,
            code,
            r#""requestObject":{"spec":{"ephemeralContainers":[{"name":"dbg","image":"nicolaka/netshoot"}]}}"#,
        )
    }

    #[test]
    fn fires_with_the_image() {
        assert!(
            run(&RULE, &debug(200))
                .unwrap()
                .contains("dbg=nicolaka/netshoot")
        );
    }

    #[test]
    fn skips_denied_and_plain_pod_patches() {
        assert_eq!(run(&RULE, &debug(403)), None);
        let e = event(
            "patch",
            "bob",
            r#"{"resource":"pods","namespace":"a","name":"p"}"#,
            200,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
    }
}
