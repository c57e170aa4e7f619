//! A pod mounting a sensitive host directory as a `hostPath` volume: `/`,
//! `/etc`, `/proc`, `/root`, the container runtime sockets, the kubelet's
//! files. Any of these lets the pod read host secrets or take over the node.
//!
//! Falco: `Create Sensitive Mount Pod`, same path list (`sensitive_vol_mount`)
//! and image allowlist. kensa compares paths without a trailing slash (Falco
//! misses `/etc/`) and fires only when the create succeeded.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Pod with a sensitive host mount created.
pub static RULE: Rule = Rule {
    id: "k8s-sensitive-mount-pod-created",
    falco_name: Some("Create Sensitive Mount Pod"),
    title: "Pod with a sensitive host mount created",
    priority: Priority::Warning,
    description: "A pod mounting a sensitive host path (/, /etc, /proc, the container runtime socket, kubelet files) was created.",
    default_enabled: true,
    needs: request_body(&[pattern(&["create"], &["pods"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    let spec = successful_pod_create(event)?;
    let paths = sensitive_mount_finding(&spec)?;
    Some(format!(
        "pod created with a sensitive host mount (user={} pod={} paths={} images={})",
        user(event),
        object(event),
        paths,
        spec.images()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_host_root_with_trailing_slash() {
        let spec = r#"{"containers":[{"name":"a","image":"alpine"}],"volumes":[{"name":"h","hostPath":{"path":"/etc/"}}]}"#;
        assert!(
            run(&RULE, &pod_event("web", spec, 201))
                .unwrap()
                .contains("paths=/etc")
        );
    }

    #[test]
    fn skips_harmless_paths() {
        let spec = r#"{"containers":[{"name":"a","image":"alpine"}],"volumes":[{"name":"h","hostPath":{"path":"/var/log/app"}}]}"#;
        assert_eq!(run(&RULE, &pod_event("web", spec, 201)), None);
    }
}
