//! `runAsUser` (restricted, from v1.23).
//!
//! Fields: `spec.securityContext.runAsUser` and
//! `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.runAsUser`.
//! Allowed: anything but 0 (unset is fine: `runAsNonRoot` covers the image's user).
//! From v1.35, pods with an explicit `spec.hostUsers: false` pass.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckVersion, Forbidden, Remedy, containers, in_user_namespace, setters};
use crate::api::{Level, Version};

pub(crate) static CHECK: Check = Check {
    id: "runAsUser",
    level: Level::Restricted,
    overrides: &[],
    versions: &[
        CheckVersion {
            min_minor: 23,
            evaluate: v1_23,
        },
        CheckVersion {
            min_minor: 35,
            evaluate: v1_35,
        },
    ],
    remedies,
};

fn pod_root(spec: &PodSpec) -> bool {
    spec.security_context.as_ref().and_then(|sc| sc.run_as_user) == Some(0)
}

fn v1_23(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let pod = pod_root(spec);
    let bad: Vec<&str> = containers(spec)
        .filter(|c| c.security_context.and_then(|sc| sc.run_as_user) == Some(0))
        .map(|c| c.name)
        .collect();
    if !pod && bad.is_empty() {
        return None;
    }
    Forbidden::new(
        "runAsUser=0",
        format!("{} must not set runAsUser=0", setters(pod, &bad)),
    )
}

fn v1_35(meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    if in_user_namespace(spec) {
        return None;
    }
    v1_23(meta, spec)
}

fn remedies(_: &ObjectMeta, spec: &PodSpec, _: Version) -> Vec<Remedy> {
    let mut out = Vec::new();
    if pod_root(spec) {
        out.push(Remedy::spec(
            "securityContext.runAsUser",
            "set a non-zero UID (e.g. 65532)",
        ));
    }
    for c in containers(spec) {
        if c.security_context.and_then(|sc| sc.run_as_user) == Some(0) {
            out.push(Remedy::spec(
                format!("{}.securityContext.runAsUser", c.path()),
                "set a non-zero UID (e.g. 65532)",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::pod;

    #[test]
    fn pod_and_containers() {
        let (m, s) = pod(
            r#"{"spec":{"securityContext":{"runAsUser":0},"containers":[{"name":"a","securityContext":{"runAsUser":0}},
            {"name":"b","securityContext":{"runAsUser":1000}},{"name":"c","securityContext":{"runAsUser":0}}]}}"#,
        );
        assert_eq!(
            v1_23(&m, &s).unwrap().detail,
            r#"pod and containers "a", "c" must not set runAsUser=0"#
        );
    }

    #[test]
    fn unset_passes_and_user_namespace_relaxes() {
        let (m, s) = pod(r#"{"spec":{"containers":[{"name":"a"}]}}"#);
        assert!(v1_23(&m, &s).is_none());
        let (m, s) = pod(
            r#"{"spec":{"hostUsers":false,"securityContext":{"runAsUser":0},"containers":[{"name":"a"}]}}"#,
        );
        assert!(v1_35(&m, &s).is_none());
    }
}
