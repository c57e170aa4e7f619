//! Ports below 1024 are privileged: binding one needs root or the
//! `NET_BIND_SERVICE` capability, so a container that listens there tends to be
//! run with more privilege than it needs.
//!
//! Fields: `containers[*].ports[*].containerPort` and `.hostPort`, and the same
//! for `initContainers`. Fails on every non-zero port below 1024.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::port_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "container-privileged-port",
    aliases: &["KSV-0117", "KSV117", "AVD-KSV-0117"],
    title: "Prevent binding to privileged ports",
    severity: Severity::Medium,
    description: "Listening on a port below 1024 requires root or CAP_NET_BIND_SERVICE inside the container, and a host port below 1024 takes one of the node's well-known service ports. Both usually mean the workload runs with more privilege than its job needs.",
    remediation: "Make the process listen on a port of 1024 or above (e.g. 8080) and set containerPort to it; map a well-known port through a Service's port field instead.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

/// The first unprivileged port.
const FIRST_UNPRIVILEGED: i32 = 1024;

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    port_hits(object, &["containerPort", "hostPort"], |i, field, port| {
        (port > 0 && port < FIRST_UNPRIVILEGED).then(|| {
            format!(
                "should not bind privileged port {port} in 'ports[{i}].{field}' (use {FIRST_UNPRIVILEGED} or above)"
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_low_ports() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx:1.27
        ports:
        - containerPort: 80
        - containerPort: 8443
          hostPort: 443
"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].ports[0].containerPort")
        );
        assert_eq!(
            found[0].message,
            "Container 'app' of Deployment 'web' should not bind privileged port 80 in 'ports[0].containerPort' (use 1024 or above)"
        );
        assert_eq!(
            found[1].path.as_deref(),
            Some("spec.template.spec.containers[0].ports[1].hostPort")
        );
    }

    #[test]
    fn passes_on_high_ports() {
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
"#,
        );
        assert!(found.is_empty());
    }
}
