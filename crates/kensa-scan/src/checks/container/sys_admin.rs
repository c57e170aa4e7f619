//! `SYS_ADMIN` is the catch-all Linux capability: it allows mounting file
//! systems, changing namespaces and much more, enough to break out of the
//! container in many setups.
//!
//! Fields: `containers[*].securityContext.capabilities.add` and the same for
//! `initContainers`. Fails on every entry naming `SYS_ADMIN` (any case, with or
//! without a `CAP_` prefix).

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::added_capability_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "container-cap-sys-admin",
    aliases: &["KSV-0005", "KSV005", "AVD-KSV-0005", "CKV_K8S_39"],
    title: "SYS_ADMIN capability added",
    severity: Severity::High,
    description: "CAP_SYS_ADMIN grants a large share of root's powers: mounting file systems, entering namespaces, tracing and more. A compromised container holding it can usually escape to the node.",
    remediation: "Remove SYS_ADMIN from securityContext.capabilities.add; grant the narrower capability the workload really needs, or move the privileged task out of the cluster workload.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    added_capability_hits(object, "SYS_ADMIN")
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_when_added() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      containers:
      - name: agent
        image: agent:3
        securityContext: {capabilities: {add: [NET_ADMIN, CAP_SYS_ADMIN]}}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].securityContext.capabilities.add[1]")
        );
        assert_eq!(
            found[0].message,
            "Container 'agent' of DaemonSet 'agent' should not add capability 'SYS_ADMIN' in 'securityContext.capabilities.add'"
        );
    }

    #[test]
    fn passes_without_it() {
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
    securityContext: {capabilities: {add: [NET_BIND_SERVICE]}}
"#,
        );
        assert!(found.is_empty());
    }
}
