//! Most container runtimes (containerd, CRI-O before 1.18, Docker) hand every
//! container `NET_RAW` by default, so a container that never drops it can
//! open raw sockets even though its manifest adds nothing: enough to forge
//! packets and spoof ARP or DNS answers to the other pods of the node.
//!
//! Fields: `containers[*].securityContext.capabilities.drop` and the same
//! for `initContainers`. Fails for every container whose drop list holds
//! neither `NET_RAW` nor `ALL` (any case, with or without a `CAP_` prefix),
//! at the drop list (or the nearest place it belongs). Passes when one of
//! them is dropped. This is Checkov's CKV_K8S_28. It differs from its
//! neighbour `container-cap-net-raw` (Trivy's KSV-0119), which only fails
//! when `NET_RAW` is explicitly *added*, and from
//! `container-capabilities-drop-all`, which insists on `ALL`.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{capability_name, container_hit, dropped_capabilities};

/// The check.
pub static CHECK: Check = Check {
    id: "container-net-raw-not-dropped",
    aliases: &["CKV_K8S_28"],
    title: "Container does not drop the NET_RAW capability",
    severity: Severity::Low,
    description: "Container runtimes grant NET_RAW unless it is dropped, so a container that says nothing about it can still craft raw packets and use them to spoof traffic or poison ARP and DNS for its neighbours on the node. Almost no application needs it.",
    remediation: "Add \"NET_RAW\" to securityContext.capabilities.drop of every container and init container, or better set capabilities.drop: [\"ALL\"] and add back only what the process needs.",
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
        .filter(|container| {
            !dropped_capabilities(container)
                .unwrap_or_default()
                .iter()
                .map(|cap| capability_name(cap))
                .any(|cap| cap == "NET_RAW" || cap == "ALL")
        })
        .map(|container| {
            container_hit(
                object,
                &container,
                container.security_path("capabilities.drop"),
                "should add 'NET_RAW' (or 'ALL') to 'securityContext.capabilities.drop'",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_when_net_raw_is_kept() {
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
      - name: setup
        image: busybox:1.36
        securityContext: {capabilities: {drop: [SYS_ADMIN]}}
      containers:
      - name: app
        image: nginx:1.27
      - name: side
        image: envoy:1.30
        securityContext: {capabilities: {drop: [cap_net_raw]}}
"#,
        );
        let paths: Vec<_> = found.iter().map(|hit| hit.path.as_deref()).collect();
        assert_eq!(
            paths,
            [
                Some("spec.template.spec.containers[0].securityContext.capabilities.drop"),
                Some("spec.template.spec.initContainers[0].securityContext.capabilities.drop"),
            ]
        );
        assert_eq!(
            found[0].message,
            "Container 'app' of Deployment 'web' should add 'NET_RAW' (or 'ALL') to 'securityContext.capabilities.drop'"
        );
    }

    #[test]
    fn passes_when_net_raw_or_all_is_dropped() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers:
  - name: setup
    image: busybox:1.36
    securityContext: {capabilities: {drop: [all]}}
  containers:
  - name: app
    image: nginx:1.27
    securityContext: {capabilities: {drop: [CHOWN, NET_RAW]}}
"#,
        );
        assert!(found.is_empty());
    }

    #[test]
    fn an_empty_drop_list_fails() {
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
    securityContext: {capabilities: {drop: []}}
"#,
        );
        assert_eq!(found.len(), 1);
    }
}
