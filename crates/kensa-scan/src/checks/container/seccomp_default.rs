//! Seccomp filters the system calls a container may make. Without a profile (or
//! with `Unconfined`) the whole kernel API is open to it, including calls that
//! have been used to escape containers.
//!
//! Fields: `spec.securityContext.seccompProfile.type` (pod level) and
//! `securityContext.seccompProfile.type` of each container and init container,
//! plus the legacy annotations `seccomp.security.alpha.kubernetes.io/pod` and
//! `container.seccomp.security.alpha.kubernetes.io/NAME` on the pod template. A
//! container passes when the profile that applies to it (its own, else the
//! pod's) is `RuntimeDefault` or `Localhost` (`runtime/default`,
//! `docker/default` or `localhost/...` in the annotations). Unlike Trivy
//! (trivy#4922), a pod-level profile counts for every container that does not
//! set its own.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::seccomp_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "container-seccomp-not-default",
    aliases: &["KSV-0030", "KSV030", "AVD-KSV-0030", "CKV_K8S_31"],
    title: "Runtime/Default Seccomp profile not set",
    severity: Severity::Low,
    description: "A seccomp profile cuts the kernel's attack surface to the system calls ordinary programs use. Containers without one can call anything the kernel offers, so a kernel bug reachable by an obscure call becomes a way out of the container.",
    remediation: "Set spec.securityContext.seccompProfile.type: RuntimeDefault in the pod template (or Localhost with a localhostProfile), and do not override it with another type in the containers.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

/// The message for a container that nothing gives a profile.
const UNSET: &str = "should set 'securityContext.seccompProfile.type' to 'RuntimeDefault' or 'Localhost', on the pod or the container";

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    seccomp_hits(object, |profile| match profile {
        Some("RuntimeDefault" | "Localhost") => None,
        Some(other) => Some(format!(
            "should use seccomp profile 'RuntimeDefault' or 'Localhost' instead of '{other}'"
        )),
        None => Some(UNSET.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_without_profile() {
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
      - name: odd
        image: envoy:1.30
        securityContext:
          seccompProfile: {type: Unconfined}
"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].securityContext.seccompProfile.type")
        );
        assert_eq!(
            found[0].message,
            "Container 'app' of Deployment 'web' should set 'securityContext.seccompProfile.type' to 'RuntimeDefault' or 'Localhost', on the pod or the container"
        );
        assert_eq!(
            found[1].message,
            "Container 'odd' of Deployment 'web' should use seccomp profile 'RuntimeDefault' or 'Localhost' instead of 'Unconfined'"
        );
    }

    #[test]
    fn inherits_pod_level_profile() {
        // trivy#4922: the pod-level profile covers every container.
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
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
        image: nginx:1.27
      - name: local
        image: envoy:1.30
        securityContext:
          seccompProfile: {type: Localhost, localhostProfile: profiles/envoy.json}
"#,
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn container_override_fails() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext:
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    image: nginx:1.27
    securityContext:
      seccompProfile: {type: Unconfined}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.containers[0].securityContext.seccompProfile.type")
        );
    }

    #[test]
    fn legacy_annotations_count() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: runtime/default
    container.seccomp.security.alpha.kubernetes.io/debug: unconfined
spec:
  containers:
  - name: app
    image: nginx:1.27
  - name: debug
    image: busybox:1.36
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("metadata.annotations"));
        assert!(found[0].message.starts_with("Container 'debug'"));
    }
}
