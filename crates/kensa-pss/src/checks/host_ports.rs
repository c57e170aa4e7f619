//! `hostPorts` (baseline).
//!
//! Fields: `spec.{initContainers,containers,ephemeralContainers}[*].ports[*].hostPort`.
//! Allowed: 0 or unset. A host port binds the node's network interface, sidestepping
//! network policy and colliding with node services.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{
    Check, CheckVersion, Forbidden, Remedy, containers, containers_phrase, pluralize, sorted_set,
};
use crate::api::{Level, Version};

pub(crate) static CHECK: Check = Check {
    id: "hostPorts",
    level: Level::Baseline,
    overrides: &[],
    versions: &[CheckVersion {
        min_minor: 0,
        evaluate: v1_0,
    }],
    remedies,
};

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad_containers = Vec::new();
    let mut ports = Vec::new();
    for c in containers(spec) {
        let before = ports.len();
        ports.extend(
            c.ports
                .iter()
                .filter_map(|p| p.host_port)
                .filter(|&hp| hp != 0)
                .map(|hp| hp.to_string()),
        );
        if ports.len() > before {
            bad_containers.push(c.name);
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    // Upstream sorts the ports as strings ("10000" before "20").
    let ports = sorted_set(ports);
    Forbidden::new(
        "hostPort",
        format!(
            "{} {} {} {}",
            containers_phrase(&bad_containers),
            pluralize("uses", "use", bad_containers.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        ),
    )
}

fn remedies(_: &ObjectMeta, spec: &PodSpec, _: Version) -> Vec<Remedy> {
    let mut out = Vec::new();
    for c in containers(spec) {
        for (i, port) in c.ports.iter().enumerate() {
            if port.host_port.is_some_and(|hp| hp != 0) {
                out.push(Remedy::spec(
                    format!("{}.ports[{i}].hostPort", c.path()),
                    "remove (use a Service)",
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
    fn ports_sort_as_strings() {
        let (m, s) = pod(r#"{"spec":{"containers":[
            {"name":"a","ports":[{"containerPort":1,"hostPort":20},{"containerPort":2,"hostPort":10000}]},
            {"name":"b","ports":[{"containerPort":1,"hostPort":20},{"containerPort":3,"hostPort":0}]}]}}"#);
        assert_eq!(
            v1_0(&m, &s).unwrap().detail,
            r#"containers "a", "b" use hostPorts 10000, 20"#
        );
    }

    #[test]
    fn single_container_single_port() {
        let (m, s) = pod(
            r#"{"spec":{"containers":[{"name":"a","ports":[{"containerPort":1,"hostPort":80}]}]}}"#,
        );
        assert_eq!(
            v1_0(&m, &s).unwrap().detail,
            r#"container "a" uses hostPort 80"#
        );
        let (m, s) = pod(r#"{"spec":{"containers":[{"name":"a","ports":[{"containerPort":1}]}]}}"#);
        assert!(v1_0(&m, &s).is_none());
    }
}
