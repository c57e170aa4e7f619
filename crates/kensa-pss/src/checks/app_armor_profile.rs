//! `appArmorProfile` (baseline).
//!
//! Fields: `spec.securityContext.appArmorProfile.type`,
//! `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.appArmorProfile.type`,
//! and annotations `container.apparmor.security.beta.kubernetes.io/*`.
//! Allowed: types `RuntimeDefault` and `Localhost`; annotation values empty,
//! `runtime/default` or `localhost/*`. Overriding or disabling AppArmor
//! (`Unconfined`) removes a layer that confines container processes.

use k8s_openapi::api::core::v1::{AppArmorProfile, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{
    Check, CheckVersion, Forbidden, Remedy, containers, go_quote, join_quote, pluralize, setters,
    sorted_set,
};
use crate::api::{Level, Version};

pub(crate) static CHECK: Check = Check {
    id: "appArmorProfile",
    level: Level::Baseline,
    overrides: &[],
    versions: &[CheckVersion {
        min_minor: 0,
        evaluate: v1_0,
    }],
    remedies,
};

const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn allowed_profile(profile: Option<&AppArmorProfile>) -> bool {
    profile.is_none_or(|p| p.type_ == "RuntimeDefault" || p.type_ == "Localhost")
}

fn allowed_annotation(value: &str) -> bool {
    value.is_empty() || value == "runtime/default" || value.starts_with("localhost/")
}

fn bad_annotations(meta: &ObjectMeta) -> impl Iterator<Item = (&String, &String)> {
    meta.annotations
        .iter()
        .flatten()
        .filter(|(k, v)| k.starts_with(ANNOTATION_PREFIX) && !allowed_annotation(v))
}

fn v1_0(meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad_types = Vec::new();
    let pod_profile = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.app_armor_profile.as_ref());
    let pod_bad = !allowed_profile(pod_profile);
    if let Some(p) = pod_profile.filter(|_| pod_bad) {
        bad_types.push(p.type_.as_str());
    }
    let mut bad_containers = Vec::new();
    for c in containers(spec) {
        let profile = c
            .security_context
            .and_then(|sc| sc.app_armor_profile.as_ref());
        if let Some(p) = profile.filter(|p| !allowed_profile(Some(p))) {
            bad_containers.push(c.name);
            bad_types.push(p.type_.as_str());
        }
    }
    let mut forbidden_annotations: Vec<String> = bad_annotations(meta)
        .map(|(k, v)| format!("{k}={}", go_quote(v)))
        .collect();
    let mut bad_values = sorted_set(bad_types);
    let mut who = setters(pod_bad, &bad_containers);
    if !forbidden_annotations.is_empty() {
        forbidden_annotations.sort_unstable();
        let noun = pluralize("annotation", "annotations", forbidden_annotations.len());
        who = if who.is_empty() {
            noun.to_owned()
        } else {
            format!("{who} and {noun}")
        };
        bad_values.extend(forbidden_annotations);
    }
    if bad_values.is_empty() {
        return None;
    }
    Forbidden::new(
        pluralize(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            bad_values.len(),
        ),
        format!(
            "{who} must not set AppArmor profile type to {}",
            join_quote(&bad_values)
        ),
    )
}

fn remedies(meta: &ObjectMeta, spec: &PodSpec, _: Version) -> Vec<Remedy> {
    let mut out = Vec::new();
    let pod_profile = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.app_armor_profile.as_ref());
    if !allowed_profile(pod_profile) {
        out.push(Remedy::spec(
            "securityContext.appArmorProfile.type",
            "set RuntimeDefault (or Localhost)",
        ));
    }
    for c in containers(spec) {
        if !allowed_profile(
            c.security_context
                .and_then(|sc| sc.app_armor_profile.as_ref()),
        ) {
            out.push(Remedy::spec(
                format!("{}.securityContext.appArmorProfile.type", c.path()),
                "set RuntimeDefault (or Localhost)",
            ));
        }
    }
    for (key, _) in bad_annotations(meta) {
        out.push(Remedy::metadata(
            format!("annotations[{key}]"),
            "set runtime/default, or remove",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::pod;

    #[test]
    fn annotation_values_are_quoted_inside_the_quoted_list() {
        let (m, s) = pod(
            r#"{"metadata":{"annotations":{"container.apparmor.security.beta.kubernetes.io/c":"unconfined"}},
            "spec":{"containers":[{"name":"c"}]}}"#,
        );
        let f = v1_0(&m, &s).unwrap();
        assert_eq!(f.reason, "forbidden AppArmor profile");
        assert_eq!(
            f.detail,
            r#"annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/c="unconfined"""#
        );
    }

    #[test]
    fn fields_and_annotations_combine() {
        let (m, s) = pod(
            r#"{"metadata":{"annotations":{"container.apparmor.security.beta.kubernetes.io/x":"bad"}},
            "spec":{"securityContext":{"appArmorProfile":{"type":"Unconfined"}},
            "containers":[{"name":"a","securityContext":{"appArmorProfile":{"type":"Unconfined"}}}]}}"#,
        );
        let f = v1_0(&m, &s).unwrap();
        assert_eq!(f.reason, "forbidden AppArmor profiles");
        assert_eq!(
            f.detail,
            r#"pod and container "a" and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/x="bad"""#
        );
        assert_eq!(remedies(&m, &s, Version::Latest).len(), 3);
    }

    #[test]
    fn allowed_values_pass() {
        let (m, s) = pod(
            r#"{"metadata":{"annotations":{"container.apparmor.security.beta.kubernetes.io/a":"localhost/x",
            "container.apparmor.security.beta.kubernetes.io/b":"runtime/default","env":"prod"}},
            "spec":{"securityContext":{"appArmorProfile":{"type":"Localhost","localhostProfile":"p"}},"containers":[{"name":"a"}]}}"#,
        );
        assert!(v1_0(&m, &s).is_none());
    }
}
