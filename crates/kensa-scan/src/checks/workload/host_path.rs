//! A hostPath volume mounts a file or directory of the node into the pod.
//! Whatever the pod can write there persists on the node and may be read
//! by the node's own services; whatever it can read leaks node data.
//!
//! Field: `volumes[*].hostPath` of the pod spec. Fails once per hostPath
//! volume; passes when the pod has none.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::host_path_volumes;

/// The check.
pub static CHECK: Check = Check {
    id: "pod-hostpath-volume",
    aliases: &["KSV-0023", "KSV023", "AVD-KSV-0023"],
    title: "hostPath volumes mounted",
    severity: Severity::Medium,
    description: "hostPath volumes break the isolation between a pod and its node: the pod can read node files (credentials, logs, other pods' data) and, when writable, plant files that node services or later pods pick up. Many container escapes start from a hostPath mount.",
    remediation: "Replace hostPath volumes with emptyDir, configMap, secret, projected or persistentVolumeClaim volumes; where node access is unavoidable, confine the workload to a dedicated namespace and mount only the narrowest path read-only.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    host_path_volumes(object)
        .into_iter()
        .map(|(volume, host_path)| {
            Hit::at(
                format!("{}.hostPath", volume.path),
                format!(
                    "{} should not mount the host path '{}' through volume '{}' ('{}.hostPath')",
                    object.describe(),
                    host_path.path,
                    volume.volume.name,
                    volume.path
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_each_host_path_volume() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers: [{name: app, image: nginx}]
      volumes:
      - name: cache
        emptyDir: {}
      - name: logs
        hostPath: {path: /var/log}
      - name: data
        hostPath: {path: /srv/data, type: Directory}
"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.volumes[1].hostPath")
        );
        assert_eq!(
            found[0].message,
            "Deployment 'web' should not mount the host path '/var/log' through volume 'logs' ('spec.template.spec.volumes[1].hostPath')"
        );
        assert_eq!(
            found[1].path.as_deref(),
            Some("spec.template.spec.volumes[2].hostPath")
        );
    }

    #[test]
    fn passes_without_host_path() {
        let found = hits(
            &CHECK,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: app, image: nginx}]\n  volumes: [{name: tmp, emptyDir: {}}]\n",
        );
        assert!(found.is_empty());
    }
}
