//! Mounting the Docker daemon's socket into a pod hands the pod the daemon's
//! API, which runs as root on the node: it can start privileged containers
//! that mount the node's filesystem.
//!
//! Field: `volumes[*].hostPath.path` of the pod spec. Fails when it is
//! `/var/run/docker.sock` (Trivy's and Checkov's test) or `/run/docker.sock`
//! (the same file on hosts where `/var/run` links to `/run`); trailing
//! slashes are ignored. Other hostPath volumes pass here (see
//! `pod-hostpath-volume`).

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{host_path_volumes, normalize_host_path};

/// The check.
pub static CHECK: Check = Check {
    id: "pod-docker-socket",
    aliases: &["KSV-0006", "KSV006", "AVD-KSV-0006", "CKV_K8S_27"],
    title: "hostPath volume mounted with docker.sock",
    severity: Severity::High,
    description: "Whoever can talk to the Docker socket controls the Docker daemon, which runs as root on the node: a pod with the socket mounted can start a privileged container with the node's root filesystem mounted and take over the node, even if the volume is mounted read-only.",
    remediation: "Remove the hostPath volume for /var/run/docker.sock. Build images with a daemonless builder (BuildKit rootless, Kaniko, Buildah) and read container data through the Kubernetes API instead.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

const DOCKER_SOCKETS: &[&str] = &["/var/run/docker.sock", "/run/docker.sock"];

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    host_path_volumes(object)
        .into_iter()
        .filter(|(_, host_path)| DOCKER_SOCKETS.contains(&normalize_host_path(&host_path.path)))
        .map(|(volume, host_path)| {
            let path = format!("{}.hostPath.path", volume.path);
            let message = format!(
                "{} should not mount the Docker socket '{}' through volume '{}' ('{path}')",
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
    fn fails_on_docker_socket() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: builder}
spec:
  template:
    spec:
      containers: [{name: app, image: builder:1}]
      volumes:
      - name: logs
        hostPath: {path: /var/log}
      - name: docker
        hostPath: {path: /var/run/docker.sock, type: Socket}
      - name: docker2
        hostPath: {path: /run/docker.sock}
"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.volumes[1].hostPath.path")
        );
        assert_eq!(
            found[0].message,
            "DaemonSet 'builder' should not mount the Docker socket '/var/run/docker.sock' through volume 'docker' ('spec.template.spec.volumes[1].hostPath.path')"
        );
        assert_eq!(
            found[1].path.as_deref(),
            Some("spec.template.spec.volumes[2].hostPath.path")
        );
    }

    #[test]
    fn passes_on_other_host_paths() {
        let found = hits(
            &CHECK,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: app, image: nginx}]\n  volumes: [{name: logs, hostPath: {path: /var/log}}, {name: tmp, emptyDir: {}}]\n",
        );
        assert!(found.is_empty());
    }
}
