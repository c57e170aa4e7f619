//! Without a CPU limit a container may use every CPU of its node, starving its
//! neighbours when it misbehaves or is abused (a crypto miner, a busy loop).
//!
//! Fields: `containers[*].resources.limits.cpu` and the same for
//! `initContainers`. Passes when set to a non-empty quantity.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::missing_resource_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "container-cpu-limit",
    aliases: &["KSV-0011", "KSV011", "AVD-KSV-0011", "CKV_K8S_11"],
    title: "CPU not limited",
    severity: Severity::Low,
    description: "A container without a CPU limit can take all the CPU time of its node, slowing down or starving the other pods there; a compromised container can turn that into a denial of service.",
    remediation: "Set resources.limits.cpu on every container and init container to the most CPU it should ever use (e.g. 500m).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    missing_resource_hits(object, "limits", "cpu")
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
          limits: {}
      - name: exporter
        image: exporter:1
        resources:
          limits: {cpu: "1"}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].resources.limits.cpu")
        );
        assert_eq!(
            found[0].message,
            "Container 'db' of StatefulSet 'db' should set 'resources.limits.cpu'"
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
