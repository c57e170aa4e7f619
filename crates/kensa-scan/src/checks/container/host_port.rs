//! A host port binds the container to a port of the node's own network
//! interfaces, bypassing network policies and tying the pod to nodes where that
//! port is free.
//!
//! Fields: `containers[*].ports[*].hostPort` and the same for `initContainers`.
//! Fails on every port with a non-zero `hostPort`.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::port_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "container-host-port",
    aliases: &["KSV-0024", "KSV024", "AVD-KSV-0024", "CKV_K8S_26"],
    title: "Access to host ports",
    severity: Severity::High,
    description: "A hostPort exposes the container directly on the node's network, where NetworkPolicies do not apply and anything that can reach the node can reach the container. It also limits where the pod can be scheduled.",
    remediation: "Remove hostPort from the container's ports and expose the workload through a Service (ClusterIP, NodePort or LoadBalancer) instead.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    port_hits(object, &["hostPort"], |i, field, port| {
        (port != 0)
            .then(|| format!("should not set 'ports[{i}].{field}' (it binds host port {port})"))
    })
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_host_port() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: proxy}
spec:
  template:
    spec:
      containers:
      - name: proxy
        image: haproxy:3.0
        ports:
        - containerPort: 8080
        - containerPort: 8443
          hostPort: 443
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].ports[1].hostPort")
        );
        assert_eq!(
            found[0].message,
            "Container 'proxy' of DaemonSet 'proxy' should not set 'ports[1].hostPort' (it binds host port 443)"
        );
    }

    #[test]
    fn passes_without_host_port() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    image: nginx:1.27
    ports:
    - containerPort: 8080
      hostPort: 0
"#,
        );
        assert!(found.is_empty());
    }
}
