//! Checks of a profile file, as findings rather than a first error, so a
//! user sees everything wrong at once.
//!
//! - the OCI JSON Schema of `linux.seccomp` (embedded, `src/data/`);
//! - the parser's own errors (the field and the problem);
//! - syscall names that are no syscall on any listed architecture, as this
//!   machine's libseccomp knows them (runc and crun skip such names
//!   silently, so a typo weakens nothing but allows nothing either);
//! - rules whose action equals the default action (no effect);
//! - a name listed twice in one rule, or unconditionally in two rules
//!   (an error when the actions differ: libseccomp refuses the filter);
//! - `errnoRet` on an action other than `SCMP_ACT_ERRNO` / `SCMP_ACT_TRACE`
//!   (the runtime must refuse it), argument indexes above 5, more than six
//!   conditions, `listenerMetadata` without `listenerPath`,
//!   `SCMP_ACT_NOTIFY` without a listener;
//! - moby-only fields (`archMap`, `comment`, `includes`, `excludes`,
//!   `minKernel`, `name`) in a profile for containerd's `Localhost`, which
//!   containerd ignores silently: the rules they guard then apply always.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use libseccomp::{ScmpArch, ScmpSyscall};
use serde::Serialize;
use serde_json::Value;

use crate::profile::{Action, Arch, Profile};

/// The embedded OCI schema of `linux.seccomp`.
pub const OCI_SCHEMA: &str = include_str!("data/oci-seccomp.schema.json");

/// Where the profile is meant to be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Target {
    /// Any OCI runtime (runc, crun), or Docker.
    Oci,
    /// A `Localhost` profile of the kubelet on containerd.
    ContainerdLocalhost,
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The runtime refuses the profile, or it is not a profile.
    Error,
    /// It loads, but does not do what it seems to.
    Warning,
    /// Worth knowing.
    Info,
}

/// One problem in a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How bad.
    pub severity: Severity,
    /// The field, as `syscalls[3].names[1]`; empty for the whole document.
    pub path: String,
    /// What is wrong, and why it matters.
    pub message: String,
}

impl Finding {
    fn new(severity: Severity, path: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            severity,
            path: path.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        if self.path.is_empty() {
            write!(f, "{sev}: {}", self.message)
        } else {
            write!(f, "{sev}: {}: {}", self.path, self.message)
        }
    }
}

/// Validates profile JSON text; findings are sorted by path as they occur
/// in the document order of checks. An empty list means nothing was found.
pub fn validate(profile_json: &str, target: Target) -> Vec<Finding> {
    let value: Value = match serde_json::from_str(profile_json) {
        Ok(v) => v,
        Err(e) => {
            return vec![Finding::new(
                Severity::Error,
                "",
                format!(
                    "invalid JSON at line {} column {}: {e}",
                    e.line(),
                    e.column()
                ),
            )];
        }
    };
    let mut findings = schema_findings(&value);
    moby_fields(&value, target, &mut findings);
    match Profile::from_value(&value) {
        Ok(profile) => findings.extend(validate_profile(&profile, target)),
        Err(crate::Error::BadProfile { path, reason }) => {
            // The schema usually said it already; say it once.
            if !findings
                .iter()
                .any(|f| f.path == path && f.severity == Severity::Error)
            {
                findings.push(Finding::new(Severity::Error, path, reason));
            }
        }
        Err(e) => findings.push(Finding::new(Severity::Error, "", e.to_string())),
    }
    findings
}

/// The checks that need a parsed profile (everything but the schema and
/// moby fields). For [`Target::Oci`], template rules (with `includes` or
/// `excludes`) are left out of the duplicate check, since Docker keeps only
/// some of them; containerd keeps them all, so there they count.
pub fn validate_profile(profile: &Profile, target: Target) -> Vec<Finding> {
    let mut out = Vec::new();
    if profile.listener_metadata.is_some() && profile.listener_path.is_none() {
        out.push(Finding::new(
            Severity::Error,
            "listenerMetadata",
            "listenerMetadata is set without listenerPath",
        ));
    }
    let notify = profile.default_action == Action::Notify
        || profile.syscalls.iter().any(|r| r.action == Action::Notify);
    if notify && profile.listener_path.is_none() {
        out.push(Finding::new(
            Severity::Error,
            "listenerPath",
            "SCMP_ACT_NOTIFY is used but no listenerPath is set",
        ));
    }
    if profile.default_errno_ret.is_some()
        && !matches!(profile.default_action, Action::Errno | Action::Trace)
    {
        out.push(Finding::new(
            Severity::Error,
            "defaultErrnoRet",
            format!(
                "defaultErrnoRet is only meaningful with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not {}",
                profile.default_action
            ),
        ));
    }
    let arches: Vec<Arch> = if profile.architectures.is_empty() {
        // No list means the native architecture, which a file does not
        // name: check against every architecture.
        Arch::ALL.to_vec()
    } else {
        profile.architectures.clone()
    };
    // name -> (rule index, action label) of unconditional rules.
    let mut flat: BTreeMap<&str, (usize, String)> = BTreeMap::new();
    for (i, rule) in profile.syscalls.iter().enumerate() {
        let at = format!("syscalls[{i}]");
        if rule.errno_ret.is_some() && !matches!(rule.action, Action::Errno | Action::Trace) {
            out.push(Finding::new(
                Severity::Error,
                format!("{at}.errnoRet"),
                format!(
                    "errnoRet is only meaningful with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not {}",
                    rule.action
                ),
            ));
        }
        let same_errno = rule.errno_ret.unwrap_or(crate::profile::EPERM) == profile.default_errno();
        let errno_like = matches!(rule.action, Action::Errno | Action::Trace);
        if rule.action == profile.default_action && (!errno_like || same_errno) {
            out.push(Finding::new(
                Severity::Warning,
                format!("{at}.action"),
                format!(
                    "the rule's action equals the default action {}: it has no effect",
                    crate::profile::action_label(rule.action, rule.errno_ret)
                ),
            ));
        }
        if rule.args.len() > 6 {
            out.push(Finding::new(
                Severity::Error,
                format!("{at}.args"),
                format!(
                    "{} argument conditions; a syscall has at most 6 arguments",
                    rule.args.len()
                ),
            ));
        }
        for (j, arg) in rule.args.iter().enumerate() {
            if arg.index > 5 {
                out.push(Finding::new(
                    Severity::Error,
                    format!("{at}.args[{j}].index"),
                    format!("argument index {} is out of range 0..=5", arg.index),
                ));
            }
        }
        let label = crate::profile::action_label(rule.action, rule.errno_ret);
        for (k, name) in rule.names.iter().enumerate() {
            let npath = format!("{at}.names[{k}]");
            if rule.names[..k].contains(name) {
                out.push(Finding::new(
                    Severity::Warning,
                    npath.clone(),
                    format!("{name:?} is listed twice in this rule"),
                ));
                continue;
            }
            if !arches.iter().any(|a| syscall_number(*a, name).is_some()) {
                out.push(Finding::new(
                    Severity::Warning,
                    npath.clone(),
                    format!(
                        "{name:?} is not a syscall on {} (libseccomp {}); runtimes skip it",
                        if profile.architectures.is_empty() {
                            "any architecture".to_owned()
                        } else {
                            profile
                                .architectures
                                .iter()
                                .map(|a| a.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        },
                        libseccomp_version()
                    ),
                ));
            }
            let conditional_in_template =
                target == Target::Oci && (rule.includes.is_some() || rule.excludes.is_some());
            if rule.args.is_empty() && !conditional_in_template {
                if let Some((first, first_label)) = flat.get(name.as_str()) {
                    let (severity, what) = if *first_label == label {
                        (Severity::Warning, "again")
                    } else {
                        (Severity::Error, "with a different action")
                    };
                    out.push(Finding::new(
                        severity,
                        npath,
                        format!(
                            "{name:?} is already listed unconditionally in syscalls[{first}] ({first_label}) and here {what} ({label})"
                        ),
                    ));
                } else {
                    flat.insert(name, (i, label.clone()));
                }
            }
        }
    }
    out
}

/// The syscall number of a name on an architecture, as this machine's
/// libseccomp knows it; `None` when the name is unknown there or is only a
/// libseccomp pseudo-syscall (a negative number: the syscall does not exist
/// on that architecture, or is multiplexed, like `socket` through
/// `socketcall` on old i386).
pub fn syscall_number(arch: Arch, name: &str) -> Option<i32> {
    if name.is_empty() || name.len() > 63 || name.contains('\0') {
        return None;
    }
    let nr = ScmpSyscall::from_name_by_arch(name, scmp_arch(arch)).ok()?;
    let nr = nr.as_raw_syscall();
    (nr >= 0).then_some(nr)
}

/// The version of the libseccomp library in use, `major.minor.micro`.
pub fn libseccomp_version() -> String {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| match libseccomp::ScmpVersion::current() {
        Ok(v) => format!("{}.{}.{}", v.major, v.minor, v.micro),
        Err(_) => "unknown version".to_owned(),
    })
    .clone()
}

fn scmp_arch(arch: Arch) -> ScmpArch {
    match arch {
        Arch::X86 => ScmpArch::X86,
        Arch::X86_64 => ScmpArch::X8664,
        Arch::X32 => ScmpArch::X32,
        Arch::Arm => ScmpArch::Arm,
        Arch::Aarch64 => ScmpArch::Aarch64,
        Arch::Loongarch64 => ScmpArch::Loongarch64,
        Arch::M68k => ScmpArch::M68k,
        Arch::Mips => ScmpArch::Mips,
        Arch::Mips64 => ScmpArch::Mips64,
        Arch::Mips64N32 => ScmpArch::Mips64N32,
        Arch::Mipsel => ScmpArch::Mipsel,
        Arch::Mipsel64 => ScmpArch::Mipsel64,
        Arch::Mipsel64N32 => ScmpArch::Mipsel64N32,
        Arch::Ppc => ScmpArch::Ppc,
        Arch::Ppc64 => ScmpArch::Ppc64,
        Arch::Ppc64Le => ScmpArch::Ppc64Le,
        Arch::S390 => ScmpArch::S390,
        Arch::S390X => ScmpArch::S390X,
        Arch::Sh => ScmpArch::Sh,
        Arch::Sheb => ScmpArch::Sheb,
        Arch::Parisc => ScmpArch::Parisc,
        Arch::Parisc64 => ScmpArch::Parisc64,
        Arch::Riscv64 => ScmpArch::Riscv64,
    }
}

fn compiled_schema() -> Option<&'static (boon::Schemas, boon::SchemaIndex)> {
    static SCHEMA: OnceLock<Option<(boon::Schemas, boon::SchemaIndex)>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let doc: Value = serde_json::from_str(OCI_SCHEMA).ok()?;
            let mut schemas = boon::Schemas::new();
            let mut compiler = boon::Compiler::new();
            compiler.add_resource("oci-seccomp.schema.json", doc).ok()?;
            let index = compiler
                .compile("oci-seccomp.schema.json", &mut schemas)
                .ok()?;
            Some((schemas, index))
        })
        .as_ref()
}

fn schema_findings(value: &Value) -> Vec<Finding> {
    let Some((schemas, index)) = compiled_schema() else {
        return vec![Finding::new(
            Severity::Error,
            "",
            "the embedded OCI schema does not compile",
        )];
    };
    let Err(err) = schemas.validate(value, *index) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    collect_leaves(&err, &mut out);
    out
}

/// The innermost errors: the outer ones only say "a property failed".
fn collect_leaves(err: &boon::ValidationError<'_, '_>, out: &mut Vec<Finding>) {
    if err.causes.is_empty() {
        let mut path = String::new();
        for tok in &err.instance_location.tokens {
            match tok {
                boon::InstanceToken::Prop(p) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(p);
                }
                boon::InstanceToken::Item(i) => path.push_str(&format!("[{i}]")),
            }
        }
        out.push(Finding::new(
            Severity::Error,
            path,
            format!("schema: {}", err.kind),
        ));
    }
    for cause in &err.causes {
        collect_leaves(cause, out);
    }
}

fn moby_fields(value: &Value, target: Target, out: &mut Vec<Finding>) {
    let (severity, tail) = match target {
        Target::ContainerdLocalhost => (
            Severity::Warning,
            "containerd ignores it silently in a Localhost profile",
        ),
        Target::Oci => (
            Severity::Info,
            "only Docker evaluates it; runc and crun ignore it",
        ),
    };
    let Some(root) = value.as_object() else {
        return;
    };
    for key in ["archMap", "comment"] {
        if root.contains_key(key) {
            out.push(Finding::new(
                severity,
                key,
                format!("{key} is a moby template field: {tail}"),
            ));
        }
    }
    let Some(rules) = root.get("syscalls").and_then(Value::as_array) else {
        return;
    };
    for (i, rule) in rules.iter().enumerate() {
        let Some(rule) = rule.as_object() else {
            continue;
        };
        for key in ["includes", "excludes"] {
            if let Some(filter) = rule.get(key).and_then(Value::as_object) {
                if filter.is_empty() {
                    continue;
                }
                let fields: Vec<&str> = filter.keys().map(String::as_str).collect();
                let effect = if key == "includes" {
                    "the rule applies on every machine and capability set"
                } else {
                    "the rule is never dropped"
                };
                out.push(Finding::new(
                    severity,
                    format!("syscalls[{i}].{key}"),
                    format!(
                        "{key} ({}) is a moby template field: {tail}; {effect}",
                        fields.join(", ")
                    ),
                ));
            }
        }
        for key in ["comment", "name"] {
            if rule.contains_key(key) && (key != "comment" || target == Target::ContainerdLocalhost)
            {
                out.push(Finding::new(
                    severity,
                    format!("syscalls[{i}].{key}"),
                    format!("{key} is a moby template field: {tail}"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(findings: &[Finding], severity: Severity) -> Vec<String> {
        findings
            .iter()
            .filter(|f| f.severity == severity)
            .map(|f| f.path.clone())
            .collect()
    }

    #[test]
    fn clean_profile_has_no_findings() {
        let text = r#"{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],
          "syscalls":[{"names":["read","write","chown32"],"action":"SCMP_ACT_ALLOW"},
          {"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}"#;
        assert_eq!(validate(text, Target::ContainerdLocalhost), vec![]);
    }

    #[test]
    fn invalid_json_is_one_error_with_position() {
        let f = validate("{\"defaultAction\": }", Target::Oci);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("line 1 column"), "{}", f[0].message);
    }

    #[test]
    fn schema_and_parser_errors_name_the_field() {
        let f = validate(
            r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_FOO"}]}"#,
            Target::Oci,
        );
        assert_eq!(paths(&f, Severity::Error), vec!["syscalls[0].action"]);
        let f = validate(r#"{"syscalls":[]}"#, Target::Oci);
        assert!(!paths(&f, Severity::Error).is_empty());
    }

    #[test]
    fn unknown_names_no_effect_duplicates_errno() {
        let text = r#"{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],
          "syscalls":[{"names":["read","raed","read"],"action":"SCMP_ACT_ALLOW"},
          {"names":["mount"],"action":"SCMP_ACT_ERRNO"},
          {"names":["read"],"action":"SCMP_ACT_LOG","errnoRet":5},
          {"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":7,"value":1,"op":"SCMP_CMP_EQ"}]}]}"#;
        let f = validate(text, Target::Oci);
        let w = paths(&f, Severity::Warning);
        assert!(w.contains(&"syscalls[0].names[1]".to_owned()), "{f:#?}");
        assert!(w.contains(&"syscalls[0].names[2]".to_owned()), "{f:#?}");
        assert!(w.contains(&"syscalls[1].action".to_owned()), "{f:#?}");
        let e = paths(&f, Severity::Error);
        assert!(e.contains(&"syscalls[2].errnoRet".to_owned()), "{f:#?}");
        assert!(e.contains(&"syscalls[2].names[0]".to_owned()), "{f:#?}");
        assert!(
            e.contains(&"syscalls[3].args[0].index".to_owned()),
            "{f:#?}"
        );
        // chown32 exists on x86 but not on x86_64.
        assert_eq!(syscall_number(Arch::X86_64, "chown32"), None);
        assert!(syscall_number(Arch::X86, "chown32").is_some());
        assert_eq!(syscall_number(Arch::X86_64, "read"), Some(0));
    }

    #[test]
    fn moby_fields_warn_for_containerd_localhost() {
        let f = validate(crate::resolve::DOCKER_TEMPLATE, Target::ContainerdLocalhost);
        let w = paths(&f, Severity::Warning);
        assert!(w.contains(&"archMap".to_owned()));
        assert!(w.contains(&"syscalls[1].includes".to_owned()), "{w:?}");
        // Without includes/excludes, clone3 is both allowed (CAP_SYS_ADMIN
        // block) and ENOSYS: libseccomp refuses the filter.
        assert_eq!(paths(&f, Severity::Error), vec!["syscalls[20].names[0]"]);
        let f = validate(crate::resolve::DOCKER_TEMPLATE, Target::Oci);
        assert!(paths(&f, Severity::Error).is_empty(), "{f:#?}");
        assert!(
            paths(&f, Severity::Warning)
                .iter()
                .all(|p| !p.contains("includes"))
        );
    }

    #[test]
    fn resolved_defaults_validate_clean_of_errors() {
        for rt in [
            crate::resolve::Runtime::Containerd,
            crate::resolve::Runtime::Docker,
        ] {
            let p = crate::resolve::resolve_default(rt, "amd64", None, (6, 8)).unwrap();
            let f = validate(&p.to_json(), Target::ContainerdLocalhost);
            assert!(paths(&f, Severity::Error).is_empty(), "{rt:?}: {f:#?}");
            for finding in &f {
                println!("{rt:?}: {finding}");
            }
        }
    }
}
