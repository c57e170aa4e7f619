//! Sysctls set in a pod's security context change kernel parameters. Only a
//! small set is namespaced per pod and isolated from the node and other
//! pods; the rest (or those the kubelet must explicitly allow) can weaken
//! the node or affect every pod on it.
//!
//! Field: `securityContext.sysctls[*].name` of the pod spec. Passes when
//! every name is in the baseline Pod Security Standard's safe set for the
//! cluster's Kubernetes version (`Settings::kubernetes_minor`):
//! `kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`,
//! `net.ipv4.ip_unprivileged_port_start`, `net.ipv4.tcp_syncookies` and
//! `net.ipv4.ping_group_range`; from 1.27 also
//! `net.ipv4.ip_local_reserved_ports`; from 1.29 also
//! `net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_fin_timeout`,
//! `net.ipv4.tcp_keepalive_intvl` and `net.ipv4.tcp_keepalive_probes`; from
//! 1.32 also `net.ipv4.tcp_rmem` and `net.ipv4.tcp_wmem`. Fails once per
//! sysctl outside that set.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "pod-unsafe-sysctls",
    aliases: &["KSV-0026", "KSV026", "AVD-KSV-0026"],
    title: "Unsafe sysctl options set",
    severity: Severity::Medium,
    description: "Kernel parameters outside the safe, pod-namespaced set either apply to the whole node or are not isolated between pods, so a pod setting them can weaken kernel protections or degrade every other workload on the node.",
    remediation: "Remove the sysctls outside the safe set from spec.securityContext.sysctls; if a node-level kernel setting is really needed, configure it on the nodes (or a dedicated node pool) rather than from the pod.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

/// Safe since the beginning.
const SAFE_1_0: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
];

/// Added to the safe set in 1.27.
const SAFE_1_27: &[&str] = &["net.ipv4.ip_local_reserved_ports"];

/// Added to the safe set in 1.29.
const SAFE_1_29: &[&str] = &[
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

/// Added to the safe set in 1.32.
const SAFE_1_32: &[&str] = &["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];

/// Whether `name` is a safe sysctl on Kubernetes 1.`minor`.
fn is_safe(name: &str, minor: u32) -> bool {
    let sets: [(u32, &[&str]); 4] = [
        (0, SAFE_1_0),
        (27, SAFE_1_27),
        (29, SAFE_1_29),
        (32, SAFE_1_32),
    ];
    sets.iter()
        .any(|(since, set)| minor >= *since && set.contains(&name))
}

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let Some(sysctls) = object
        .pod_security_context()
        .and_then(|sc| sc.sysctls.as_deref())
    else {
        return Vec::new();
    };
    let minor = object.settings.kubernetes_minor;
    sysctls
        .iter()
        .enumerate()
        .filter(|(_, sysctl)| !is_safe(&sysctl.name, minor))
        .map(|(i, sysctl)| {
            let path = object.spec_path(&format!("securityContext.sysctls[{i}].name"));
            let message = format!(
                "{} should not set the unsafe sysctl '{}' ('{path}')",
                object.describe(),
                sysctl.name
            );
            Hit::at(path, message)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::context::Settings;
    use crate::testing::{hits, hits_with};

    use super::CHECK;

    const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: tuned}
spec:
  containers: [{name: app, image: nginx}]
  securityContext:
    sysctls:
    - {name: kernel.shm_rmid_forced, value: "1"}
    - {name: net.core.somaxconn, value: "1024"}
    - {name: net.ipv4.tcp_keepalive_time, value: "600"}
    - {name: net.ipv4.tcp_rmem, value: "4096 87380 6291456"}
"#;

    #[test]
    fn fails_on_unsafe_sysctls() {
        let found = hits(&CHECK, POD);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.securityContext.sysctls[1].name")
        );
        assert_eq!(
            found[0].message,
            "Pod 'tuned' should not set the unsafe sysctl 'net.core.somaxconn' ('spec.securityContext.sysctls[1].name')"
        );
    }

    #[test]
    fn the_safe_set_follows_the_kubernetes_version() {
        let settings = Settings {
            kubernetes_minor: 28,
            ..Settings::default()
        };
        let found = hits_with(&CHECK, POD, &settings);
        let names: Vec<_> = found.iter().filter_map(|h| h.path.as_deref()).collect();
        assert_eq!(
            names,
            [
                "spec.securityContext.sysctls[1].name",
                "spec.securityContext.sysctls[2].name",
                "spec.securityContext.sysctls[3].name"
            ]
        );
        let settings = Settings {
            kubernetes_minor: 30,
            ..Settings::default()
        };
        assert_eq!(hits_with(&CHECK, POD, &settings).len(), 2);
    }

    #[test]
    fn passes_on_safe_sysctls() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      securityContext:
        sysctls: [{name: net.ipv4.ip_local_port_range, value: "1024 65535"}]
      containers: [{name: app, image: nginx}]
"#,
        );
        assert!(found.is_empty());
    }
}
