//! An `exec` or `attach` into a pod: a shell or a process inside a running
//! workload, with its service account token, secrets and network position.
//!
//! Falco: `Attach/Exec Pod` (ResponseStarted, verb create or get). kensa
//! matches both verbs (kubectl >= 1.30 execs over WebSocket with verb `get`,
//! SPDY clients use `create`) and acts on ResponseStarted or, when the policy
//! omits that stage, ResponseComplete; the engine reports each request once.
//! Requests that failed (>= 400) are not reported. The message decodes the
//! `command` parameters.

use crate::detect::Needs;
use crate::detect::support::*;
use crate::detect::{Priority, RequestPattern, Rule};
use crate::event::Event;

/// Exec or attach into a pod.
pub static RULE: Rule = Rule {
    id: "k8s-pod-exec-attach",
    falco_name: Some("Attach/Exec Pod"),
    title: "Exec or attach into a pod",
    priority: Priority::Notice,
    description: "An exec or attach into a pod: a shell inside a workload, with its service account and secrets.",
    default_enabled: true,
    needs: Needs {
        level: crate::event::Level::Metadata,
        stages: STARTED_OR_COMPLETE,
        requests: &[RequestPattern {
            verbs: &["get", "create"],
            api_group: Some(""),
            resources: &["pods"],
            subresources: &["exec", "attach"],
            namespaces: &[],
        }],
        identity: None,
    },
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if failed(event) {
        return None;
    }
    let command = query_values(&event.request_uri, "command").join(" ");
    Some(format!(
        "{} into pod (user={} pod={} verb={} command={:?})",
        event.subresource().unwrap_or("exec"),
        user(event),
        object(event),
        event.verb,
        command
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    fn stream(verb: &str, stage: &str, code: i32) -> String {
        event(verb, "bob", r#"{"resource":"pods","subresource":"exec","namespace":"a","name":"p"}"#, code, "")
            .replace("ResponseComplete", stage)
            .replace(r#""requestURI":"/x""#, r#""requestURI":"/api/v1/namespaces/a/pods/p/exec?command=sh&command=-c&command=id+-u""#)
    }

    #[test]
    fn fires_on_websocket_get_and_spdy_create() {
        assert!(run(&RULE, &stream("get", "ResponseStarted", 101)).is_some());
        assert!(run(&RULE, &stream("create", "ResponseComplete", 101)).is_some());
    }

    #[test]
    fn skips_received_stage_and_denials() {
        assert_eq!(run(&RULE, &stream("get", "RequestReceived", 101)), None);
        assert_eq!(run(&RULE, &stream("create", "ResponseComplete", 403)), None);
    }

    #[test]
    fn decodes_the_command() {
        let message = run(&RULE, &stream("get", "ResponseStarted", 101)).unwrap();
        assert!(message.contains(r#"command="sh -c id -u""#), "{message}");
    }
}
