//! `capabilities_restricted` (restricted; replaces `capabilities_baseline`).
//!
//! Fields: `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.capabilities.{drop,add}`.
//! Required: `drop` contains `ALL`; `add` holds nothing but `NET_BIND_SERVICE`.
//! Dropping everything leaves a process unable to use the runtime's default
//! capabilities (CHOWN, SETUID, ...) after a compromise.
//! From v1.25, pods with `spec.os.name: windows` are not checked.

use k8s_openapi::api::core::v1::{PodSpec, SecurityContext};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{
    Check, CheckVersion, Forbidden, Remedy, containers, containers_phrase, is_windows, join_quote,
    sorted_set,
};
use crate::api::{Level, Version};

pub(crate) static CHECK: Check = Check {
    id: "capabilities_restricted",
    level: Level::Restricted,
    overrides: &["capabilities_baseline"],
    versions: &[
        CheckVersion {
            min_minor: 22,
            evaluate: v1_22,
        },
        CheckVersion {
            min_minor: 25,
            evaluate: v1_25,
        },
    ],
    remedies,
};

fn drops_all(sc: Option<&SecurityContext>) -> bool {
    sc.and_then(|sc| sc.capabilities.as_ref())
        .and_then(|c| c.drop.as_deref())
        .is_some_and(|drop| drop.iter().any(|cap| cap == "ALL"))
}

fn forbidden_adds(sc: Option<&SecurityContext>) -> impl Iterator<Item = (usize, &String)> {
    sc.and_then(|sc| sc.capabilities.as_ref())
        .and_then(|c| c.add.as_deref())
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter(|(_, cap)| *cap != "NET_BIND_SERVICE")
}

fn v1_22(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut missing_drop_all = Vec::new();
    let mut adding_forbidden = Vec::new();
    let mut forbidden_caps = Vec::new();
    for c in containers(spec) {
        if !drops_all(c.security_context) {
            missing_drop_all.push(c.name);
        }
        let before = forbidden_caps.len();
        forbidden_caps.extend(forbidden_adds(c.security_context).map(|(_, cap)| cap.as_str()));
        if forbidden_caps.len() > before {
            adding_forbidden.push(c.name);
        }
    }
    let mut details = Vec::with_capacity(2);
    if !missing_drop_all.is_empty() {
        details.push(
            containers_phrase(&missing_drop_all)
                + r#" must set securityContext.capabilities.drop=["ALL"]"#,
        );
    }
    if !adding_forbidden.is_empty() {
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&adding_forbidden),
            join_quote(&sorted_set(forbidden_caps))
        ));
    }
    if details.is_empty() {
        return None;
    }
    Forbidden::new("unrestricted capabilities", details.join("; "))
}

fn v1_25(meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    if is_windows(spec) {
        return None;
    }
    v1_22(meta, spec)
}

fn remedies(_: &ObjectMeta, spec: &PodSpec, _: Version) -> Vec<Remedy> {
    let mut out = Vec::new();
    for c in containers(spec) {
        if !drops_all(c.security_context) {
            out.push(Remedy::spec(
                format!("{}.securityContext.capabilities.drop", c.path()),
                r#"set ["ALL"]"#,
            ));
        }
        for (i, cap) in forbidden_adds(c.security_context) {
            out.push(Remedy::spec(
                format!("{}.securityContext.capabilities.add[{i}]", c.path()),
                format!("remove {cap}"),
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
    fn both_parts_joined_with_semicolon() {
        let (m, s) = pod(r#"{"spec":{"containers":[
            {"name":"a"},
            {"name":"b","securityContext":{"capabilities":{"drop":["ALL"],"add":["SYS_TIME","NET_BIND_SERVICE","CHOWN"]}}}]}}"#);
        let f = v1_22(&m, &s).unwrap();
        assert_eq!(
            f.detail,
            r#"container "a" must set securityContext.capabilities.drop=["ALL"]; container "b" must not include "CHOWN", "SYS_TIME" in securityContext.capabilities.add"#
        );
    }

    #[test]
    fn drop_all_with_net_bind_passes_and_windows_skips() {
        let (m, s) = pod(
            r#"{"spec":{"containers":[{"name":"a","securityContext":{"capabilities":{"drop":["ALL"],"add":["NET_BIND_SERVICE"]}}}]}}"#,
        );
        assert!(v1_25(&m, &s).is_none());
        let (m, s) = pod(r#"{"spec":{"os":{"name":"windows"},"containers":[{"name":"a"}]}}"#);
        assert!(v1_25(&m, &s).is_none());
        assert!(v1_22(&m, &s).is_some());
    }
}
