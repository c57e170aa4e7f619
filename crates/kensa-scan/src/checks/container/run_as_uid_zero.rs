//! `runAsUser: 0` makes the container run as root explicitly, whatever its
//! image says.
//!
//! Fields: `securityContext.runAsUser` of each container and init container,
//! and the pod-level `spec.securityContext.runAsUser`, which a container
//! inherits unless it sets its own. Fails when the uid that applies to the
//! container is 0; a container that overrides a pod-level 0 with another uid
//! passes.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{RUN_AS_USER, container_hit};

/// The check.
pub static CHECK: Check = Check {
    id: "container-run-as-uid-0",
    aliases: &["KSV-0105", "KSV105", "AVD-KSV-0105"],
    title: "Containers must not set runAsUser to 0",
    severity: Severity::Low,
    description: "Asking for uid 0 forces the container to run as root even when its image was built to run as an ordinary user, giving a compromised process root's rights inside the container and a better chance of escaping it.",
    remediation: "Set securityContext.runAsUser to a non-zero uid (or remove it to use the image's user) on the pod and on every container, and set runAsNonRoot: true.",
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
        .filter(|c| RUN_AS_USER.effective(object, c) == Some(0))
        .map(|c| {
            // A zero that is not the container's own can only come from the pod.
            let text = if RUN_AS_USER.own(&c).is_some() {
                "should not set 'securityContext.runAsUser' to 0"
            } else {
                "should not inherit 'runAsUser: 0' from the pod's 'securityContext'"
            };
            container_hit(object, &c, RUN_AS_USER.path(object, &c), text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_uid_zero() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      securityContext: {runAsUser: 0}
      containers:
      - name: app
        image: nginx:1.27
      - name: side
        image: envoy:1.30
        securityContext: {runAsUser: 0}
      - name: ok
        image: envoy:1.30
        securityContext: {runAsUser: 1000}
"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.securityContext.runAsUser")
        );
        assert_eq!(
            found[0].message,
            "Container 'app' of Deployment 'web' should not inherit 'runAsUser: 0' from the pod's 'securityContext'"
        );
        assert_eq!(
            found[1].path.as_deref(),
            Some("spec.template.spec.containers[1].securityContext.runAsUser")
        );
        assert_eq!(
            found[1].message,
            "Container 'side' of Deployment 'web' should not set 'securityContext.runAsUser' to 0"
        );
    }

    #[test]
    fn passes_when_unset_or_non_zero() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext: {runAsUser: 1000}
  containers:
  - name: app
    image: nginx:1.27
  - name: side
    image: envoy:1.30
    securityContext: {runAsUser: 2000}
"#,
        );
        assert!(found.is_empty());
    }
}
