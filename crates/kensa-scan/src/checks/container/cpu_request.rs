//! The scheduler places pods by their CPU requests; a container without one is
//! treated as needing almost nothing.
//!
//! Fields: `containers[*].resources.requests.cpu` and the same for
//! `initContainers`. Passes when set to a non-empty quantity (Kubernetes copies
//! a limit into an unset request at admission; like Trivy, this check looks
//! only at what the manifest says).

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::missing_resource_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "container-cpu-request",
    aliases: &["KSV-0015", "KSV015", "AVD-KSV-0015", "CKV_K8S_10"],
    title: "CPU requests not specified",
    severity: Severity::Low,
    description: "The scheduler places pods by their requests. A container without a CPU request can land on a node that cannot serve it, and under contention it gets the smallest share of CPU.",
    remediation: "Set resources.requests.cpu on every container and init container to the CPU it needs in normal operation (e.g. 100m).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    missing_resource_hits(object, "requests", "cpu")
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_when_unset() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  template:
    spec:
      containers:
      - name: db
        image: postgres:17
        resources:
          requests: {}
      - name: exporter
        image: exporter:1
        resources:
          requests: {cpu: "1"}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].resources.requests.cpu")
        );
        assert_eq!(
            found[0].message,
            "Container 'db' of StatefulSet 'db' should set 'resources.requests.cpu'"
        );
    }

    #[test]
    fn passes_when_set() {
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
    resources:
      limits: {cpu: 500m, memory: 256Mi}
      requests: {cpu: 100m, memory: 128Mi}
"#,
        );
        assert!(found.is_empty());
    }
}
