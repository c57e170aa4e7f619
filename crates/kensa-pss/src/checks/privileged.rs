//! `privileged` (baseline).
//!
//! Fields: `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.privileged`.
//! Allowed: false or unset. A privileged container has every capability and all
//! host devices: it is root on the node.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, CheckVersion, Forbidden, Remedy, containers, containers_phrase};
use crate::api::{Level, Version};

pub(crate) static CHECK: Check = Check {
    id: "privileged",
    level: Level::Baseline,
    overrides: &[],
    versions: &[CheckVersion {
        min_minor: 0,
        evaluate: v1_0,
    }],
    remedies,
};

fn privileged(sc: Option<&k8s_openapi::api::core::v1::SecurityContext>) -> bool {
    sc.and_then(|sc| sc.privileged) == Some(true)
}

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let bad: Vec<&str> = containers(spec)
        .filter(|c| privileged(c.security_context))
        .map(|c| c.name)
        .collect();
    if bad.is_empty() {
        return None;
    }
    Forbidden::new(
        "privileged",
        containers_phrase(&bad) + " must not set securityContext.privileged=true",
    )
}

fn remedies(_: &ObjectMeta, spec: &PodSpec, _: Version) -> Vec<Remedy> {
    containers(spec)
        .filter(|c| privileged(c.security_context))
        .map(|c| {
            Remedy::spec(
                format!("{}.securityContext.privileged", c.path()),
                "set false (or remove)",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::pod;

    #[test]
    fn only_true_fails() {
        let (m, s) = pod(
            r#"{"spec":{"containers":[{"name":"a","securityContext":null},{"name":"b","securityContext":{}},
            {"name":"c","securityContext":{"privileged":false}},{"name":"d","securityContext":{"privileged":true}}]}}"#,
        );
        assert_eq!(
            v1_0(&m, &s).unwrap().detail,
            r#"container "d" must not set securityContext.privileged=true"#
        );
    }
}
