//! The runtimes' RuntimeDefault profiles, resolved for a machine.
//!
//! Both defaults are embedded as templates in moby's dialect (see
//! `src/data/SOURCES.md`): Docker's own `default.json`, and a data rendering
//! of containerd's `DefaultProfile()` Go code. One evaluator resolves both,
//! with moby's semantics, rule by rule:
//!
//! 1. `excludes` first: the rule is dropped if its `arches` hold the native
//!    architecture, if ANY of its `caps` is in the bounding set, or if the
//!    kernel is at least its `minKernel`;
//! 2. then `includes`: the rule is kept only if its `arches` hold the native
//!    architecture, ALL its `caps` are in the bounding set, and the kernel is
//!    at least its `minKernel`.
//!
//! Architecture names in `arches` are libseccomp-golang's native names
//! (`amd64`, `x86` for GOARCH 386, `arm64`, ...; see [`Arch::native_name`]).
//! The result's `architectures` come from the template's `archMap` (Docker)
//! or from containerd's per-GOARCH list (`x-architecturesByGoarch`).
//!
//! Rule order follows each runtime: Docker keeps the template order;
//! containerd emits its per-capability blocks in the order the capabilities
//! appear in the bounding set (its `for _, c := range caps { switch c ... }`),
//! after the architecture blocks and before the `!admin` clone rules.

use serde_json::Value;

use crate::profile::{Arch, Filter, Profile, SyscallRule};
use crate::{Error, Result};

/// Docker's template, moby/profiles `seccomp/default.json`.
pub const DOCKER_TEMPLATE: &str = include_str!("data/docker-default.json");
/// containerd's default, rendered as a template in moby's dialect.
pub const CONTAINERD_TEMPLATE: &str = include_str!("data/containerd-default.json");

/// The default bounding set of containers, identical (names and order) in
/// containerd (`oci.populateDefaultUnixSpec`) and Docker
/// (`oci/caps.DefaultCapabilities`).
pub const DEFAULT_CAPS: [&str; 14] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

/// A container runtime whose default profile kensa knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    /// containerd: what Kubernetes' `RuntimeDefault` means on containerd.
    Containerd,
    /// Docker (moby).
    Docker,
}

impl Runtime {
    /// The runtime's default bounding set (14 capabilities).
    pub fn default_caps(self) -> Vec<String> {
        DEFAULT_CAPS.iter().map(|c| (*c).to_owned()).collect()
    }

    /// The runtime's template, as embedded.
    pub fn template_json(self) -> &'static str {
        match self {
            Runtime::Containerd => CONTAINERD_TEMPLATE,
            Runtime::Docker => DOCKER_TEMPLATE,
        }
    }

    /// The runtime's template, parsed.
    pub fn template(self) -> Result<Profile> {
        Profile::from_json(self.template_json())
    }
}

impl std::str::FromStr for Runtime {
    type Err = Error;

    fn from_str(s: &str) -> Result<Runtime> {
        match s {
            "containerd" => Ok(Runtime::Containerd),
            "docker" | "moby" => Ok(Runtime::Docker),
            _ => Err(Error::BadProfile {
                path: String::new(),
                reason: format!("unknown runtime {s:?} (expected containerd or docker)"),
            }),
        }
    }
}

/// Resolves a runtime's default profile.
///
/// `arch` is a GOARCH name (`amd64`, `arm64`, `386`, `arm`, `ppc64le`,
/// `s390x`, `riscv64`, `loong64`), or a kernel/libseccomp name for the same
/// (`x86_64`, `aarch64`); `caps` is the bounding set, `None` for the
/// runtime's default 14; `kernel` is (major, minor).
pub fn resolve_default(
    runtime: Runtime,
    arch: &str,
    caps: Option<&[String]>,
    kernel: (u32, u32),
) -> Result<Profile> {
    let native = Arch::from_any_name(arch).ok_or_else(|| Error::UnknownArch(arch.to_owned()))?;
    let default_caps = runtime.default_caps();
    let caps = caps.unwrap_or(&default_caps);
    let template = runtime.template()?;
    let mut profile = resolve_template(&template, native, caps, kernel);
    match runtime {
        Runtime::Docker => {
            // moby quirk, kept for fidelity: its GOARCH-to-libseccomp table
            // turns loong64 into `loongarch64`, which no archMap key
            // matches, so Docker lists no architectures there.
            if native == Arch::Loongarch64 {
                profile.architectures.clear();
            }
        }
        Runtime::Containerd => {
            profile.architectures = containerd_architectures(arch, native);
            order_cap_blocks(&template, native, caps, kernel, &mut profile);
        }
    }
    Ok(profile)
}

/// Resolves any moby template for a native architecture, a bounding set and
/// a kernel version, as Docker does; the rule order is the template's.
pub fn resolve_template(
    template: &Profile,
    native: Arch,
    caps: &[String],
    kernel: (u32, u32),
) -> Profile {
    let mut out = template.clone();
    out.comment = None;
    out.arch_map.clear();
    for entry in &template.arch_map {
        if entry.architecture == native {
            out.architectures.push(entry.architecture);
            out.architectures.extend(&entry.sub_architectures);
        }
    }
    out.syscalls = template
        .syscalls
        .iter()
        .filter(|r| applies(r, native, caps, kernel))
        .map(plain_rule)
        .collect();
    out
}

/// moby's rule filter: excludes first, then includes.
fn applies(rule: &SyscallRule, native: Arch, caps: &[String], kernel: (u32, u32)) -> bool {
    let arch = native.native_name();
    let has_cap = |c: &String| caps.contains(c);
    if let Some(ex) = &rule.excludes
        && (ex.arches.iter().any(|a| a == arch)
            || ex.caps.iter().any(has_cap)
            || ex.min_kernel.is_some_and(|min| kernel >= min))
    {
        return false;
    }
    if let Some(inc) = &rule.includes {
        if !inc.arches.is_empty() && !inc.arches.iter().any(|a| a == arch) {
            return false;
        }
        if !inc.caps.iter().all(has_cap) {
            return false;
        }
        if inc.min_kernel.is_some_and(|min| kernel < min) {
            return false;
        }
    }
    true
}

fn plain_rule(rule: &SyscallRule) -> SyscallRule {
    SyscallRule {
        comment: None,
        includes: None,
        excludes: None,
        ..rule.clone()
    }
}

fn cap_filter(rule: &SyscallRule) -> Option<&Filter> {
    rule.includes.as_ref().filter(|f| !f.caps.is_empty())
}

/// Reorders containerd's per-capability blocks by the bounding set's order.
/// The template lists them in one run; rules before the run and after it
/// keep their places.
fn order_cap_blocks(
    template: &Profile,
    native: Arch,
    caps: &[String],
    kernel: (u32, u32),
    profile: &mut Profile,
) {
    let mut before = Vec::new();
    let mut blocks: Vec<(usize, SyscallRule)> = Vec::new();
    let mut after = Vec::new();
    for rule in &template.syscalls {
        if !applies(rule, native, caps, kernel) {
            continue;
        }
        match cap_filter(rule) {
            Some(f) => {
                let pos = f
                    .caps
                    .iter()
                    .filter_map(|c| caps.iter().position(|b| b == c))
                    .max()
                    .unwrap_or(usize::MAX);
                blocks.push((pos, plain_rule(rule)));
            }
            None if blocks.is_empty() => before.push(plain_rule(rule)),
            None => after.push(plain_rule(rule)),
        }
    }
    // Stable: rules of the same capability keep the template's order.
    blocks.sort_by_key(|(pos, _)| *pos);
    profile.syscalls = before
        .into_iter()
        .chain(blocks.into_iter().map(|(_, r)| r))
        .chain(after)
        .collect();
}

/// containerd's architectures for a GOARCH, from the template's
/// `x-architecturesByGoarch` (its `arches()` switch; other GOARCHes get none,
/// which means the native one).
pub(crate) fn containerd_architectures(goarch: &str, native: Arch) -> Vec<Arch> {
    let Ok(Value::Object(root)) = serde_json::from_str::<Value>(CONTAINERD_TEMPLATE) else {
        return Vec::new();
    };
    let Some(Value::Object(by_goarch)) = root.get("x-architecturesByGoarch") else {
        return Vec::new();
    };
    let list = by_goarch
        .get(goarch)
        .or_else(|| by_goarch.get(native.native_name()))
        .or_else(|| by_goarch.get("*"));
    list.and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .filter_map(Arch::parse)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn reference() -> Option<PathBuf> {
        kensa_reference::dir("seccomp", "")
    }

    #[test]
    fn embedded_templates_parse() {
        for rt in [Runtime::Containerd, Runtime::Docker] {
            let t = rt.template().unwrap();
            assert!(t.is_template());
        }
    }

    /// The resolver's output equals the reference's `resolved/*.json`,
    /// compared as JSON values. The reference's `x-resolvedFor` (metadata:
    /// goarch, kernel, bounding set) is the input and is removed before
    /// comparing; nothing else is reordered: rule order and name order are
    /// compared as they are.
    #[test]
    fn resolved_equals_reference() {
        let Some(dir) = reference() else { return };
        let mut seen = 0;
        for entry in std::fs::read_dir(dir.join("resolved")).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let runtime = if name.starts_with("docker") {
                Runtime::Docker
            } else {
                Runtime::Containerd
            };
            let mut expected: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let meta = expected
                .as_object_mut()
                .unwrap()
                .remove("x-resolvedFor")
                .unwrap();
            let caps: Vec<String> = meta["bounding"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect();
            let goarch = meta["goarch"].as_str().unwrap();
            let got = resolve_default(runtime, goarch, Some(&caps), (6, 8)).unwrap();
            assert_eq!(got.to_value(), expected, "{name}");
            seen += 1;
        }
        assert_eq!(seen, 4);
    }

    /// The reference's `default-profiles-diff.json` lists the base-list
    /// names only one runtime allows on amd64; the diff finds the same.
    #[test]
    fn diff_matches_reference_summary() {
        let Some(dir) = reference() else { return };
        let summary: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("default-profiles-diff.json")).unwrap(),
        )
        .unwrap();
        let first_words = |key: &str| -> Vec<String> {
            let mut v: Vec<String> = summary["base_allow_list"][key]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().split(' ').next().unwrap().to_owned())
                .collect();
            v.sort();
            v
        };
        let docker = resolve_default(Runtime::Docker, "amd64", None, (6, 8)).unwrap();
        let containerd = resolve_default(Runtime::Containerd, "amd64", None, (6, 8)).unwrap();
        let d = crate::diff::diff(&docker, &containerd);
        assert_eq!(
            d.syscalls_added["SCMP_ACT_ALLOW"],
            first_words("only_containerd")
        );
        assert_eq!(
            d.syscalls_removed["SCMP_ACT_ALLOW"],
            first_words("only_docker")
        );
        assert_eq!(docker.syscalls[0].names.len(), 361);
        assert_eq!(containerd.syscalls[0].names.len(), 363);
    }

    #[test]
    fn default_caps_are_the_same_fourteen() {
        let a = resolve_default(Runtime::Containerd, "amd64", None, (6, 8)).unwrap();
        let caps = Runtime::Containerd.default_caps();
        let b = resolve_default(Runtime::Containerd, "x86_64", Some(&caps), (6, 8)).unwrap();
        assert_eq!(a, b);
        assert_eq!(caps.len(), 14);
    }

    #[test]
    fn arch_and_kernel_filters() {
        // ptrace needs kernel 4.8.
        let old = resolve_default(Runtime::Docker, "amd64", None, (4, 4)).unwrap();
        assert!(
            !old.syscalls
                .iter()
                .any(|r| r.names.contains(&"ptrace".into()))
        );
        // s390x: clone flags are in arg 1.
        let s390 = resolve_default(Runtime::Docker, "s390x", None, (6, 8)).unwrap();
        let clone: Vec<_> = s390
            .syscalls
            .iter()
            .filter(|r| r.names == ["clone"])
            .collect();
        assert_eq!(clone.len(), 1);
        assert_eq!(clone[0].args[0].index, 1);
        assert_eq!(s390.architectures, vec![Arch::S390X, Arch::S390]);
        let arm64 = resolve_default(Runtime::Containerd, "arm64", None, (6, 8)).unwrap();
        assert_eq!(arm64.architectures, vec![Arch::Arm, Arch::Aarch64]);
        assert!(
            arm64
                .syscalls
                .iter()
                .any(|r| r.names.contains(&"arm_fadvise64_64".into()))
        );
        assert!(
            !arm64
                .syscalls
                .iter()
                .any(|r| r.names.contains(&"arch_prctl".into()))
        );
        let x86 = resolve_default(Runtime::Containerd, "386", None, (6, 8)).unwrap();
        assert!(x86.architectures.is_empty());
        assert!(resolve_default(Runtime::Docker, "z80", None, (6, 8)).is_err());
    }

    #[test]
    fn containerd_cap_blocks_follow_bounding_order() {
        let caps: Vec<String> = ["CAP_SYS_ADMIN", "CAP_SYS_CHROOT"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let p = resolve_default(Runtime::Containerd, "amd64", Some(&caps), (6, 8)).unwrap();
        let admin = p
            .syscalls
            .iter()
            .position(|r| r.names.contains(&"bpf".into()));
        let chroot = p.syscalls.iter().position(|r| r.names == ["chroot"]);
        assert!(admin < chroot);
    }
}
