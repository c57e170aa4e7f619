//! `capabilities_baseline` (baseline).
//!
//! Fields: `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.capabilities.add`.
//! Allowed: the container runtime's default set (AUDIT_WRITE, CHOWN, DAC_OVERRIDE,
//! FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP,
//! SETUID, SYS_CHROOT), matched exactly and case-sensitively. Anything else
//! (SYS_ADMIN, NET_ADMIN, ...) hands the container kernel powers it can escape with.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{
    Check, CheckVersion, Forbidden, Remedy, containers, containers_phrase, join_quote, sorted_set,
};
use crate::api::{Level, Version};

pub(crate) static CHECK: Check = Check {
    id: "capabilities_baseline",
    level: Level::Baseline,
    overrides: &[],
    versions: &[CheckVersion {
        min_minor: 0,
        evaluate: v1_0,
    }],
    remedies,
};

const DEFAULT_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn added(sc: Option<&k8s_openapi::api::core::v1::SecurityContext>) -> &[String] {
    sc.and_then(|sc| sc.capabilities.as_ref())
        .and_then(|c| c.add.as_deref())
        .unwrap_or_default()
}

fn non_default(cap: &str) -> bool {
    !DEFAULT_CAPABILITIES.contains(&cap)
}

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad_containers = Vec::new();
    let mut bad_caps = Vec::new();
    for c in containers(spec) {
        let before = bad_caps.len();
        bad_caps.extend(
            added(c.security_context)
                .iter()
                .filter(|cap| non_default(cap))
                .map(String::as_str),
        );
        if bad_caps.len() > before {
            bad_containers.push(c.name);
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    Forbidden::new(
        "non-default capabilities",
        format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&bad_containers),
            join_quote(&sorted_set(bad_caps))
        ),
    )
}

fn remedies(_: &ObjectMeta, spec: &PodSpec, _: Version) -> Vec<Remedy> {
    let mut out = Vec::new();
    for c in containers(spec) {
        for (i, cap) in added(c.security_context).iter().enumerate() {
            if non_default(cap) {
                out.push(Remedy::spec(
                    format!("{}.securityContext.capabilities.add[{i}]", c.path()),
                    format!("remove {cap}"),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::pod;

    #[test]
    fn non_default_caps_fail_sorted_and_unique() {
        let (m, s) = pod(r#"{"spec":{"containers":[
            {"name":"a","securityContext":{"capabilities":{"add":["SYS_ADMIN","CHOWN"]}}},
            {"name":"b","securityContext":{"capabilities":{"add":["NET_ADMIN","SYS_ADMIN","chown"]}}},
            {"name":"c","securityContext":{"capabilities":{"add":["KILL"]}}}]}}"#);
        let f = v1_0(&m, &s).unwrap();
        assert_eq!(
            f.detail,
            r#"containers "a", "b" must not include "NET_ADMIN", "SYS_ADMIN", "chown" in securityContext.capabilities.add"#
        );
        assert_eq!(remedies(&m, &s, Version::Latest).len(), 4);
    }

    #[test]
    fn default_caps_pass() {
        let (m, s) = pod(
            r#"{"spec":{"containers":[{"name":"a","securityContext":{"capabilities":{"add":["NET_BIND_SERVICE"]}}}]}}"#,
        );
        assert!(v1_0(&m, &s).is_none());
    }
}
