//! A liveness probe lets the kubelet notice a container that is running but
//! stuck (deadlocked, out of connections) and restart it. Without one, a hung
//! container stays up and keeps failing requests.
//!
//! Fields: `containers[*].livenessProbe` (init containers are left out: they
//! run to completion before the pod is ready). Jobs and CronJobs are skipped,
//! as Checkov skips them: their pods run to completion and are not served
//! traffic. Fails for every container without a liveness probe.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::missing_probe_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "container-liveness-probe",
    aliases: &["CKV_K8S_8"],
    title: "Liveness probe should be configured",
    severity: Severity::Low,
    description: "A liveness probe lets the kubelet notice a container that is running but stuck (deadlocked, out of connections) and restart it. Without one, a hung container stays up and keeps failing requests.",
    remediation: "Add a livenessProbe (httpGet, tcpSocket, grpc or exec) to every long-running container, checking something cheap that only fails when a restart would help.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    missing_probe_hits(object, "livenessProbe", "a liveness probe", |c| {
        c.liveness_probe.is_some()
    })
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_without_probe() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
      - name: init
        image: busybox:1.36
      containers:
      - name: app
        image: nginx:1.27
      - name: probed
        image: envoy:1.30
        livenessProbe:
          httpGet: {path: /healthz, port: 8080}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].livenessProbe")
        );
        assert_eq!(
            found[0].message,
            "Container 'app' of Deployment 'web' should configure a liveness probe in 'livenessProbe'"
        );
    }

    #[test]
    fn passes_with_probe() {
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
    livenessProbe:
      tcpSocket: {port: 8080}
"#,
        );
        assert!(found.is_empty());
    }

    #[test]
    fn skips_jobs() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: batch/v1
kind: Job
metadata: {name: task}
spec:
  template:
    spec:
      containers:
      - name: app
        image: task:1
"#,
        );
        assert!(found.is_empty());
    }
}
