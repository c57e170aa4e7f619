//! A pod with `hostNetwork: true` shares the node's network namespace: it
//! sees every interface of the node, can listen on any host port and can
//! reach services bound to the node's loopback address.
//!
//! Field: `hostNetwork` of the pod spec. Passes when absent or false.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "pod-host-network",
    aliases: &["KSV-0009", "KSV009", "AVD-KSV-0009", "CKV_K8S_19"],
    title: "Access to host network",
    severity: Severity::High,
    description: "A pod on the host network uses the node's own network stack: it can sniff or spoof the node's traffic, bind any port of the node and talk to daemons that only listen on the node's loopback interface, and network policies no longer isolate it.",
    remediation: "Remove hostNetwork from the pod spec (or set hostNetwork: false) and expose the workload through a Service instead.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    if object.pod_spec().and_then(|spec| spec.host_network) != Some(true) {
        return Vec::new();
    }
    let path = object.spec_path("hostNetwork");
    let message = format!("{} should not set '{path}' to true", object.describe());
    vec![Hit::at(path, message)]
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_host_network() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      hostNetwork: true
      containers: [{name: app, image: agent:1.0}]
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.hostNetwork")
        );
        assert_eq!(
            found[0].message,
            "DaemonSet 'agent' should not set 'spec.template.spec.hostNetwork' to true"
        );
    }

    #[test]
    fn passes_when_false_or_absent() {
        for spec in ["hostNetwork: false", "dnsPolicy: ClusterFirst"] {
            let yaml = format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: web}}\nspec:\n  {spec}\n  containers: [{{name: app, image: nginx}}]\n"
            );
            assert!(hits(&CHECK, &yaml).is_empty(), "{spec}");
        }
    }
}
