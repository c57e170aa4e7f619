//! `restrictedVolumes` (restricted; replaces `hostPathVolumes`).
//!
//! Fields: `spec.volumes[*]`. Allowed sources: configMap, csi, downwardAPI,
//! emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret. Other
//! in-tree sources (hostPath, nfs, iscsi, ...) give the pod direct access to
//! node or network storage that the cluster's storage policy does not govern.
//!
//! A volume with no source at all is reported as type `unknown`, as upstream
//! does; the API server defaults such a volume to `emptyDir` before admission,
//! which [`crate::defaults::apply`] reproduces for manifests read from files.

use k8s_openapi::api::core::v1::{PodSpec, Volume};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckVersion, Forbidden, Remedy, join_quote, pluralize, sorted_set};
use crate::api::{Level, Version};

pub(crate) static CHECK: Check = Check {
    id: "restrictedVolumes",
    level: Level::Restricted,
    overrides: &["hostPathVolumes"],
    versions: &[CheckVersion {
        min_minor: 0,
        evaluate: v1_0,
    }],
    remedies,
};

fn allowed_source(v: &Volume) -> bool {
    v.config_map.is_some()
        || v.csi.is_some()
        || v.downward_api.is_some()
        || v.empty_dir.is_some()
        || v.ephemeral.is_some()
        || v.image.is_some()
        || v.persistent_volume_claim.is_some()
        || v.projected.is_some()
        || v.secret.is_some()
}

/// The restricted source's name, in upstream's precedence order; `unknown` when
/// the volume names no source kensa knows.
fn restricted_type(v: &Volume) -> &'static str {
    let sources = [
        (v.host_path.is_some(), "hostPath"),
        (v.gce_persistent_disk.is_some(), "gcePersistentDisk"),
        (v.aws_elastic_block_store.is_some(), "awsElasticBlockStore"),
        (v.git_repo.is_some(), "gitRepo"),
        (v.nfs.is_some(), "nfs"),
        (v.iscsi.is_some(), "iscsi"),
        (v.glusterfs.is_some(), "glusterfs"),
        (v.rbd.is_some(), "rbd"),
        (v.flex_volume.is_some(), "flexVolume"),
        (v.cinder.is_some(), "cinder"),
        (v.cephfs.is_some(), "cephfs"),
        (v.flocker.is_some(), "flocker"),
        (v.fc.is_some(), "fc"),
        (v.azure_file.is_some(), "azureFile"),
        (v.vsphere_volume.is_some(), "vsphereVolume"),
        (v.quobyte.is_some(), "quobyte"),
        (v.azure_disk.is_some(), "azureDisk"),
        (v.photon_persistent_disk.is_some(), "photonPersistentDisk"),
        (v.portworx_volume.is_some(), "portworxVolume"),
        (v.scale_io.is_some(), "scaleIO"),
        (v.storageos.is_some(), "storageos"),
    ];
    sources
        .iter()
        .find(|(present, _)| *present)
        .map_or("unknown", |(_, name)| *name)
}

fn restricted(spec: &PodSpec) -> impl Iterator<Item = (usize, &Volume, &'static str)> {
    spec.volumes
        .iter()
        .flatten()
        .enumerate()
        .filter(|(_, v)| !allowed_source(v))
        .map(|(i, v)| (i, v, restricted_type(v)))
}

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut names = Vec::new();
    let mut types = Vec::new();
    for (_, volume, kind) in restricted(spec) {
        names.push(volume.name.as_str());
        types.push(kind);
    }
    if names.is_empty() {
        return None;
    }
    let types = sorted_set(types);
    Forbidden::new(
        "restricted volume types",
        format!(
            "{} {} {} {} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names),
            pluralize("uses", "use", names.len()),
            pluralize(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            join_quote(&types)
        ),
    )
}

fn remedies(_: &ObjectMeta, spec: &PodSpec, _: Version) -> Vec<Remedy> {
    restricted(spec)
        .map(|(i, _, kind)| {
            Remedy::spec(
                if kind == "unknown" { format!("volumes[{i}]") } else { format!("volumes[{i}].{kind}") },
                "replace with configMap, secret, emptyDir, projected, csi, ephemeral or a persistentVolumeClaim",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::pod;

    #[test]
    fn restricted_types_sorted_names_in_order() {
        let (m, s) = pod(
            r#"{"spec":{"volumes":[{"name":"b","nfs":{"server":"s","path":"/"}},{"name":"ok","secret":{}},
            {"name":"a","hostPath":{"path":"/"}},{"name":"c","hostPath":{"path":"/"}}]}}"#,
        );
        assert_eq!(
            v1_0(&m, &s).unwrap().detail,
            r#"volumes "b", "a", "c" use restricted volume types "hostPath", "nfs""#
        );
    }

    #[test]
    fn sourceless_volume_is_unknown_until_defaulted() {
        let (m, mut s) = pod(r#"{"spec":{"volumes":[{"name":"volume0"}]}}"#);
        assert_eq!(
            v1_0(&m, &s).unwrap().detail,
            r#"volume "volume0" uses restricted volume type "unknown""#
        );
        crate::defaults::apply(&mut s);
        assert!(v1_0(&m, &s).is_none());
    }
}
