//! A pod with `hostPID: true` shares the node's process ID namespace: its
//! containers see every process of the node and of other pods, can read
//! their environment and command lines, and may signal or trace them.
//!
//! Field: `hostPID` of the pod spec. Passes when absent or false.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "pod-host-pid",
    aliases: &["KSV-0010", "KSV010", "AVD-KSV-0010", "CKV_K8S_17"],
    title: "Access to host PID",
    severity: Severity::High,
    description: "Sharing the host's PID namespace lets the containers list and inspect every process on the node, read secrets from other processes' environments and command lines, and, with enough privileges, kill or ptrace them or enter their namespaces.",
    remediation: "Remove hostPID from the pod spec (or set hostPID: false).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    if object.pod_spec().and_then(|spec| spec.host_pid) != Some(true) {
        return Vec::new();
    }
    let path = object.spec_path("hostPID");
    let message = format!("{} should not set '{path}' to true", object.describe());
    vec![Hit::at(path, message)]
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_host_pid() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      hostPID: true
      containers: [{name: app, image: agent:1.0}]
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("spec.template.spec.hostPID"));
        assert_eq!(
            found[0].message,
            "DaemonSet 'agent' should not set 'spec.template.spec.hostPID' to true"
        );
    }

    #[test]
    fn passes_when_false_or_absent() {
        for spec in ["hostPID: false", "dnsPolicy: ClusterFirst"] {
            let yaml = format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: web}}\nspec:\n  {spec}\n  containers: [{{name: app, image: nginx}}]\n"
            );
            assert!(hits(&CHECK, &yaml).is_empty(), "{spec}");
        }
    }
}
