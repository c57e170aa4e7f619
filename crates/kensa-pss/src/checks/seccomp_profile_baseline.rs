//! `seccompProfile_baseline` (baseline).
//!
//! v1.0 (before the field existed) looks at annotations
//! `seccomp.security.alpha.kubernetes.io/pod` and
//! `container.seccomp.security.alpha.kubernetes.io/<container name>`: allowed
//! values `runtime/default`, `docker/default`, `localhost/*`.
//! From v1.19 it looks at `seccompProfile.type` at pod level and in every
//! container (annotations are ignored): allowed `RuntimeDefault` and `Localhost`
//! when set. `Unconfined` turns syscall filtering off.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{
    Check, CheckVersion, Forbidden, Remedy, containers, go_quote, join_quote, pluralize, setters,
    sorted_set,
};
use crate::api::{Level, Version};

pub(crate) static CHECK: Check = Check {
    id: "seccompProfile_baseline",
    level: Level::Baseline,
    overrides: &[],
    versions: &[
        CheckVersion {
            min_minor: 0,
            evaluate: v1_0,
        },
        CheckVersion {
            min_minor: 19,
            evaluate: v1_19,
        },
    ],
    remedies,
};

const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

fn valid_annotation(value: &str) -> bool {
    value == "runtime/default" || value == "docker/default" || value.starts_with("localhost/")
}

/// True for the profile types both seccomp checks accept.
pub(crate) fn valid_type(kind: &str) -> bool {
    kind == "RuntimeDefault" || kind == "Localhost"
}

/// (annotation key, value) pairs that v1.0 rejects: the pod's, and those of containers that exist.
fn bad_annotations<'a>(meta: &'a ObjectMeta, spec: &'a PodSpec) -> Vec<(String, &'a str)> {
    let Some(annotations) = meta.annotations.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(value) = annotations
        .get(POD_ANNOTATION)
        .filter(|v| !valid_annotation(v))
    {
        out.push((POD_ANNOTATION.to_owned(), value.as_str()));
    }
    for c in containers(spec) {
        let key = format!("{CONTAINER_ANNOTATION_PREFIX}{}", c.name);
        if let Some(value) = annotations.get(&key).filter(|v| !valid_annotation(v)) {
            out.push((key, value.as_str()));
        }
    }
    out
}

fn v1_0(meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let bad = bad_annotations(meta, spec);
    if bad.is_empty() {
        return None;
    }
    let items = sorted_set(bad.iter().map(|(k, v)| format!("{k}={}", go_quote(v))));
    Forbidden::new(
        "seccompProfile",
        format!(
            "forbidden {} {}",
            pluralize("annotation", "annotations", items.len()),
            items.join(", ")
        ),
    )
}

fn v1_19(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad_values = Vec::new();
    let pod_type = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.seccomp_profile.as_ref())
        .map(|p| p.type_.as_str());
    let pod_bad = pod_type.is_some_and(|t| !valid_type(t));
    if pod_bad {
        bad_values.extend(pod_type);
    }
    let mut bad_containers = Vec::new();
    for c in containers(spec) {
        let kind = c
            .security_context
            .and_then(|sc| sc.seccomp_profile.as_ref())
            .map(|p| p.type_.as_str());
        if let Some(kind) = kind.filter(|k| !valid_type(k)) {
            bad_containers.push(c.name);
            bad_values.push(kind);
        }
    }
    if !pod_bad && bad_containers.is_empty() {
        return None;
    }
    Forbidden::new(
        "seccompProfile",
        format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters(pod_bad, &bad_containers),
            join_quote(&sorted_set(bad_values))
        ),
    )
}

/// Remedies for explicitly bad profile types, shared with `seccompProfile_restricted`.
pub(crate) fn bad_type_remedies(spec: &PodSpec) -> Vec<Remedy> {
    let mut out = Vec::new();
    let pod_type = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.seccomp_profile.as_ref())
        .map(|p| p.type_.as_str());
    if pod_type.is_some_and(|t| !valid_type(t)) {
        out.push(Remedy::spec(
            "securityContext.seccompProfile.type",
            "set RuntimeDefault",
        ));
    }
    for c in containers(spec) {
        let kind = c
            .security_context
            .and_then(|sc| sc.seccomp_profile.as_ref())
            .map(|p| p.type_.as_str());
        if kind.is_some_and(|t| !valid_type(t)) {
            out.push(Remedy::spec(
                format!("{}.securityContext.seccompProfile.type", c.path()),
                "set RuntimeDefault",
            ));
        }
    }
    out
}

fn remedies(meta: &ObjectMeta, spec: &PodSpec, version: Version) -> Vec<Remedy> {
    if version.effective_minor() >= 19 {
        return bad_type_remedies(spec);
    }
    bad_annotations(meta, spec)
        .into_iter()
        .map(|(key, _)| Remedy::metadata(format!("annotations[{key}]"), "set runtime/default"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::pod;

    #[test]
    fn annotations_only_for_existing_containers() {
        let (m, s) = pod(r#"{"metadata":{"annotations":{
            "seccomp.security.alpha.kubernetes.io/pod":"unconfined",
            "container.seccomp.security.alpha.kubernetes.io/a":"unconfined",
            "container.seccomp.security.alpha.kubernetes.io/ghost":"unconfined"}},
            "spec":{"containers":[{"name":"a"}]}}"#);
        assert_eq!(
            v1_0(&m, &s).unwrap().detail,
            r#"forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="unconfined", seccomp.security.alpha.kubernetes.io/pod="unconfined""#
        );
        assert!(v1_19(&m, &s).is_none());
    }

    #[test]
    fn field_types() {
        let (m, s) = pod(
            r#"{"spec":{"securityContext":{"seccompProfile":{"type":"Unconfined"}},
            "containers":[{"name":"a","securityContext":{"seccompProfile":{"type":"Unconfined"}}},{"name":"b"}]}}"#,
        );
        assert_eq!(
            v1_19(&m, &s).unwrap().detail,
            r#"pod and container "a" must not set securityContext.seccompProfile.type to "Unconfined""#
        );
    }
}
