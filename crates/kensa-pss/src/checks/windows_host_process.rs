//! `windowsHostProcess` (baseline).
//!
//! Fields: `securityContext.windowsOptions.hostProcess` at pod level and in every
//! container. Allowed: false or unset. A HostProcess container runs directly on
//! the Windows node with the node's privileges.

use k8s_openapi::api::core::v1::{PodSpec, WindowsSecurityContextOptions};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckVersion, Forbidden, Remedy, containers, setters};
use crate::api::{Level, Version};

pub(crate) static CHECK: Check = Check {
    id: "windowsHostProcess",
    level: Level::Baseline,
    overrides: &[],
    versions: &[CheckVersion {
        min_minor: 0,
        evaluate: v1_0,
    }],
    remedies,
};

fn host_process(opts: Option<&WindowsSecurityContextOptions>) -> bool {
    opts.and_then(|o| o.host_process) == Some(true)
}

fn pod_host_process(spec: &PodSpec) -> bool {
    host_process(
        spec.security_context
            .as_ref()
            .and_then(|sc| sc.windows_options.as_ref()),
    )
}

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let pod = pod_host_process(spec);
    let bad: Vec<&str> = containers(spec)
        .filter(|c| {
            host_process(
                c.security_context
                    .and_then(|sc| sc.windows_options.as_ref()),
            )
        })
        .map(|c| c.name)
        .collect();
    if !pod && bad.is_empty() {
        return None;
    }
    Forbidden::new(
        "hostProcess",
        format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters(pod, &bad)
        ),
    )
}

fn remedies(_: &ObjectMeta, spec: &PodSpec, _: Version) -> Vec<Remedy> {
    let mut out = Vec::new();
    if pod_host_process(spec) {
        out.push(Remedy::spec(
            "securityContext.windowsOptions.hostProcess",
            "set false (or remove)",
        ));
    }
    for c in containers(spec) {
        if host_process(
            c.security_context
                .and_then(|sc| sc.windows_options.as_ref()),
        ) {
            out.push(Remedy::spec(
                format!("{}.securityContext.windowsOptions.hostProcess", c.path()),
                "set false (or remove)",
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
            r#"{"spec":{"securityContext":{"windowsOptions":{"hostProcess":true}},
            "containers":[{"name":"a","securityContext":{"windowsOptions":{"hostProcess":true}}},{"name":"b"}]}}"#,
        );
        assert_eq!(
            v1_0(&m, &s).unwrap().detail,
            r#"pod and container "a" must not set securityContext.windowsOptions.hostProcess=true"#
        );
        let (m, s) = pod(
            r#"{"spec":{"containers":[{"name":"a","securityContext":{"windowsOptions":{"hostProcess":false}}}]}}"#,
        );
        assert!(v1_0(&m, &s).is_none());
    }
}
