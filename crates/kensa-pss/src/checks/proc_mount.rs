//! `procMount` (baseline).
//!
//! Fields: `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.procMount`.
//! Allowed: unset or `Default`. `Unmasked` exposes /proc paths the runtime masks
//! (kcore, sysrq-trigger, ...). From v1.35 the check passes pods with an explicit
//! `spec.hostUsers: false`: inside a user namespace the unmasked /proc belongs to
//! the pod, not the node. Restricted keeps the v1.0 rule (`procMount_restricted`).

use k8s_openapi::api::core::v1::{PodSpec, SecurityContext};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{
    Check, CheckVersion, Forbidden, Remedy, containers, containers_phrase, in_user_namespace,
    join_quote, sorted_set,
};
use crate::api::{Level, Version};

pub(crate) static CHECK: Check = Check {
    id: "procMount",
    level: Level::Baseline,
    overrides: &[],
    versions: &[
        CheckVersion {
            min_minor: 0,
            evaluate: v1_0,
        },
        CheckVersion {
            min_minor: 35,
            evaluate: v1_35,
        },
    ],
    remedies,
};

fn bad_proc_mount(sc: Option<&SecurityContext>) -> Option<&str> {
    sc.and_then(|sc| sc.proc_mount.as_deref())
        .filter(|pm| *pm != "Default")
}

/// The v1.0 rule, shared with `procMount_restricted`.
pub(crate) fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad_containers = Vec::new();
    let mut bad_values = Vec::new();
    for c in containers(spec) {
        if let Some(value) = bad_proc_mount(c.security_context) {
            bad_containers.push(c.name);
            bad_values.push(value);
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    Forbidden::new(
        "procMount",
        format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&bad_containers),
            join_quote(&sorted_set(bad_values))
        ),
    )
}

fn v1_35(meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    if in_user_namespace(spec) {
        return None;
    }
    v1_0(meta, spec)
}

/// Shared with `procMount_restricted`.
pub(crate) fn remedies(_: &ObjectMeta, spec: &PodSpec, _: Version) -> Vec<Remedy> {
    containers(spec)
        .filter(|c| bad_proc_mount(c.security_context).is_some())
        .map(|c| {
            Remedy::spec(
                format!("{}.securityContext.procMount", c.path()),
                "set Default (or remove)",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::pod;

    #[test]
    fn unmasked_fails_unless_user_namespace_from_1_35() {
        let (m, s) = pod(
            r#"{"spec":{"containers":[{"name":"a","securityContext":{"procMount":"Unmasked"}},
            {"name":"b","securityContext":{"procMount":"Default"}},{"name":"c","securityContext":{"procMount":""}}]}}"#,
        );
        assert_eq!(
            v1_0(&m, &s).unwrap().detail,
            r#"containers "a", "c" must not set securityContext.procMount to "", "Unmasked""#
        );
        let (m, s) = pod(
            r#"{"spec":{"hostUsers":false,"containers":[{"name":"a","securityContext":{"procMount":"Unmasked"}}]}}"#,
        );
        assert!(v1_35(&m, &s).is_none());
        assert!(v1_0(&m, &s).is_some());
    }
}
