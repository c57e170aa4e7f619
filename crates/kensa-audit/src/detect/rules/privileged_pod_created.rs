//! A pod with a privileged container (in `containers`, `initContainers` or
//! `ephemeralContainers`) was created. A privileged container has every
//! capability and the host's devices: it is root on the node.
//!
//! Falco: `Create Privileged Pod`, same condition and allowlist
//! (`k8s_audit_privileged_images`). kensa fires only when the create
//! succeeded; Falco also fires when admission rejected it (e.g. PodSecurity's
//! 403 with decision=allow). Rejected attempts fire `k8s-privileged-pod-blocked`.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Privileged pod created.
pub static RULE: Rule = Rule {
    id: "k8s-privileged-pod-created",
    falco_name: Some("Create Privileged Pod"),
    title: "Privileged pod created",
    priority: Priority::Warning,
    description: "A pod with a privileged container was created, outside the privileged images allowlist.",
    default_enabled: true,
    needs: request_body(&[pattern(&["create"], &["pods"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    let spec = successful_pod_create(event)?;
    let images = privileged_finding(&spec)?;
    Some(format!(
        "pod created with a privileged container (user={} pod={} privileged_images={})",
        user(event),
        object(event),
        images
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_privileged_init_container() {
        let spec = r#"{"containers":[{"name":"a","image":"nginx"}],"initContainers":[{"name":"i","image":"busybox","securityContext":{"privileged":true}}]}"#;
        assert!(
            run(&RULE, &pod_event("web", spec, 201))
                .unwrap()
                .contains("busybox")
        );
    }

    #[test]
    fn skips_allowlisted_unprivileged_and_rejected() {
        let calico = r#"{"containers":[{"name":"c","image":"docker.io/calico/node:v3.28.1","securityContext":{"privileged":true}}]}"#;
        assert_eq!(run(&RULE, &pod_event("kube-system", calico, 201)), None);
        let plain = r#"{"containers":[{"name":"a","image":"nginx","securityContext":{"privileged":false}}]}"#;
        assert_eq!(run(&RULE, &pod_event("web", plain, 201)), None);
        let privileged = r#"{"containers":[{"name":"a","image":"nginx","securityContext":{"privileged":true}}]}"#;
        assert_eq!(run(&RULE, &pod_event("web", privileged, 403)), None);
    }
}
