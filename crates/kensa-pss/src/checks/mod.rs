//! The Pod Security Standards checks: one file each, registered in [`ALL`].
//!
//! Each check mirrors one upstream `policy/check_*.go`: the same fields, the same
//! versions, and the same `ForbiddenReason`/`ForbiddenDetail` text byte for byte.
//! A check's file documents what it looks at and why, holds every versioned
//! implementation, how to fix a failure ([`Remedy`]), and its unit tests.

use std::borrow::Cow;

use k8s_openapi::api::core::v1::{ContainerPort, Lifecycle, PodSpec, Probe, SecurityContext};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::{Level, Version};

mod allow_privilege_escalation;
mod app_armor_profile;
mod capabilities_baseline;
mod capabilities_restricted;
mod host_namespaces;
mod host_path_volumes;
mod host_ports;
mod host_probes_and_host_lifecycle;
mod privileged;
mod proc_mount;
mod proc_mount_restricted;
mod restricted_volumes;
mod run_as_non_root;
mod run_as_user;
mod se_linux_options;
mod seccomp_profile_baseline;
mod seccomp_profile_restricted;
mod sysctls;
mod windows_host_process;

/// Every check kensa knows, in no particular order: the evaluation order is
/// derived from it (see [`crate::Evaluator`]).
pub static ALL: &[&Check] = &[
    &allow_privilege_escalation::CHECK,
    &app_armor_profile::CHECK,
    &capabilities_baseline::CHECK,
    &capabilities_restricted::CHECK,
    &host_namespaces::CHECK,
    &host_path_volumes::CHECK,
    &host_ports::CHECK,
    &host_probes_and_host_lifecycle::CHECK,
    &privileged::CHECK,
    &proc_mount::CHECK,
    &proc_mount_restricted::CHECK,
    &restricted_volumes::CHECK,
    &run_as_non_root::CHECK,
    &run_as_user::CHECK,
    &se_linux_options::CHECK,
    &seccomp_profile_baseline::CHECK,
    &seccomp_profile_restricted::CHECK,
    &sysctls::CHECK,
    &windows_host_process::CHECK,
];

/// Looks a check up by its upstream ID.
pub fn by_id(id: &str) -> Option<&'static Check> {
    ALL.iter().copied().find(|check| check.id == id)
}

/// A check: an upstream check ID with its versioned implementations.
#[derive(Debug)]
pub struct Check {
    /// The upstream check ID, e.g. `allowPrivilegeEscalation`.
    pub id: &'static str,
    /// The level that introduces the check (restricted also runs baseline checks).
    pub level: Level,
    /// Baseline checks this (restricted) check replaces while one of its versions is active.
    pub overrides: &'static [&'static str],
    /// Implementations, oldest first; the newest whose `min_minor` is at most the
    /// evaluated version applies.
    pub versions: &'static [CheckVersion],
    /// How to make a failing pod pass.
    pub remedies: fn(&ObjectMeta, &PodSpec, Version) -> Vec<Remedy>,
}

/// One implementation of a check, active from `v1.<min_minor>`.
#[derive(Debug)]
pub struct CheckVersion {
    /// The first minor version this implementation applies to.
    pub min_minor: u32,
    /// Returns the violation, or `None` when the pod is allowed.
    pub evaluate: fn(&ObjectMeta, &PodSpec) -> Option<Forbidden>,
}

impl Check {
    /// The implementation active at `minor`, if the check exists at that version.
    pub fn at(&self, minor: u32) -> Option<&'static CheckVersion>
    where
        Self: 'static,
    {
        self.versions.iter().rev().find(|v| v.min_minor <= minor)
    }
}

/// Why a check rejects a pod: upstream's `ForbiddenReason` and `ForbiddenDetail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forbidden {
    /// Short reason, e.g. `allowPrivilegeEscalation != false`.
    pub reason: Cow<'static, str>,
    /// Detail, e.g. `container "web" must set securityContext.allowPrivilegeEscalation=false`.
    pub detail: String,
}

impl Forbidden {
    pub(crate) fn new(reason: impl Into<Cow<'static, str>>, detail: String) -> Option<Self> {
        Some(Forbidden {
            reason: reason.into(),
            detail,
        })
    }
}

/// Where a field to change lives: in the pod (template) metadata or spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Root {
    /// `metadata` of the pod or template.
    Metadata,
    /// `spec` of the pod or template.
    Spec,
}

/// One change that moves a pod towards passing a check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Remedy {
    /// Whether `path` is under metadata or spec.
    pub root: Root,
    /// The field path below the root, e.g. `containers[0].securityContext.privileged`.
    pub path: String,
    /// What to do, e.g. `set false` or `remove`.
    pub action: String,
}

impl Remedy {
    pub(crate) fn spec(path: impl Into<String>, action: impl Into<String>) -> Self {
        Remedy {
            root: Root::Spec,
            path: path.into(),
            action: action.into(),
        }
    }
    pub(crate) fn metadata(path: impl Into<String>, action: impl Into<String>) -> Self {
        Remedy {
            root: Root::Metadata,
            path: path.into(),
            action: action.into(),
        }
    }
}

/// A container of any of the three lists, seen the same way.
pub(crate) struct ContainerView<'a> {
    pub name: &'a str,
    /// `initContainers`, `containers` or `ephemeralContainers`.
    pub list: &'static str,
    pub index: usize,
    pub security_context: Option<&'a SecurityContext>,
    pub ports: &'a [ContainerPort],
    pub probes: [Option<&'a Probe>; 3],
    pub lifecycle: Option<&'a Lifecycle>,
}

impl ContainerView<'_> {
    /// The field path of this container, e.g. `containers[1]`.
    pub fn path(&self) -> String {
        format!("{}[{}]", self.list, self.index)
    }
}

/// Builds a [`ContainerView`] from a `Container` or an `EphemeralContainer`:
/// distinct types in k8s-openapi with the same security-relevant fields.
macro_rules! container_view {
    ($list:literal) => {
        |(index, c)| ContainerView {
            name: &c.name,
            list: $list,
            index,
            security_context: c.security_context.as_ref(),
            ports: c.ports.as_deref().unwrap_or_default(),
            probes: [
                c.liveness_probe.as_ref(),
                c.readiness_probe.as_ref(),
                c.startup_probe.as_ref(),
            ],
            lifecycle: c.lifecycle.as_ref(),
        }
    };
}

/// Visits containers in upstream's order: init containers, containers, ephemeral containers.
pub(crate) fn containers(spec: &PodSpec) -> impl Iterator<Item = ContainerView<'_>> {
    let init = spec
        .init_containers
        .as_deref()
        .unwrap_or_default()
        .iter()
        .enumerate();
    let regular = spec.containers.iter().enumerate();
    let ephemeral = spec
        .ephemeral_containers
        .as_deref()
        .unwrap_or_default()
        .iter()
        .enumerate();
    init.map(container_view!("initContainers"))
        .chain(regular.map(container_view!("containers")))
        .chain(ephemeral.map(container_view!("ephemeralContainers")))
}

/// True for `spec.os.name: windows` (upstream skips Linux-only checks for these from v1.25).
pub(crate) fn is_windows(spec: &PodSpec) -> bool {
    spec.os.as_ref().is_some_and(|os| os.name == "windows")
}

/// True for an explicit `spec.hostUsers: false` (the pod runs in a user namespace).
pub(crate) fn in_user_namespace(spec: &PodSpec) -> bool {
    spec.host_users == Some(false)
}

/// Go's `pluralize(singular, plural, count)`.
pub(crate) fn pluralize(
    singular: &'static str,
    plural: &'static str,
    count: usize,
) -> &'static str {
    if count == 1 { singular } else { plural }
}

/// Go's `joinQuote`: `"a", "b"`, or the empty string for no items.
pub(crate) fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut out = String::with_capacity(items.iter().map(|s| s.as_ref().len() + 4).sum());
    push_quoted(&mut out, items);
    out
}

/// `container "a"` / `containers "a", "b"`.
pub(crate) fn containers_phrase<S: AsRef<str>>(names: &[S]) -> String {
    let mut out =
        String::with_capacity(12 + names.iter().map(|s| s.as_ref().len() + 4).sum::<usize>());
    out.push_str(pluralize("container ", "containers ", names.len()));
    push_quoted(&mut out, names);
    out
}

/// Appends Go's `joinQuote(items)` to `out`.
pub(crate) fn push_quoted<S: AsRef<str>>(out: &mut String, items: &[S]) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        out.push_str(item.as_ref());
        out.push('"');
    }
}

/// The "who set it" phrase: `pod`, the containers, joined with ` and `.
pub(crate) fn setters<S: AsRef<str>>(pod: bool, containers: &[S]) -> String {
    let mut parts: Vec<String> = Vec::with_capacity(2);
    if pod {
        parts.push("pod".to_owned());
    }
    if !containers.is_empty() {
        parts.push(containers_phrase(containers));
    }
    parts.join(" and ")
}

/// Sorted, de-duplicated list (Go's `sets.NewString(...).List()`): byte-wise order.
pub(crate) fn sorted_set<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Vec<String> {
    let mut out: Vec<String> = items.into_iter().map(|s| s.as_ref().to_owned()).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Go's `strconv.Quote`, used where upstream formats with `%q`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => {
                let n = c as u32;
                if n <= 0xFFFF {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Small builders for the checks' unit tests.
    use k8s_openapi::api::core::v1::PodSpec;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    /// Parses a pod from JSON text (metadata and spec only).
    pub fn pod(json: &str) -> (ObjectMeta, PodSpec) {
        let value: serde_json::Value = serde_json::from_str(json).expect("test pod JSON");
        let meta = value
            .get("metadata")
            .cloned()
            .unwrap_or_else(|| serde_json::json!({}));
        let mut spec = value
            .get("spec")
            .cloned()
            .unwrap_or_else(|| serde_json::json!({}));
        if spec.get("containers").is_none() {
            spec["containers"] = serde_json::json!([]);
        }
        (
            serde_json::from_value(meta).expect("test metadata"),
            serde_json::from_value(spec).expect("test spec"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_quote_matches_go() {
        assert_eq!(join_quote::<&str>(&[]), "");
        assert_eq!(join_quote(&["a"]), "\"a\"");
        assert_eq!(join_quote(&["a", "b"]), "\"a\", \"b\"");
    }

    #[test]
    fn go_quote_escapes() {
        assert_eq!(go_quote("unconfined"), "\"unconfined\"");
        assert_eq!(go_quote("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\x01\"");
        assert_eq!(go_quote("é"), "\"é\"");
    }

    #[test]
    fn every_check_has_a_unique_id_and_ordered_versions() {
        let mut ids: Vec<_> = ALL.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
        for check in ALL {
            assert!(
                check
                    .versions
                    .windows(2)
                    .all(|w| w[0].min_minor < w[1].min_minor),
                "{}",
                check.id
            );
        }
    }
}
