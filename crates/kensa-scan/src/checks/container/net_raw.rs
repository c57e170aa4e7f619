//! `NET_RAW` lets a process open raw sockets: it can forge packets, spoof
//! addresses and mount ARP or DNS attacks on other pods of the node.
//!
//! Fields: `containers[*].securityContext.capabilities.add` and the same for
//! `initContainers`. Fails on every entry naming `NET_RAW` (any case, with or
//! without a `CAP_` prefix). Checkov's CKV_K8S_28 means something stricter (it
//! wants NET_RAW dropped, since most runtimes grant it by default); that is
//! `container-net-raw-not-dropped`.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::added_capability_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "container-cap-net-raw",
    aliases: &["KSV-0119", "KSV119", "AVD-KSV-0119"],
    title: "NET_RAW capability added",
    severity: Severity::High,
    description: "With CAP_NET_RAW a process can build packets by hand, which is enough to spoof traffic and poison ARP or DNS for the other pods on the same node. Ordinary network clients and servers do not need it.",
    remediation: "Remove NET_RAW from securityContext.capabilities.add; better, drop ALL capabilities and add back only the ones the process needs.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    added_capability_hits(object, "NET_RAW")
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_when_added() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: ping}
spec:
  initContainers:
  - name: probe
    image: busybox:1.36
    securityContext: {capabilities: {add: [net_raw]}}
  containers:
  - name: app
    image: nginx:1.27
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.initContainers[0].securityContext.capabilities.add[0]")
        );
        assert!(found[0].message.contains("'NET_RAW'"));
    }

    #[test]
    fn passes_without_it() {
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
    securityContext: {capabilities: {drop: [NET_RAW]}}
"#,
        );
        assert!(found.is_empty());
    }
}
