//! `sysctls` (baseline).
//!
//! Fields: `spec.securityContext.sysctls[*].name`. Allowed: the namespaced,
//! isolated "safe" set, which grows with versions (v1.27, v1.29, v1.32, v1.37).
//! Other sysctls can affect every pod on the node or the node itself.
//! Forbidden names are reported in spec order, unquoted, duplicates kept.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckVersion, Forbidden, Remedy};
use crate::api::{Level, Version};

pub(crate) static CHECK: Check = Check {
    id: "sysctls",
    level: Level::Baseline,
    overrides: &[],
    versions: &[
        CheckVersion {
            min_minor: 0,
            evaluate: v1_0,
        },
        CheckVersion {
            min_minor: 27,
            evaluate: v1_27,
        },
        CheckVersion {
            min_minor: 29,
            evaluate: v1_29,
        },
        CheckVersion {
            min_minor: 32,
            evaluate: v1_32,
        },
        CheckVersion {
            min_minor: 37,
            evaluate: v1_37,
        },
    ],
    remedies,
};

/// (first version allowing it, sysctl name).
const SAFE: &[(u32, &str)] = &[
    (0, "kernel.shm_rmid_forced"),
    (0, "net.ipv4.ip_local_port_range"),
    (0, "net.ipv4.tcp_syncookies"),
    (0, "net.ipv4.ping_group_range"),
    (0, "net.ipv4.ip_unprivileged_port_start"),
    (27, "net.ipv4.ip_local_reserved_ports"),
    (29, "net.ipv4.tcp_keepalive_time"),
    (29, "net.ipv4.tcp_fin_timeout"),
    (29, "net.ipv4.tcp_keepalive_intvl"),
    (29, "net.ipv4.tcp_keepalive_probes"),
    (32, "net.ipv4.tcp_rmem"),
    (32, "net.ipv4.tcp_wmem"),
    (37, "net.ipv4.tcp_slow_start_after_idle"),
    (37, "net.ipv4.tcp_notsent_lowat"),
];

fn safe_at(minor: u32, name: &str) -> bool {
    SAFE.iter()
        .any(|(since, safe)| *since <= minor && *safe == name)
}

fn forbidden(spec: &PodSpec, minor: u32) -> impl Iterator<Item = (usize, &str)> {
    spec.security_context
        .as_ref()
        .and_then(|sc| sc.sysctls.as_deref())
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter(move |(_, s)| !safe_at(minor, &s.name))
        .map(|(i, s)| (i, s.name.as_str()))
}

fn evaluate(spec: &PodSpec, minor: u32) -> Option<Forbidden> {
    let names: Vec<&str> = forbidden(spec, minor).map(|(_, name)| name).collect();
    if names.is_empty() {
        return None;
    }
    Forbidden::new("forbidden sysctls", names.join(", "))
}

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    evaluate(spec, 0)
}
fn v1_27(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    evaluate(spec, 27)
}
fn v1_29(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    evaluate(spec, 29)
}
fn v1_32(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    evaluate(spec, 32)
}
fn v1_37(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    evaluate(spec, 37)
}

fn remedies(_: &ObjectMeta, spec: &PodSpec, version: Version) -> Vec<Remedy> {
    forbidden(spec, version.effective_minor())
        .map(|(i, name)| {
            Remedy::spec(
                format!("securityContext.sysctls[{i}]"),
                format!("remove {name}"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::pod;

    #[test]
    fn spec_order_duplicates_kept() {
        let (m, s) = pod(
            r#"{"spec":{"securityContext":{"sysctls":[{"name":"b","value":"1"},{"name":"kernel.shm_rmid_forced","value":"0"},
            {"name":"a","value":"1"},{"name":"b","value":"1"}]}}}"#,
        );
        assert_eq!(v1_0(&m, &s).unwrap().detail, "b, a, b");
    }

    #[test]
    fn safe_set_grows_with_versions() {
        let (m, s) = pod(
            r#"{"spec":{"securityContext":{"sysctls":[{"name":"net.ipv4.tcp_notsent_lowat","value":"1"}]}}}"#,
        );
        assert!(v1_32(&m, &s).is_some());
        assert!(v1_37(&m, &s).is_none());
        let (m, s) = pod(
            r#"{"spec":{"securityContext":{"sysctls":[{"name":"net.ipv4.ip_local_reserved_ports","value":"1"}]}}}"#,
        );
        assert!(v1_0(&m, &s).is_some());
        assert!(v1_27(&m, &s).is_none());
    }
}
