//! A privileged container gets every capability and the host's devices, and
//! runs without most of the confinement (seccomp, AppArmor, masked /proc) that
//! normally separates it from the node.
//!
//! Fields: `containers[*].securityContext.privileged` and the same for
//! `initContainers`. Fails when `true`.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::container_hit;

/// The check.
pub static CHECK: Check = Check {
    id: "container-privileged",
    aliases: &["KSV-0017", "KSV017", "AVD-KSV-0017", "CKV_K8S_16"],
    title: "Privileged",
    severity: Severity::High,
    description: "Privileged mode switches off nearly all container isolation: the process has every capability, sees the host's devices and can load kernel modules or mount the node's disks. Compromising such a container is compromising the node.",
    remediation: "Set securityContext.privileged: false (or leave it unset) on every container and init container; grant the specific capabilities or devices needed instead.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    object
        .containers()
        .into_iter()
        .filter(|c| c.security_context().and_then(|sc| sc.privileged) == Some(true))
        .map(|c| {
            container_hit(
                object,
                &c,
                c.security_path("privileged"),
                "should set 'securityContext.privileged' to false",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_when_privileged() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-agent}
spec:
  template:
    spec:
      containers:
      - name: agent
        image: agent:2
        securityContext: {privileged: true}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].securityContext.privileged")
        );
        assert_eq!(
            found[0].message,
            "Container 'agent' of DaemonSet 'node-agent' should set 'securityContext.privileged' to false"
        );
    }

    #[test]
    fn passes_when_not_privileged() {
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
    securityContext: {privileged: false}
  - name: side
    image: envoy:1.30
"#,
        );
        assert!(found.is_empty());
    }
}
