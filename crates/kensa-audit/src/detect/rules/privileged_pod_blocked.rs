//! A pod that would have fired one of the pod rules (privileged container,
//! host network/PID/IPC, sensitive host mount, unknown image in a kube
//! namespace) was not created: the request failed, typically with a 403
//! from PodSecurity admission after RBAC allowed it. The cluster held, but
//! someone with create rights on pods tried to escape to the node.
//!
//! kensa rule (no Falco equivalent: Falco's pod rules do not check the
//! response code and report such attempts as if the pod had been created).

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Privileged pod blocked.
pub static RULE: Rule = Rule {
    id: "k8s-privileged-pod-blocked",
    falco_name: None,
    title: "Privileged pod blocked",
    priority: Priority::Notice,
    description: "A pod create that would have fired a pod-security rule (privileged, host namespaces, sensitive mounts) failed, e.g. rejected by PodSecurity admission.",
    default_enabled: true,
    needs: request_body(&[pattern(&["create"], &["pods"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    let spec = failed_pod_create(event)?;
    let mut findings = Vec::new();
    if let Some(images) = privileged_finding(&spec) {
        findings.push(format!("privileged={images}"));
    }
    for (hit, name) in [
        (host_network_finding(&spec), "hostNetwork"),
        (host_pid_finding(&spec), "hostPID"),
        (host_ipc_finding(&spec), "hostIPC"),
        (
            kube_namespace_finding(event.namespace(), &spec),
            "kube-namespace",
        ),
    ] {
        if hit {
            findings.push(name.to_string());
        }
    }
    if let Some(paths) = sensitive_mount_finding(&spec) {
        findings.push(format!("hostPath={paths}"));
    }
    if findings.is_empty() {
        return None;
    }
    let reason = event
        .response_status
        .as_ref()
        .and_then(|s| s.reason.as_deref())
        .unwrap_or("");
    Some(format!(
        "pod with {} blocked by admission ({} {}) (user={} pod={} decision={})",
        findings.join(" "),
        code(event),
        reason,
        user(event),
        object(event),
        decision(event)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    const SPEC: &str = r#"{"hostPID":true,"containers":[{"name":"a","image":"alpine","securityContext":{"privileged":true}}],"volumes":[{"name":"h","hostPath":{"path":"/"}}]}"#;

    #[test]
    fn fires_on_rejected_privileged_pods() {
        let message = run(&RULE, &pod_event("web", SPEC, 403)).unwrap();
        assert!(
            message.contains("privileged=alpine hostPID hostPath=/"),
            "{message}"
        );
        assert!(message.contains("(403"), "{message}");
    }

    #[test]
    fn skips_created_and_harmless_pods() {
        assert_eq!(run(&RULE, &pod_event("web", SPEC, 201)), None);
        let plain = r#"{"containers":[{"name":"a","image":"alpine"}]}"#;
        assert_eq!(run(&RULE, &pod_event("web", plain, 403)), None);
    }
}
