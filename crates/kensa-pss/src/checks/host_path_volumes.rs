//! `hostPathVolumes` (baseline; replaced by `restrictedVolumes` at restricted).
//!
//! Fields: `spec.volumes[*].hostPath`. Allowed: no hostPath volumes. A hostPath
//! mount exposes the node's filesystem: credentials, the container runtime socket.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckVersion, Forbidden, Remedy, join_quote, pluralize};
use crate::api::{Level, Version};

pub(crate) static CHECK: Check = Check {
    id: "hostPathVolumes",
    level: Level::Baseline,
    overrides: &[],
    versions: &[CheckVersion {
        min_minor: 0,
        evaluate: v1_0,
    }],
    remedies,
};

fn host_path_volumes(spec: &PodSpec) -> impl Iterator<Item = (usize, &str)> {
    spec.volumes
        .iter()
        .flatten()
        .enumerate()
        .filter(|(_, v)| v.host_path.is_some())
        .map(|(i, v)| (i, v.name.as_str()))
}

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let names: Vec<&str> = host_path_volumes(spec).map(|(_, name)| name).collect();
    if names.is_empty() {
        return None;
    }
    Forbidden::new(
        "hostPath volumes",
        format!(
            "{} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names)
        ),
    )
}

fn remedies(_: &ObjectMeta, spec: &PodSpec, _: Version) -> Vec<Remedy> {
    host_path_volumes(spec)
        .map(|(i, _)| {
            Remedy::spec(
                format!("volumes[{i}].hostPath"),
                "replace with emptyDir, configMap, secret or a persistentVolumeClaim",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::pod;

    #[test]
    fn names_in_spec_order() {
        let (m, s) = pod(
            r#"{"spec":{"volumes":[{"name":"b","hostPath":{"path":"/"}},{"name":"e","emptyDir":{}},{"name":"a","hostPath":{"path":"/x"}}]}}"#,
        );
        assert_eq!(v1_0(&m, &s).unwrap().detail, r#"volumes "b", "a""#);
        assert_eq!(
            remedies(&m, &s, Version::Latest)[1].path,
            "volumes[2].hostPath"
        );
    }

    #[test]
    fn other_volumes_pass() {
        let (m, s) = pod(r#"{"spec":{"volumes":[{"name":"e","emptyDir":{}}]}}"#);
        assert!(v1_0(&m, &s).is_none());
    }
}
