//! `hostProbesAndHostLifecycle` (baseline, from v1.34).
//!
//! Fields: `host` of `httpGet` and `tcpSocket` in the liveness, readiness and
//! startup probes and in the `postStart`/`preStop` lifecycle handlers of every container.
//! Allowed: empty. A host there makes the kubelet connect to an arbitrary address
//! from the node's network: a server-side request forgery primitive.
//! Unlike the other checks, container names are reported sorted and de-duplicated.

use k8s_openapi::api::core::v1::{HTTPGetAction, PodSpec, TCPSocketAction};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{
    Check, CheckVersion, ContainerView, Forbidden, Remedy, containers, join_quote, pluralize,
    sorted_set,
};
use crate::api::{Level, Version};

pub(crate) static CHECK: Check = Check {
    id: "hostProbesAndHostLifecycle",
    level: Level::Baseline,
    overrides: &[],
    versions: &[CheckVersion {
        min_minor: 34,
        evaluate: v1_34,
    }],
    remedies,
};

/// Every (field path below the container, host) with a non-empty host.
fn hosts<'a>(c: &ContainerView<'a>) -> Vec<(String, &'a str)> {
    fn push<'a>(
        out: &mut Vec<(String, &'a str)>,
        at: &str,
        http: Option<&'a HTTPGetAction>,
        tcp: Option<&'a TCPSocketAction>,
    ) {
        if let Some(host) = http
            .and_then(|h| h.host.as_deref())
            .filter(|h| !h.is_empty())
        {
            out.push((format!("{at}.httpGet.host"), host));
        }
        if let Some(host) = tcp
            .and_then(|t| t.host.as_deref())
            .filter(|h| !h.is_empty())
        {
            out.push((format!("{at}.tcpSocket.host"), host));
        }
    }
    let mut out = Vec::new();
    for (probe, at) in c
        .probes
        .iter()
        .zip(["livenessProbe", "readinessProbe", "startupProbe"])
    {
        if let Some(p) = probe {
            push(&mut out, at, p.http_get.as_ref(), p.tcp_socket.as_ref());
        }
    }
    if let Some(lifecycle) = c.lifecycle {
        for (handler, at) in [
            (&lifecycle.post_start, "lifecycle.postStart"),
            (&lifecycle.pre_stop, "lifecycle.preStop"),
        ] {
            if let Some(h) = handler {
                push(&mut out, at, h.http_get.as_ref(), h.tcp_socket.as_ref());
            }
        }
    }
    out
}

fn v1_34(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let mut bad_containers = Vec::new();
    let mut bad_hosts = Vec::new();
    for c in containers(spec) {
        let found = hosts(&c);
        if !found.is_empty() {
            bad_containers.push(c.name);
            bad_hosts.extend(found.into_iter().map(|(_, host)| host));
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    let names = sorted_set(bad_containers);
    let hosts = sorted_set(bad_hosts);
    Forbidden::new(
        "probe or lifecycle host",
        format!(
            "{} {} {} {} {}",
            pluralize("container", "containers", names.len()),
            join_quote(&names),
            pluralize("uses", "use", names.len()),
            pluralize(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                hosts.len()
            ),
            join_quote(&hosts)
        ),
    )
}

fn remedies(_: &ObjectMeta, spec: &PodSpec, _: Version) -> Vec<Remedy> {
    containers(spec)
        .flat_map(|c| {
            let at = c.path();
            hosts(&c).into_iter().map(move |(field, _)| {
                Remedy::spec(format!("{at}.{field}"), "remove (probe the pod's own IP)")
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::pod;

    #[test]
    fn names_and_hosts_sorted_unique() {
        let (m, s) = pod(r#"{"spec":{"containers":[
            {"name":"z","livenessProbe":{"httpGet":{"port":80,"host":"b.com"}}},
            {"name":"a","lifecycle":{"preStop":{"tcpSocket":{"port":1,"host":"a.com"}}},"startupProbe":{"httpGet":{"port":1,"host":"b.com"}}}]}}"#);
        let f = v1_34(&m, &s).unwrap();
        assert_eq!(
            f.detail,
            r#"containers "a", "z" use probe or lifecycle hosts "a.com", "b.com""#
        );
        assert_eq!(remedies(&m, &s, Version::Latest).len(), 3);
    }

    #[test]
    fn empty_host_passes() {
        let (m, s) = pod(
            r#"{"spec":{"containers":[{"name":"a","livenessProbe":{"httpGet":{"port":80,"host":""}}}]}}"#,
        );
        assert!(v1_34(&m, &s).is_none());
    }
}
