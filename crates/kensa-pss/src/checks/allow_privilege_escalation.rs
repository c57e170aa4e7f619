//! `allowPrivilegeEscalation` (restricted).
//!
//! Fields: `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.allowPrivilegeEscalation`.
//! Allowed: `false`. Unset counts as `true`, because the runtime then lets a
//! setuid binary or file capability raise the process's privileges.
//! From v1.25, pods with `spec.os.name: windows` are not checked (the field is Linux-only).

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckVersion, Forbidden, Remedy, containers, containers_phrase, is_windows};
use crate::api::{Level, Version};

pub(crate) static CHECK: Check = Check {
    id: "allowPrivilegeEscalation",
    level: Level::Restricted,
    overrides: &[],
    versions: &[
        CheckVersion {
            min_minor: 8,
            evaluate: v1_8,
        },
        CheckVersion {
            min_minor: 25,
            evaluate: v1_25,
        },
    ],
    remedies,
};

fn escalates(sc: Option<&k8s_openapi::api::core::v1::SecurityContext>) -> bool {
    sc.and_then(|sc| sc.allow_privilege_escalation) != Some(false)
}

fn v1_8(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let bad: Vec<&str> = containers(spec)
        .filter(|c| escalates(c.security_context))
        .map(|c| c.name)
        .collect();
    if bad.is_empty() {
        return None;
    }
    Forbidden::new(
        "allowPrivilegeEscalation != false",
        containers_phrase(&bad) + " must set securityContext.allowPrivilegeEscalation=false",
    )
}

fn v1_25(meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    if is_windows(spec) {
        return None;
    }
    v1_8(meta, spec)
}

fn remedies(_: &ObjectMeta, spec: &PodSpec, _: Version) -> Vec<Remedy> {
    containers(spec)
        .filter(|c| escalates(c.security_context))
        .map(|c| {
            Remedy::spec(
                format!("{}.securityContext.allowPrivilegeEscalation", c.path()),
                "set false",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::pod;

    #[test]
    fn unset_null_and_true_fail_in_visit_order() {
        let (m, s) = pod(
            r#"{"spec":{"initContainers":[{"name":"i"}],"containers":[{"name":"a"},
            {"name":"b","securityContext":{"allowPrivilegeEscalation":true}},
            {"name":"c","securityContext":{"allowPrivilegeEscalation":false}}]}}"#,
        );
        let f = v1_8(&m, &s).unwrap();
        assert_eq!(
            f.detail,
            r#"containers "i", "a", "b" must set securityContext.allowPrivilegeEscalation=false"#
        );
        assert_eq!(
            remedies(&m, &s, Version::Latest)[0].path,
            "initContainers[0].securityContext.allowPrivilegeEscalation"
        );
    }

    #[test]
    fn windows_pods_pass_from_1_25_only() {
        let (m, s) = pod(r#"{"spec":{"os":{"name":"windows"},"containers":[{"name":"a"}]}}"#);
        assert!(v1_25(&m, &s).is_none());
        assert!(v1_8(&m, &s).is_some());
    }

    #[test]
    fn false_passes() {
        let (m, s) = pod(
            r#"{"spec":{"containers":[{"name":"a","securityContext":{"allowPrivilegeEscalation":false}}]}}"#,
        );
        assert!(v1_25(&m, &s).is_none());
    }
}
