//! A pod sharing the node's host IPC namespace (`hostIPC: true`) was created. Host
//! namespaces let a pod see and reach the node's processes or traffic and
//! are a common step in escaping to the node.
//!
//! Falco: `Create HostIPC Pod`, with the `k8s_audit_hostipc_images` allowlist. kensa also allows
//! the images allowed to run privileged (node agents such as calico-node and
//! kube-proxy need host namespaces; Falco flags them), and fires only when
//! the create succeeded.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Pod using the host IPC namespace created.
pub static RULE: Rule = Rule {
    id: "k8s-host-ipc-pod-created",
    falco_name: Some("Create HostIPC Pod"),
    title: "Pod using the host IPC namespace created",
    priority: Priority::Warning,
    description: "A pod using the host IPC namespace (hostIPC: true) was created.",
    default_enabled: true,
    needs: request_body(&[pattern(&["create"], &["pods"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    let spec = successful_pod_create(event)?;
    if !host_ipc_finding(&spec) {
        return None;
    }
    Some(format!(
        "pod created using the host IPC namespace (user={} pod={} images={})",
        user(event),
        object(event),
        spec.images()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_hostipc() {
        let spec = r#"{"hostIPC":true,"containers":[{"name":"a","image":"alpine:3"}]}"#;
        assert!(run(&RULE, &pod_event("web", spec, 201)).is_some());
    }

    #[test]
    fn skips_node_agents_and_plain_pods() {
        let agent = r#"{"hostIPC":true,"containers":[{"name":"a","image":"registry.k8s.io/kube-proxy:v1.31.0"}]}"#;
        assert_eq!(run(&RULE, &pod_event("kube-system", agent, 201)), None);
        let plain = r#"{"containers":[{"name":"a","image":"alpine:3"}]}"#;
        assert_eq!(run(&RULE, &pod_event("web", plain, 201)), None);
    }
}
