//! Helpers shared by the workload checks: walking the pod's volumes,
//! reading labels and recognising Tiller.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{HostPathVolumeSource, Volume};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::context::{ContainerRef, ObjectContext};

/// A volume of the pod spec, with its index and path.
pub(crate) struct VolumeRef<'a> {
    /// The volume.
    pub volume: &'a Volume,
    /// Its path from the object root, e.g. `spec.template.spec.volumes[2]`.
    pub path: String,
}

/// The volumes of a workload's pod spec, in order.
pub(crate) fn volumes<'a>(object: &ObjectContext<'a>) -> Vec<VolumeRef<'a>> {
    let Some(volumes) = object.pod_spec().and_then(|spec| spec.volumes.as_deref()) else {
        return Vec::new();
    };
    volumes
        .iter()
        .enumerate()
        .map(|(i, volume)| VolumeRef {
            volume,
            path: object.spec_path(&format!("volumes[{i}]")),
        })
        .collect()
}

/// The hostPath volumes of a workload's pod spec, with each volume's path.
pub(crate) fn host_path_volumes<'a>(
    object: &ObjectContext<'a>,
) -> Vec<(VolumeRef<'a>, &'a HostPathVolumeSource)> {
    volumes(object)
        .into_iter()
        .filter_map(|v| {
            let host_path = v.volume.host_path.as_ref()?;
            Some((v, host_path))
        })
        .collect()
}

/// A host path without its trailing slashes (`/etc/` is `/etc`); the root
/// stays `/`.
pub(crate) fn normalize_host_path(path: &str) -> &str {
    let trimmed = path.trim().trim_end_matches('/');
    if trimmed.is_empty() && path.trim().starts_with('/') {
        "/"
    } else {
        trimmed
    }
}

/// The value of label `key` in `labels`, if set.
pub(crate) fn label<'a>(
    labels: Option<&'a BTreeMap<String, String>>,
    key: &str,
) -> Option<&'a str> {
    labels
        .and_then(|labels| labels.get(key))
        .map(String::as_str)
}

/// Whether Tiller's metadata markers show on `meta`: a name containing
/// `tiller`, or Helm v2's labels `app: helm` or `name: tiller`.
pub(crate) fn has_tiller_metadata(meta: &ObjectMeta) -> bool {
    let labels = meta.labels.as_ref();
    meta.name
        .as_deref()
        .is_some_and(|name| name.contains("tiller"))
        || label(labels, "app") == Some("helm")
        || label(labels, "name") == Some("tiller")
}

/// The containers of a Tiller workload: those whose image contains
/// `tiller`; when none does but the object or its pod template carries
/// Tiller's metadata markers, every container. Empty for other workloads.
pub(crate) fn tiller_containers<'a>(object: &ObjectContext<'a>) -> Vec<ContainerRef<'a>> {
    let containers = object.containers();
    let by_image: Vec<ContainerRef<'a>> = containers
        .iter()
        .filter(|c| {
            c.container
                .image
                .as_deref()
                .is_some_and(|image| image.contains("tiller"))
        })
        .cloned()
        .collect();
    if !by_image.is_empty() {
        return by_image;
    }
    let marked = has_tiller_metadata(object.metadata())
        || object
            .pod()
            .is_some_and(|pod| has_tiller_metadata(&pod.metadata));
    if marked { containers } else { Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::normalize_host_path;

    #[test]
    fn normalizes_trailing_slashes() {
        assert_eq!(normalize_host_path("/etc/"), "/etc");
        assert_eq!(normalize_host_path("/"), "/");
        assert_eq!(normalize_host_path("//"), "/");
        assert_eq!(normalize_host_path("/var/lib/docker"), "/var/lib/docker");
        assert_eq!(normalize_host_path(""), "");
    }
}
