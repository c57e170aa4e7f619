//! An `exec` or `attach` into a pod: a shell or a process inside a running
//! workload, with its service account token, secrets and network position.
//!
//! Falco: `Attach/Exec Pod` (ResponseStarted, verb create or get). kensa
//! matches both verbs (kubectl >= 1.30 execs over WebSocket with verb `get`,
//! SPDY clients use `create`) and acts on ResponseStarted or, when the policy
//! omits that stage, ResponseComplete; the engine reports each request once.
//! Requests that failed (>= 400) are not reported. The message decodes the
//! `command` parameters.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Exec or attach into a pod.
pub static RULE: Rule = Rule {
    id: "k8s-pod-exec-attach",
    falco_name: Some("Attach/Exec Pod"),
    title: "Exec or attach into a pod",
    priority: Priority::Notice,
    description: "An exec or attach into a pod: a shell inside a workload, with its service account and secrets.",
    default_enabled: true,
    needs: long_running(&[pod_stream(&["exec", "attach"])]),
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

    #[test]
    fn fires_on_started_or_complete_streams_not_received_or_denied() {
        assert_pod_stream(&RULE, "exec");
    }

    #[test]
    fn decodes_the_command() {
        let stream = pod_stream_event("exec", "get", "ResponseStarted", 101);
        let message = run(&RULE, &stream).unwrap();
        assert!(message.contains(r#"command="sh -c id -u""#), "{message}");
    }
}
