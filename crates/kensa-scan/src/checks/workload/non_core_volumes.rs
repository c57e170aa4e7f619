//! The restricted Pod Security Standard allows only core volume types
//! (configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim,
//! projected, secret). The in-tree network and cloud volume plugins mount
//! storage straight from the node, bypassing PersistentVolume admission, and
//! several are deprecated or removed.
//!
//! Field: `volumes[*]` of the pod spec. Fails once per volume of type
//! gcePersistentDisk, awsElasticBlockStore, gitRepo, nfs, iscsi, glusterfs,
//! rbd, flexVolume, cinder, cephfs, flocker, fc, azureFile, vsphereVolume,
//! quobyte, azureDisk, portworxVolume, scaleIO or storageos (Trivy's list),
//! and photonPersistentDisk (also outside the restricted set). hostPath is
//! left to `pod-hostpath-volume`.

use k8s_openapi::api::core::v1::Volume;
use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::volumes;

/// The check.
pub static CHECK: Check = Check {
    id: "pod-non-core-volume-types",
    aliases: &["KSV-0028", "KSV028", "AVD-KSV-0028"],
    title: "Non-core volume types used.",
    severity: Severity::Low,
    description: "In-tree storage plugins such as nfs, iscsi, rbd, gitRepo or the cloud disk types let a pod attach storage directly from its spec, with the node's credentials and outside the PersistentVolume workflow; gitRepo even runs git on the node. The restricted Pod Security Standard forbids them.",
    remediation: "Use a persistentVolumeClaim (backed by a CSI driver) or a csi, ephemeral, emptyDir, configMap, secret, projected or downwardAPI volume instead; clone repositories with an init container into an emptyDir instead of gitRepo.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

/// The field names of the disallowed volume types set on `volume`.
fn non_core_types(volume: &Volume) -> Vec<&'static str> {
    let set = [
        ("gcePersistentDisk", volume.gce_persistent_disk.is_some()),
        (
            "awsElasticBlockStore",
            volume.aws_elastic_block_store.is_some(),
        ),
        ("gitRepo", volume.git_repo.is_some()),
        ("nfs", volume.nfs.is_some()),
        ("iscsi", volume.iscsi.is_some()),
        ("glusterfs", volume.glusterfs.is_some()),
        ("rbd", volume.rbd.is_some()),
        ("flexVolume", volume.flex_volume.is_some()),
        ("cinder", volume.cinder.is_some()),
        ("cephfs", volume.cephfs.is_some()),
        ("flocker", volume.flocker.is_some()),
        ("fc", volume.fc.is_some()),
        ("azureFile", volume.azure_file.is_some()),
        ("vsphereVolume", volume.vsphere_volume.is_some()),
        ("quobyte", volume.quobyte.is_some()),
        ("azureDisk", volume.azure_disk.is_some()),
        ("portworxVolume", volume.portworx_volume.is_some()),
        ("scaleIO", volume.scale_io.is_some()),
        ("storageos", volume.storageos.is_some()),
        (
            "photonPersistentDisk",
            volume.photon_persistent_disk.is_some(),
        ),
    ];
    set.into_iter()
        .filter_map(|(name, present)| present.then_some(name))
        .collect()
}

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let mut out = Vec::new();
    for volume in volumes(object) {
        for kind in non_core_types(volume.volume) {
            let path = format!("{}.{kind}", volume.path);
            let message = format!(
                "{} should not use the '{kind}' volume type for volume '{}' ('{path}')",
                object.describe(),
                volume.volume.name,
            );
            out.push(Hit::at(path, message));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_non_core_types() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    spec:
      containers: [{name: app, image: postgres:16}]
      volumes:
      - name: data
        persistentVolumeClaim: {claimName: data}
      - name: share
        nfs: {server: nfs.example.com, path: /exports}
      - name: src
        gitRepo: {repository: "https://example.com/repo.git"}
"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.volumes[1].nfs")
        );
        assert_eq!(
            found[0].message,
            "StatefulSet 'db' should not use the 'nfs' volume type for volume 'share' ('spec.template.spec.volumes[1].nfs')"
        );
        assert_eq!(
            found[1].path.as_deref(),
            Some("spec.template.spec.volumes[2].gitRepo")
        );
    }

    #[test]
    fn passes_on_core_types() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: app, image: nginx}]
  volumes:
  - {name: a, emptyDir: {}}
  - {name: b, configMap: {name: cfg}}
  - {name: c, secret: {secretName: s}}
  - {name: d, persistentVolumeClaim: {claimName: data}}
  - {name: e, csi: {driver: secrets-store.csi.k8s.io}}
  - {name: f, projected: {sources: []}}
"#,
        );
        assert!(found.is_empty());
    }
}
