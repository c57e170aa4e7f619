//! The part of the API server's defaulting that changes Pod Security results.
//!
//! Admission sees pods after defaulting; a manifest on disk has not been
//! defaulted. Applying this to pods read from files makes offline results
//! match what the API server would decide.

use k8s_openapi::api::core::v1::{EmptyDirVolumeSource, PodSpec, Volume};

/// Applies API-server defaulting relevant to the checks:
/// a volume with no source becomes `emptyDir: {}` (core/v1 `SetDefaults_Volume`).
pub fn apply(spec: &mut PodSpec) {
    for volume in spec.volumes.iter_mut().flatten() {
        if !has_source(volume) {
            volume.empty_dir = Some(EmptyDirVolumeSource::default());
        }
    }
}

fn has_source(v: &Volume) -> bool {
    v.aws_elastic_block_store.is_some()
        || v.azure_disk.is_some()
        || v.azure_file.is_some()
        || v.cephfs.is_some()
        || v.cinder.is_some()
        || v.config_map.is_some()
        || v.csi.is_some()
        || v.downward_api.is_some()
        || v.empty_dir.is_some()
        || v.ephemeral.is_some()
        || v.fc.is_some()
        || v.flex_volume.is_some()
        || v.flocker.is_some()
        || v.gce_persistent_disk.is_some()
        || v.git_repo.is_some()
        || v.glusterfs.is_some()
        || v.host_path.is_some()
        || v.image.is_some()
        || v.iscsi.is_some()
        || v.nfs.is_some()
        || v.persistent_volume_claim.is_some()
        || v.photon_persistent_disk.is_some()
        || v.portworx_volume.is_some()
        || v.projected.is_some()
        || v.quobyte.is_some()
        || v.rbd.is_some()
        || v.scale_io.is_some()
        || v.secret.is_some()
        || v.storageos.is_some()
        || v.vsphere_volume.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sourceless_volumes_change() {
        let mut spec: PodSpec = serde_json::from_str(
            r#"{"containers":[],"volumes":[{"name":"a"},{"name":"b","hostPath":{"path":"/"}}]}"#,
        )
        .unwrap();
        apply(&mut spec);
        let volumes = spec.volumes.unwrap();
        assert!(volumes[0].empty_dir.is_some());
        assert!(volumes[1].empty_dir.is_none());
    }
}
