//! `seLinuxOptions` (baseline).
//!
//! Fields: `seLinuxOptions.{type,user,role}` at pod level and in every container's
//! securityContext. Allowed: type empty, `container_t`, `container_init_t`,
//! `container_kvm_t` (and from v1.31 `container_engine_t`); user and role unset.
//! A custom type, user or role can select an unconfined SELinux domain.

use k8s_openapi::api::core::v1::{PodSpec, SELinuxOptions};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{
    Check, CheckVersion, Forbidden, Remedy, containers, join_quote, pluralize, setters, sorted_set,
};
use crate::api::{Level, Version};

pub(crate) static CHECK: Check = Check {
    id: "seLinuxOptions",
    level: Level::Baseline,
    overrides: &[],
    versions: &[
        CheckVersion {
            min_minor: 0,
            evaluate: v1_0,
        },
        CheckVersion {
            min_minor: 31,
            evaluate: v1_31,
        },
    ],
    remedies,
};

const TYPES_1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];
const TYPES_1_31: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

#[derive(Default)]
struct Problems<'a> {
    bad_types: Vec<&'a str>,
    set_user: bool,
    set_role: bool,
}

impl<'a> Problems<'a> {
    /// Records what is wrong with `opts`; true when it is valid.
    fn inspect(&mut self, opts: &'a SELinuxOptions, allowed: &[&str]) -> bool {
        let mut valid = true;
        let kind = opts.type_.as_deref().unwrap_or_default();
        if !allowed.contains(&kind) {
            valid = false;
            self.bad_types.push(kind);
        }
        if opts.user.as_deref().is_some_and(|u| !u.is_empty()) {
            valid = false;
            self.set_user = true;
        }
        if opts.role.as_deref().is_some_and(|r| !r.is_empty()) {
            valid = false;
            self.set_role = true;
        }
        valid
    }
}

fn evaluate(spec: &PodSpec, allowed: &[&str]) -> Option<Forbidden> {
    let mut problems = Problems::default();
    let pod_bad = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.se_linux_options.as_ref())
        .is_some_and(|opts| !problems.inspect(opts, allowed));
    let mut bad_containers = Vec::new();
    for c in containers(spec) {
        let options = c
            .security_context
            .and_then(|sc| sc.se_linux_options.as_ref());
        if options.is_some_and(|opts| !problems.inspect(opts, allowed)) {
            bad_containers.push(c.name);
        }
    }
    if !pod_bad && bad_containers.is_empty() {
        return None;
    }
    let mut data = Vec::with_capacity(3);
    if !problems.bad_types.is_empty() {
        let types = sorted_set(problems.bad_types);
        data.push(format!(
            "{} {}",
            pluralize("type", "types", types.len()),
            join_quote(&types)
        ));
    }
    if problems.set_user {
        data.push("user may not be set".to_owned());
    }
    if problems.set_role {
        data.push("role may not be set".to_owned());
    }
    Forbidden::new(
        "seLinuxOptions",
        format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters(pod_bad, &bad_containers),
            data.join("; ")
        ),
    )
}

fn v1_0(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    evaluate(spec, TYPES_1_0)
}

fn v1_31(_: &ObjectMeta, spec: &PodSpec) -> Option<Forbidden> {
    evaluate(spec, TYPES_1_31)
}

fn remedies(_: &ObjectMeta, spec: &PodSpec, version: Version) -> Vec<Remedy> {
    let allowed = if version.effective_minor() >= 31 {
        TYPES_1_31
    } else {
        TYPES_1_0
    };
    let mut out = Vec::new();
    let mut push = |at: String, opts: &SELinuxOptions| {
        if !allowed.contains(&opts.type_.as_deref().unwrap_or_default()) {
            out.push(Remedy::spec(
                format!("{at}seLinuxOptions.type"),
                "set container_t (or remove)",
            ));
        }
        if opts.user.as_deref().is_some_and(|u| !u.is_empty()) {
            out.push(Remedy::spec(format!("{at}seLinuxOptions.user"), "remove"));
        }
        if opts.role.as_deref().is_some_and(|r| !r.is_empty()) {
            out.push(Remedy::spec(format!("{at}seLinuxOptions.role"), "remove"));
        }
    };
    if let Some(opts) = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.se_linux_options.as_ref())
    {
        push("securityContext.".to_owned(), opts);
    }
    for c in containers(spec) {
        if let Some(opts) = c
            .security_context
            .and_then(|sc| sc.se_linux_options.as_ref())
        {
            push(format!("{}.securityContext.", c.path()), opts);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::pod;

    #[test]
    fn types_user_and_role() {
        let (m, s) = pod(
            r#"{"spec":{"securityContext":{"seLinuxOptions":{"type":"spc_t"}},"containers":[
            {"name":"a","securityContext":{"seLinuxOptions":{"user":"u","role":"r","type":"foo"}}},
            {"name":"b","securityContext":{"seLinuxOptions":{"type":"container_t","level":"s0"}}}]}}"#,
        );
        assert_eq!(
            v1_0(&m, &s).unwrap().detail,
            r#"pod and container "a" set forbidden securityContext.seLinuxOptions: types "foo", "spc_t"; user may not be set; role may not be set"#
        );
        assert_eq!(remedies(&m, &s, Version::Latest).len(), 4);
    }

    #[test]
    fn container_engine_t_allowed_from_1_31() {
        let (m, s) = pod(
            r#"{"spec":{"containers":[{"name":"a","securityContext":{"seLinuxOptions":{"type":"container_engine_t"}}}]}}"#,
        );
        assert!(v1_31(&m, &s).is_none());
        assert_eq!(
            v1_0(&m, &s).unwrap().detail,
            r#"container "a" set forbidden securityContext.seLinuxOptions: type "container_engine_t""#
        );
    }
}
