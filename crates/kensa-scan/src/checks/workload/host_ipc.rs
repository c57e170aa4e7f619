//! A pod with `hostIPC: true` shares the node's IPC namespace: its
//! containers can read and write the shared memory segments, semaphores and
//! message queues of every process on the node.
//!
//! Field: `hostIPC` of the pod spec. Passes when absent or false.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "pod-host-ipc",
    aliases: &["KSV-0008", "KSV008", "AVD-KSV-0008", "CKV_K8S_18"],
    title: "Access to host IPC namespace",
    severity: Severity::High,
    description: "Sharing the host's IPC namespace gives the containers access to the System V shared memory, semaphores and POSIX message queues of the node and its other pods, so they can read or tamper with data those processes exchange.",
    remediation: "Remove hostIPC from the pod spec (or set hostIPC: false).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    if object.pod_spec().and_then(|spec| spec.host_ipc) != Some(true) {
        return Vec::new();
    }
    let path = object.spec_path("hostIPC");
    let message = format!("{} should not set '{path}' to true", object.describe());
    vec![Hit::at(path, message)]
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_host_ipc() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      hostIPC: true
      containers: [{name: app, image: agent:1.0}]
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("spec.template.spec.hostIPC"));
        assert_eq!(
            found[0].message,
            "DaemonSet 'agent' should not set 'spec.template.spec.hostIPC' to true"
        );
    }

    #[test]
    fn passes_when_false_or_absent() {
        for spec in ["hostIPC: false", "dnsPolicy: ClusterFirst"] {
            let yaml = format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: web}}\nspec:\n  {spec}\n  containers: [{{name: app, image: nginx}}]\n"
            );
            assert!(hits(&CHECK, &yaml).is_empty(), "{spec}");
        }
    }
}
