//! `hostNamespaces` (baseline).
//!
//! Fields: `spec.hostNetwork`, `spec.hostPID`, `spec.hostIPC`. Allowed: false or unset.
//! Sharing the node's network, process or IPC namespace lets a container see and
//! reach the host's processes and traffic.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckVersion, Forbidden, Remedy};
use crate::api::{Level, Version};

pub(crate) static CHECK: Check = Check {
    id: "hostNamespaces",
    level: Level::Baseline,
    overrides: &[],
    versions: &[CheckVersion {
        min_minor: 0,
        evaluate: v1_0,
    }],
    remedies,
};

fn shared(spec: &PodSpec) -> impl Iterator<Item = &'static str> {
    [
        (spec.host_network, "hostNetwork"),
        (spec.host_pid, "hostPID"),
        (spec.host_ipc, "hostIPC"),
    ]
    .into_iter()
    .filter(|(on, _)| *on == Some(true))
    .map(|(_, field)| field)
}

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let items: Vec<String> = shared(spec).map(|field| format!("{field}=true")).collect();
    if items.is_empty() {
        return None;
    }
    Forbidden::new("host namespaces", items.join(", "))
}

fn remedies(_: &ObjectMeta, spec: &PodSpec, _: Version) -> Vec<Remedy> {
    shared(spec)
        .map(|field| Remedy::spec(field, "set false (or remove)"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::pod;

    #[test]
    fn lists_in_fixed_order() {
        let (m, s) =
            pod(r#"{"spec":{"hostIPC":true,"hostNetwork":true,"hostPID":true,"containers":[]}}"#);
        assert_eq!(
            v1_0(&m, &s).unwrap().detail,
            "hostNetwork=true, hostPID=true, hostIPC=true"
        );
    }

    #[test]
    fn false_passes() {
        let (m, s) = pod(r#"{"spec":{"hostNetwork":false}}"#);
        assert!(v1_0(&m, &s).is_none());
    }
}
