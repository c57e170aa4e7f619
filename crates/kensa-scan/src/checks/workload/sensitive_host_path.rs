//! Some host directories hold the node itself: its root filesystem, boot
//! files, devices, configuration, libraries, kernel interfaces and the
//! container runtime's data. Mounting one of them into a pod is close to
//! handing the pod the node.
//!
//! Field: `volumes[*].hostPath.path` of the pod spec. Fails when the path is
//! exactly one of `/`, `/boot`, `/dev`, `/etc`, `/lib`, `/proc`, `/sys`,
//! `/usr` or `/var/lib/docker` (trailing slashes ignored); subdirectories
//! pass here, as in Trivy (`pod-hostpath-volume` still reports them).

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{host_path_volumes, normalize_host_path};

/// The check.
pub static CHECK: Check = Check {
    id: "pod-sensitive-hostpath",
    aliases: &["KSV-0121", "KSV121", "AVD-KSV-0121"],
    title: "Kubernetes resource with disallowed volumes mounted",
    severity: Severity::High,
    description: "Mounting the node's root, /boot, /dev, /etc, /lib, /proc, /sys, /usr or /var/lib/docker exposes the node's configuration, credentials, devices, kernel tunables or the runtime's container layers; with write access a pod can change how the node boots or runs and take it over.",
    remediation: "Remove the hostPath volume for the system directory. Mount only a narrow, dedicated path (read-only where possible), or use a configMap, secret, emptyDir or persistentVolumeClaim volume.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

const DISALLOWED: &[&str] = &[
    "/",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/proc",
    "/sys",
    "/usr",
    "/var/lib/docker",
];

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    host_path_volumes(object)
        .into_iter()
        .filter(|(_, host_path)| DISALLOWED.contains(&normalize_host_path(&host_path.path)))
        .map(|(volume, host_path)| {
            let path = format!("{}.hostPath.path", volume.path);
            let message = format!(
                "{} should not mount the host directory '{}' through volume '{}' ('{path}')",
                object.describe(),
                host_path.path,
                volume.volume.name,
            );
            Hit::at(path, message)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_system_directories() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: node-agent}
spec:
  containers: [{name: app, image: agent:1}]
  volumes:
  - name: root
    hostPath: {path: /}
  - name: logs
    hostPath: {path: /var/log}
  - name: etc
    hostPath: {path: /etc/}
"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.volumes[0].hostPath.path")
        );
        assert_eq!(
            found[0].message,
            "Pod 'node-agent' should not mount the host directory '/' through volume 'root' ('spec.volumes[0].hostPath.path')"
        );
        assert_eq!(
            found[1].path.as_deref(),
            Some("spec.volumes[2].hostPath.path")
        );
    }

    #[test]
    fn passes_on_subdirectories_and_other_paths() {
        let found = hits(
            &CHECK,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: app, image: nginx}]\n  volumes: [{name: a, hostPath: {path: /etc/ssl/certs}}, {name: b, hostPath: {path: /var/log}}]\n",
        );
        assert!(found.is_empty());
    }
}
