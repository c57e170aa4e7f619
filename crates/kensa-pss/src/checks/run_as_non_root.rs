//! `runAsNonRoot` (restricted).
//!
//! Fields: `spec.securityContext.runAsNonRoot` and
//! `spec.{initContainers,containers,ephemeralContainers}[*].securityContext.runAsNonRoot`.
//! Required: true at pod level, or on every container; never false. The kubelet
//! then refuses to start an image that would run as UID 0.
//! From v1.35, pods with an explicit `spec.hostUsers: false` pass: UID 0 in a
//! user namespace maps to an unprivileged UID on the node.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{
    Check, CheckVersion, Forbidden, Remedy, containers, containers_phrase, in_user_namespace,
    setters,
};
use crate::api::{Level, Version};

pub(crate) static CHECK: Check = Check {
    id: "runAsNonRoot",
    level: Level::Restricted,
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

struct Findings<'a> {
    pod_false: bool,
    pod_true: bool,
    explicit: Vec<(&'a str, String)>,
    implicit: Vec<(&'a str, String)>,
}

fn findings(spec: &PodSpec) -> Findings<'_> {
    let pod_value = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.run_as_non_root);
    let mut f = Findings {
        pod_false: pod_value == Some(false),
        pod_true: pod_value == Some(true),
        explicit: Vec::new(),
        implicit: Vec::new(),
    };
    for c in containers(spec) {
        match c.security_context.and_then(|sc| sc.run_as_non_root) {
            Some(false) => f.explicit.push((c.name, c.path())),
            Some(true) => {}
            None if !f.pod_true => f.implicit.push((c.name, c.path())),
            None => {}
        }
    }
    f
}

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    let f = findings(spec);
    if f.pod_false || !f.explicit.is_empty() {
        let names: Vec<&str> = f.explicit.iter().map(|(n, _)| *n).collect();
        return Forbidden::new(
            "runAsNonRoot != true",
            format!(
                "{} must not set securityContext.runAsNonRoot=false",
                setters(f.pod_false, &names)
            ),
        );
    }
    if !f.implicit.is_empty() {
        let names: Vec<&str> = f.implicit.iter().map(|(n, _)| *n).collect();
        return Forbidden::new(
            "runAsNonRoot != true",
            "pod or ".to_owned()
                + &containers_phrase(&names)
                + " must set securityContext.runAsNonRoot=true",
        );
    }
    None
}

fn v1_35(meta: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    if in_user_namespace(spec) {
        return None;
    }
    v1_0(meta, spec)
}

fn remedies(_: &ObjectMeta, spec: &PodSpec, _: Version) -> Vec<Remedy> {
    let f = findings(spec);
    let mut out = Vec::new();
    if f.pod_false || !f.implicit.is_empty() {
        out.push(Remedy::spec("securityContext.runAsNonRoot", "set true"));
    }
    for (_, path) in &f.explicit {
        out.push(Remedy::spec(
            format!("{path}.securityContext.runAsNonRoot"),
            "set true (or remove)",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::pod;

    #[test]
    fn explicit_false_takes_precedence() {
        let (m, s) = pod(
            r#"{"spec":{"securityContext":{"runAsNonRoot":false},"containers":[{"name":"a"},
            {"name":"b","securityContext":{"runAsNonRoot":false}}]}}"#,
        );
        assert_eq!(
            v1_0(&m, &s).unwrap().detail,
            r#"pod and container "b" must not set securityContext.runAsNonRoot=false"#
        );
    }

    #[test]
    fn implicit_containers_listed() {
        let (m, s) = pod(
            r#"{"spec":{"containers":[{"name":"a"},{"name":"b","securityContext":{"runAsNonRoot":true}},{"name":"c"}]}}"#,
        );
        assert_eq!(
            v1_0(&m, &s).unwrap().detail,
            r#"pod or containers "a", "c" must set securityContext.runAsNonRoot=true"#
        );
    }

    #[test]
    fn pod_level_true_covers_containers_and_user_namespace_relaxes() {
        let (m, s) = pod(
            r#"{"spec":{"securityContext":{"runAsNonRoot":true},"containers":[{"name":"a"}]}}"#,
        );
        assert!(v1_0(&m, &s).is_none());
        let (m, s) = pod(r#"{"spec":{"hostUsers":false,"containers":[{"name":"a"}]}}"#);
        assert!(v1_35(&m, &s).is_none());
        assert!(v1_0(&m, &s).is_some());
    }
}
