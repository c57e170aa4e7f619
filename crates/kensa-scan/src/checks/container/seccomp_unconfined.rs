//! A container that runs `Unconfined`, or with no seccomp profile at all, may
//! make every system call the kernel offers.
//!
//! Fields: `spec.securityContext.seccompProfile.type` (pod level) and
//! `securityContext.seccompProfile.type` of each container and init container,
//! plus the legacy annotations `seccomp.security.alpha.kubernetes.io/pod` and
//! `container.seccomp.security.alpha.kubernetes.io/NAME`. Fails when the
//! profile that applies to the container (its own, else the pod's) is
//! `Unconfined` or unset. A container inheriting a pod-level `RuntimeDefault`
//! or `Localhost` passes (Trivy flags it, trivy#4922).

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::seccomp_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "container-seccomp-unconfined",
    aliases: &["KSV-0104", "KSV104", "AVD-KSV-0104"],
    title: "Seccomp policies disabled",
    severity: Severity::Medium,
    description: "Without seccomp filtering every system call reaches the kernel, so any kernel flaw behind a rarely used call is open to a compromised container. The Pod Security Standards forbid Unconfined and require a profile at the restricted level.",
    remediation: "Set spec.securityContext.seccompProfile.type: RuntimeDefault (or Localhost with a localhostProfile) in the pod template, and remove any container-level Unconfined profile.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

/// The message for a container that nothing gives a profile.
const UNSET: &str = "should set a seccomp profile in 'securityContext.seccompProfile.type', on the pod or the container";

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    seccomp_hits(object, |profile| match profile {
        Some("Unconfined") => Some("should not run with seccomp profile 'Unconfined'".to_owned()),
        None => Some(UNSET.to_owned()),
        Some(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_when_unconfined_or_unset() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext:
    seccompProfile: {type: Unconfined}
  containers:
  - name: app
    image: nginx:1.27
  - name: side
    image: envoy:1.30
    securityContext:
      seccompProfile: {type: RuntimeDefault}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.securityContext.seccompProfile.type")
        );
        assert_eq!(
            found[0].message,
            "Container 'app' of Pod 'web' should not run with seccomp profile 'Unconfined'"
        );

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
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.containers[0].securityContext.seccompProfile.type")
        );
    }

    #[test]
    fn inherits_pod_level_profile() {
        // trivy#4922: the pod-level profile covers every container.
        let found = hits(
            &CHECK,
            r#"
apiVersion: batch/v1
kind: Job
metadata: {name: task}
spec:
  template:
    spec:
      securityContext:
        seccompProfile: {type: RuntimeDefault}
      initContainers:
      - name: init
        image: busybox:1.36
      containers:
      - name: app
        image: task:1
"#,
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn legacy_annotation_unconfined_fails() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: unconfined
spec:
  containers:
  - name: app
    image: nginx:1.27
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("metadata.annotations"));
    }
}
