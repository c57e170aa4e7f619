//! A container whose image does not name a user runs as root (uid 0), and root
//! in a container is close to root on the node once any isolation layer fails.
//!
//! Fields: `securityContext.runAsNonRoot` and `securityContext.runAsUser` of
//! each container and init container, and the same at pod level
//! (`spec.securityContext`), which a container inherits unless it sets its own.
//! Passes when the effective `runAsNonRoot` is true, or when the effective
//! `runAsUser` is a non-zero uid (the container then cannot run as root
//! either). Trivy ignores a pod-level setting overridden by the container and
//! never credits `runAsUser` (trivy#4922); kensa follows the rules the kubelet
//! applies.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{RUN_AS_NON_ROOT, RUN_AS_USER, container_hit};

/// The check.
pub static CHECK: Check = Check {
    id: "container-runs-as-root",
    aliases: &["KSV-0012", "KSV012", "AVD-KSV-0012", "CKV_K8S_23"],
    title: "Runs as root user",
    severity: Severity::Medium,
    description: "Unless runAsNonRoot is true (or a non-zero runAsUser is set), the container runs as whatever user its image names, which is root for most images. A process running as root has far more ways to escape the container and harm the node.",
    remediation: "Set securityContext.runAsNonRoot: true on the pod (spec.securityContext) or on every container, and make sure the image or runAsUser gives a non-zero uid.",
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
        .filter(|c| {
            RUN_AS_NON_ROOT.effective(object, c) != Some(true)
                && RUN_AS_USER.effective(object, c).is_none_or(|uid| uid <= 0)
        })
        .map(|c| {
            container_hit(
                object,
                &c,
                RUN_AS_NON_ROOT.path(object, &c),
                "should set 'securityContext.runAsNonRoot' to true",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_without_run_as_non_root() {
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
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].securityContext.runAsNonRoot")
        );
        assert_eq!(
            found[0].message,
            "Container 'app' of Deployment 'web' should set 'securityContext.runAsNonRoot' to true"
        );
    }

    #[test]
    fn container_setting_overrides_pod() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext: {runAsNonRoot: true}
  containers:
  - name: app
    image: nginx:1.27
    securityContext: {runAsNonRoot: false}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.containers[0].securityContext.runAsNonRoot")
        );
    }

    #[test]
    fn inherits_pod_level_setting() {
        // trivy#4922: the pod-level runAsNonRoot covers every container.
        let found = hits(
            &CHECK,
            r#"
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          securityContext: {runAsNonRoot: true}
          initContainers:
          - name: init
            image: busybox:1.36
          containers:
          - name: app
            image: report:1
"#,
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn passes_with_non_zero_uid() {
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
"#,
        );
        assert!(found.is_empty());
    }

    #[test]
    fn pod_level_false_points_at_pod() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext: {runAsNonRoot: false}
  containers:
  - name: app
    image: nginx:1.27
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.securityContext.runAsNonRoot")
        );
    }
}
