//! Without a memory limit a container may use all the memory of its node,
//! pushing other pods out when it leaks or is abused.
//!
//! Fields: `containers[*].resources.limits.memory` and the same for
//! `initContainers`. Passes when set to a non-empty quantity.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::missing_resource_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "container-memory-limit",
    aliases: &["KSV-0018", "KSV018", "AVD-KSV-0018", "CKV_K8S_13"],
    title: "Memory not limited",
    severity: Severity::Low,
    description: "A container without a memory limit can grow until its node runs out of memory, at which point the kernel kills processes and the kubelet evicts other pods; a compromised container can do this on purpose.",
    remediation: "Set resources.limits.memory on every container and init container to the most memory it should ever use (e.g. 256Mi).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    missing_resource_hits(object, "limits", "memory")
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
          limits: {memory: "1"}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].resources.limits.memory")
        );
        assert_eq!(
            found[0].message,
            "Container 'db' of StatefulSet 'db' should set 'resources.limits.memory'"
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
