//! Low group ids are the ones the node's own groups use. A container process
//! that escapes with such a gid gets that host group's access; a gid above
//! 10000 is unlikely to own anything on the node.
//!
//! Fields: `securityContext.runAsGroup` of each container and init container,
//! and the pod-level `spec.securityContext.runAsGroup`, which a container
//! inherits unless it sets its own. Fails when the effective value is unset or
//! at most 10000. Trivy reads only the container field (trivy#4922), so it
//! flags containers that inherit a high pod-level id; kensa does not.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{RUN_AS_GROUP, low_id_hits};

/// The check.
pub static CHECK: Check = Check {
    id: "container-low-gid",
    aliases: &["KSV-0021", "KSV021", "AVD-KSV-0021"],
    title: "Runs with GID <= 10000",
    severity: Severity::Low,
    description: "Low group ids overlap with the groups of the node itself. If the container's process breaks out, it gets the file access of that host group; a high gid that no host group uses limits the damage.",
    remediation: "Set securityContext.runAsGroup to a gid above 10000 (e.g. 10001) on the pod (spec.securityContext) or on every container.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    low_id_hits(object, &RUN_AS_GROUP, "gid")
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_when_unset_or_low() {
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
      - name: low
        image: envoy:1.30
        securityContext: {runAsGroup: 10000}
"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].securityContext.runAsGroup")
        );
        assert_eq!(
            found[0].message,
            "Container 'app' of Deployment 'web' should set 'securityContext.runAsGroup' above 10000"
        );
        assert_eq!(
            found[1].message,
            "Container 'low' of Deployment 'web' should set 'securityContext.runAsGroup' above 10000 (it runs with gid 10000)"
        );
    }

    #[test]
    fn inherits_pod_level_id() {
        // trivy#4922: a high pod-level id covers containers that set none.
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext: {runAsGroup: 20000}
  initContainers:
  - name: init
    image: busybox:1.36
  containers:
  - name: app
    image: nginx:1.27
"#,
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn container_low_id_overrides_pod() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext: {runAsGroup: 20000}
  containers:
  - name: app
    image: nginx:1.27
    securityContext: {runAsGroup: 0}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.containers[0].securityContext.runAsGroup")
        );
    }

    #[test]
    fn low_pod_level_id_points_at_pod() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext: {runAsGroup: 1000}
  containers:
  - name: app
    image: nginx:1.27
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.securityContext.runAsGroup")
        );
    }
}
