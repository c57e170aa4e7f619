//! `seccompProfile_restricted` (restricted, from v1.19; replaces `seccompProfile_baseline`).
//!
//! Fields: `seccompProfile.type` at pod level and in every container. Required:
//! `RuntimeDefault` or `Localhost` at pod level, or on every container that does
//! not inherit a valid pod-level profile. Without a profile, containerd and
//! CRI-O run containers unconfined: every syscall is reachable.
//! From v1.25, pods with `spec.os.name: windows` are not checked.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::seccomp_profile_baseline::{bad_type_remedies, valid_type};
use super::{
    Check, CheckVersion, Forbidden, Remedy, containers, containers_phrase, is_windows, join_quote,
    setters, sorted_set,
};
use crate::api::{Level, Version};

pub(crate) static CHECK: Check = Check {
    id: "seccompProfile_restricted",
    level: Level::Restricted,
    overrides: &["seccompProfile_baseline"],
    versions: &[
        CheckVersion {
            min_minor: 19,
            evaluate: v1_19,
        },
        CheckVersion {
            min_minor: 25,
            evaluate: v1_25,
        },
    ],
    remedies,
};

fn pod_type(spec: &PodSpec) -> Option<&str> {
    spec.security_context
        .as_ref()
        .and_then(|sc| sc.seccomp_profile.as_ref())
        .map(|p| p.type_.as_str())
}

fn v1_19(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad_values = Vec::new();
    let pod = pod_type(spec);
    let pod_bad = pod.is_some_and(|t| !valid_type(t));
    let pod_set = pod.is_some_and(valid_type);
    if pod_bad {
        bad_values.extend(pod);
    }
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    for c in containers(spec) {
        match c
            .security_context
            .and_then(|sc| sc.seccomp_profile.as_ref())
        {
            Some(profile) if !valid_type(&profile.type_) => {
                explicit.push(c.name);
                bad_values.push(profile.type_.as_str());
            }
            Some(_) => {}
            None if !pod_set => implicit.push(c.name),
            None => {}
        }
    }
    if pod_bad || !explicit.is_empty() {
        return Forbidden::new(
            "seccompProfile",
            format!(
                "{} must not set securityContext.seccompProfile.type to {}",
                setters(pod_bad, &explicit),
                join_quote(&sorted_set(bad_values))
            ),
        );
    }
    if !implicit.is_empty() {
        return Forbidden::new(
            "seccompProfile",
            "pod or ".to_owned()
                + &containers_phrase(&implicit)
                + r#" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
        );
    }
    None
}

fn v1_25(meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    if is_windows(spec) {
        return None;
    }
    v1_19(meta, spec)
}

fn remedies(_: &ObjectMeta, spec: &PodSpec, _: Version) -> Vec<Remedy> {
    let mut out = bad_type_remedies(spec);
    let pod_set = pod_type(spec).is_some_and(valid_type);
    let unset_container = containers(spec).any(|c| {
        c.security_context
            .and_then(|sc| sc.seccomp_profile.as_ref())
            .is_none()
    });
    if !pod_set
        && unset_container
        && !out
            .iter()
            .any(|r| r.path == "securityContext.seccompProfile.type")
    {
        out.push(Remedy::spec(
            "securityContext.seccompProfile.type",
            "set RuntimeDefault",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::pod;

    #[test]
    fn implicit_containers_need_a_profile() {
        let (m, s) = pod(
            r#"{"spec":{"initContainers":[{"name":"i","securityContext":{"seccompProfile":{"type":"RuntimeDefault"}}}],
            "containers":[{"name":"a"}]}}"#,
        );
        assert_eq!(
            v1_19(&m, &s).unwrap().detail,
            r#"pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#
        );
        assert_eq!(
            remedies(&m, &s, Version::Latest)[0].path,
            "securityContext.seccompProfile.type"
        );
    }

    #[test]
    fn pod_level_profile_is_inherited() {
        let (m, s) = pod(
            r#"{"spec":{"securityContext":{"seccompProfile":{"type":"Localhost","localhostProfile":"p.json"}},"containers":[{"name":"a"}]}}"#,
        );
        assert!(v1_19(&m, &s).is_none());
    }

    #[test]
    fn explicit_bad_wins_and_windows_skips() {
        let (m, s) = pod(
            r#"{"spec":{"containers":[{"name":"a","securityContext":{"seccompProfile":{"type":"Unconfined"}}},{"name":"b"}]}}"#,
        );
        assert_eq!(
            v1_19(&m, &s).unwrap().detail,
            r#"container "a" must not set securityContext.seccompProfile.type to "Unconfined""#
        );
        let (m, s) = pod(r#"{"spec":{"os":{"name":"windows"},"containers":[{"name":"a"}]}}"#);
        assert!(v1_25(&m, &s).is_none());
    }
}
