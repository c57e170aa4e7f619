//! The OCI `linux.seccomp` object, and moby's template dialect on top of it.
//!
//! One [`Profile`] type holds both: the OCI fields (`defaultAction`,
//! `defaultErrnoRet`, `architectures`, `flags`, `listenerPath`,
//! `listenerMetadata`, `syscalls[]`), and the optional fields only Docker
//! evaluates (`archMap`, `comment`, and per rule `comment`, `includes`,
//! `excludes`). [`crate::resolve`] turns a template into a plain profile.
//!
//! The parser walks the JSON by hand rather than deriving `Deserialize`, so
//! that an error on untrusted input names the exact field
//! (`syscalls[3].action`) and the problem. Unknown fields are ignored, as
//! runc and containerd ignore them; [`crate::validate`] reports the ones that
//! matter.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::{Error, Result};

/// Declares a string-valued enum with its wire names, `as_str`, `parse` and
/// `ALL`, so that the list of accepted names lives in one place.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $wire)] $variant,)+
        }

        impl $name {
            /// Every value, in the order the OCI schema lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The name in profiles.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }

            /// Parses a name as profiles spell it; `None` when unknown.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($wire => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// What the kernel does with a matching syscall.
    Action {
        /// Kill the thread (the historical name of `KILL_THREAD`).
        Kill = "SCMP_ACT_KILL",
        /// Kill the whole process.
        KillProcess = "SCMP_ACT_KILL_PROCESS",
        /// Kill the thread.
        KillThread = "SCMP_ACT_KILL_THREAD",
        /// Send SIGSYS.
        Trap = "SCMP_ACT_TRAP",
        /// Fail with an errno (`errnoRet`, EPERM when unset).
        Errno = "SCMP_ACT_ERRNO",
        /// Notify a ptrace tracer.
        Trace = "SCMP_ACT_TRACE",
        /// Run the syscall.
        Allow = "SCMP_ACT_ALLOW",
        /// Run the syscall and log it.
        Log = "SCMP_ACT_LOG",
        /// Ask the user-space listener at `listenerPath`.
        Notify = "SCMP_ACT_NOTIFY",
    }
}

wire_enum! {
    /// A libseccomp architecture token.
    Arch {
        /// i386.
        X86 = "SCMP_ARCH_X86",
        /// x86-64.
        X86_64 = "SCMP_ARCH_X86_64",
        /// x32 (32-bit pointers on x86-64).
        X32 = "SCMP_ARCH_X32",
        /// 32-bit ARM.
        Arm = "SCMP_ARCH_ARM",
        /// 64-bit ARM.
        Aarch64 = "SCMP_ARCH_AARCH64",
        /// LoongArch 64.
        Loongarch64 = "SCMP_ARCH_LOONGARCH64",
        /// Motorola 68000.
        M68k = "SCMP_ARCH_M68K",
        /// MIPS o32, big endian.
        Mips = "SCMP_ARCH_MIPS",
        /// MIPS n64, big endian.
        Mips64 = "SCMP_ARCH_MIPS64",
        /// MIPS n32, big endian.
        Mips64N32 = "SCMP_ARCH_MIPS64N32",
        /// MIPS o32, little endian.
        Mipsel = "SCMP_ARCH_MIPSEL",
        /// MIPS n64, little endian.
        Mipsel64 = "SCMP_ARCH_MIPSEL64",
        /// MIPS n32, little endian.
        Mipsel64N32 = "SCMP_ARCH_MIPSEL64N32",
        /// 32-bit PowerPC.
        Ppc = "SCMP_ARCH_PPC",
        /// 64-bit PowerPC, big endian.
        Ppc64 = "SCMP_ARCH_PPC64",
        /// 64-bit PowerPC, little endian.
        Ppc64Le = "SCMP_ARCH_PPC64LE",
        /// 31-bit s390.
        S390 = "SCMP_ARCH_S390",
        /// 64-bit s390x.
        S390X = "SCMP_ARCH_S390X",
        /// SuperH, little endian.
        Sh = "SCMP_ARCH_SH",
        /// SuperH, big endian.
        Sheb = "SCMP_ARCH_SHEB",
        /// 32-bit PA-RISC.
        Parisc = "SCMP_ARCH_PARISC",
        /// 64-bit PA-RISC.
        Parisc64 = "SCMP_ARCH_PARISC64",
        /// 64-bit RISC-V.
        Riscv64 = "SCMP_ARCH_RISCV64",
    }
}

wire_enum! {
    /// How an argument is compared.
    Op {
        /// `arg != value`.
        Ne = "SCMP_CMP_NE",
        /// `arg < value`.
        Lt = "SCMP_CMP_LT",
        /// `arg <= value`.
        Le = "SCMP_CMP_LE",
        /// `arg == value`.
        Eq = "SCMP_CMP_EQ",
        /// `arg >= value`.
        Ge = "SCMP_CMP_GE",
        /// `arg > value`.
        Gt = "SCMP_CMP_GT",
        /// `arg & value == valueTwo`.
        MaskedEq = "SCMP_CMP_MASKED_EQ",
    }
}

wire_enum! {
    /// A flag passed to seccomp(2) when the filter is loaded.
    Flag {
        /// Synchronise all threads to the filter.
        Tsync = "SECCOMP_FILTER_FLAG_TSYNC",
        /// Log every action but ALLOW.
        Log = "SECCOMP_FILTER_FLAG_LOG",
        /// Do not enable speculative store bypass mitigation.
        SpecAllow = "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        /// Wait killably for the notification listener.
        WaitKillableRecv = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
    }
}

impl Arch {
    /// The architecture name libseccomp and moby's `includes.arches` use
    /// (`amd64`, `x86`, `arm64`, ...), as libseccomp-golang's `String()`
    /// spells it.
    pub fn native_name(self) -> &'static str {
        match self {
            Arch::X86 => "x86",
            Arch::X86_64 => "amd64",
            Arch::X32 => "x32",
            Arch::Arm => "arm",
            Arch::Aarch64 => "arm64",
            Arch::Loongarch64 => "loong64",
            Arch::M68k => "m68k",
            Arch::Mips => "mips",
            Arch::Mips64 => "mips64",
            Arch::Mips64N32 => "mips64n32",
            Arch::Mipsel => "mipsel",
            Arch::Mipsel64 => "mipsel64",
            Arch::Mipsel64N32 => "mipsel64n32",
            Arch::Ppc => "ppc",
            Arch::Ppc64 => "ppc64",
            Arch::Ppc64Le => "ppc64le",
            Arch::S390 => "s390",
            Arch::S390X => "s390x",
            Arch::Sh => "sh",
            Arch::Sheb => "sheb",
            Arch::Parisc => "parisc",
            Arch::Parisc64 => "parisc64",
            Arch::Riscv64 => "riscv64",
        }
    }

    /// The architecture for a name as the kernel (`uname -m`), libseccomp's
    /// C library (the keys of [`crate::recording::Recording::syscalls`]),
    /// Go (`GOARCH`) or libseccomp-golang spell it.
    pub fn from_any_name(name: &str) -> Option<Arch> {
        if let Some(arch) = Arch::parse(name) {
            return Some(arch);
        }
        Some(match name {
            "x86_64" | "amd64" => Arch::X86_64,
            "x86" | "386" | "i386" | "i686" => Arch::X86,
            "x32" => Arch::X32,
            "arm" => Arch::Arm,
            "aarch64" | "arm64" => Arch::Aarch64,
            "loongarch64" | "loong64" => Arch::Loongarch64,
            "m68k" => Arch::M68k,
            "mips" => Arch::Mips,
            "mips64" => Arch::Mips64,
            "mips64n32" => Arch::Mips64N32,
            "mipsel" | "mipsle" => Arch::Mipsel,
            "mipsel64" | "mips64le" => Arch::Mipsel64,
            "mipsel64n32" => Arch::Mipsel64N32,
            "ppc" => Arch::Ppc,
            "ppc64" => Arch::Ppc64,
            "ppc64le" => Arch::Ppc64Le,
            "s390" => Arch::S390,
            "s390x" => Arch::S390X,
            "sh" => Arch::Sh,
            "sheb" => Arch::Sheb,
            "parisc" => Arch::Parisc,
            "parisc64" => Arch::Parisc64,
            "riscv64" => Arch::Riscv64,
            _ => return None,
        })
    }
}

/// A condition on one syscall argument.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Arg {
    /// The argument's index, 0 to 5.
    pub index: u32,
    /// The operand (the mask for `SCMP_CMP_MASKED_EQ`).
    pub value: u64,
    /// The second operand (the expected masked value for
    /// `SCMP_CMP_MASKED_EQ`). Kept as given: `Some(0)` and `None` are the
    /// same to the kernel but the runtimes differ in whether they write it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_two: Option<u64>,
    /// The comparison.
    pub op: Op,
}

impl Arg {
    /// Whether an argument value satisfies this condition, as the kernel
    /// compares (64-bit, unsigned).
    pub fn matches(&self, arg: u64) -> bool {
        match self.op {
            Op::Ne => arg != self.value,
            Op::Lt => arg < self.value,
            Op::Le => arg <= self.value,
            Op::Eq => arg == self.value,
            Op::Ge => arg >= self.value,
            Op::Gt => arg > self.value,
            Op::MaskedEq => arg & self.value == self.value_two.unwrap_or(0),
        }
    }
}

/// moby's `includes` / `excludes`: when a template rule applies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    /// Capabilities (`CAP_SYS_ADMIN`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub caps: Vec<String>,
    /// libseccomp-native architecture names (`amd64`, `x86`, `arm64`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub arches: Vec<String>,
    /// A kernel version (major, minor).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_kernel")]
    pub min_kernel: Option<(u32, u32)>,
}

impl Filter {
    /// Whether the filter says nothing.
    pub fn is_empty(&self) -> bool {
        self.caps.is_empty() && self.arches.is_empty() && self.min_kernel.is_none()
    }
}

fn ser_kernel<S: serde::Serializer>(
    v: &Option<(u32, u32)>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some((a, b)) => s.serialize_str(&format!("{a}.{b}")),
        None => s.serialize_none(),
    }
}

/// One entry of `syscalls[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyscallRule {
    /// The syscalls it covers.
    pub names: Vec<String>,
    /// What happens when it matches.
    pub action: Action,
    /// The errno for `SCMP_ACT_ERRNO` (or the value for `SCMP_ACT_TRACE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errno_ret: Option<u32>,
    /// Argument conditions, all of which must hold.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<Arg>,
    /// moby: a free comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// moby: the rule applies only when all of this holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub includes: Option<Filter>,
    /// moby: the rule is dropped when any of this holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excludes: Option<Filter>,
}

impl SyscallRule {
    /// A rule for some names with an action and nothing else.
    pub fn new(names: Vec<String>, action: Action) -> Self {
        SyscallRule {
            names,
            action,
            errno_ret: None,
            args: Vec::new(),
            comment: None,
            includes: None,
            excludes: None,
        }
    }

    /// Whether the rule uses moby-only fields.
    pub fn has_template_fields(&self) -> bool {
        self.comment.is_some() || self.includes.is_some() || self.excludes.is_some()
    }
}

/// moby's `archMap` entry: a native architecture and the compat ones that
/// go with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchMapEntry {
    /// The native architecture.
    pub architecture: Arch,
    /// Its compat architectures.
    pub sub_architectures: Vec<Arch>,
}

/// A seccomp profile: the OCI `linux.seccomp` object, plus moby's template
/// fields when the input had them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// What happens to syscalls no rule matches.
    pub default_action: Action,
    /// The errno of the default action (EPERM when unset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_errno_ret: Option<u32>,
    /// The architectures the filter covers; empty means the native one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub architectures: Vec<Arch>,
    /// seccomp(2) flags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<Flag>,
    /// The socket of the notification listener.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listener_path: Option<String>,
    /// Opaque data passed to the listener.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listener_metadata: Option<String>,
    /// moby: architectures chosen by the native one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub arch_map: Vec<ArchMapEntry>,
    /// moby/kensa: a free comment on the whole profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The rules, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub syscalls: Vec<SyscallRule>,
}

impl Profile {
    /// A profile with a default action and nothing else.
    pub fn new(default_action: Action) -> Self {
        Profile {
            default_action,
            default_errno_ret: None,
            architectures: Vec::new(),
            flags: Vec::new(),
            listener_path: None,
            listener_metadata: None,
            arch_map: Vec::new(),
            comment: None,
            syscalls: Vec::new(),
        }
    }

    /// Parses a profile (OCI or moby template) from JSON text.
    pub fn from_json(text: &str) -> Result<Profile> {
        let value: Value = serde_json::from_str(text).map_err(|e| Error::BadProfile {
            path: String::new(),
            reason: format!(
                "invalid JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            ),
        })?;
        Profile::from_value(&value)
    }

    /// Parses a profile from an already parsed JSON value.
    pub fn from_value(value: &Value) -> Result<Profile> {
        let obj = as_object(value, "")?;
        let default_action = match obj.get("defaultAction") {
            Some(v) => parse_action(v, "defaultAction")?,
            None => return Err(bad("defaultAction", "is required")),
        };
        let mut profile = Profile::new(default_action);
        profile.default_errno_ret = opt(obj, "defaultErrnoRet", "", parse_u32)?;
        if let Some(v) = obj.get("architectures") {
            profile.architectures = parse_list(v, "architectures", parse_arch)?;
        }
        if let Some(v) = obj.get("flags") {
            profile.flags = parse_list(v, "flags", |v, p| {
                let s = as_str(v, p)?;
                Flag::parse(s).ok_or_else(|| bad(p, format!("unknown flag {s:?}")))
            })?;
        }
        profile.listener_path = opt(obj, "listenerPath", "", |v, p| Ok(as_str(v, p)?.to_owned()))?;
        profile.listener_metadata = opt(obj, "listenerMetadata", "", |v, p| {
            Ok(as_str(v, p)?.to_owned())
        })?;
        profile.comment = opt(obj, "comment", "", |v, p| Ok(as_str(v, p)?.to_owned()))?;
        if let Some(v) = obj.get("archMap").filter(|v| !v.is_null()) {
            profile.arch_map = parse_list(v, "archMap", parse_arch_map)?;
        }
        if let Some(v) = obj.get("syscalls").filter(|v| !v.is_null()) {
            profile.syscalls = parse_list(v, "syscalls", parse_rule)?;
        }
        Ok(profile)
    }

    /// The profile as a JSON value, in the OCI field names; empty lists and
    /// unset fields are left out.
    pub fn to_value(&self) -> Value {
        // Serializing plain data into a Value cannot fail: every key is a
        // string and every number fits.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The profile as pretty-printed JSON (two-space indent, newline at the
    /// end), as a runtime reads it.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.to_value()).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Whether the profile uses moby's template fields, which only Docker
    /// evaluates.
    pub fn is_template(&self) -> bool {
        !self.arch_map.is_empty() || self.syscalls.iter().any(SyscallRule::has_template_fields)
    }

    /// The effective errno of the default action.
    pub fn default_errno(&self) -> u32 {
        self.default_errno_ret.unwrap_or(EPERM)
    }
}

/// EPERM, the errno of `SCMP_ACT_ERRNO` when none is given.
pub const EPERM: u32 = 1;

/// One syscall name's part of a rule: the unit that diff and merge compare,
/// so that the way names are grouped into rules does not matter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Entry {
    pub name: String,
    pub action: Action,
    pub errno_ret: Option<u32>,
    pub args: Vec<Arg>,
}

impl Entry {
    /// A label for the action, with its errno when one is set.
    pub fn action_label(&self) -> String {
        action_label(self.action, self.errno_ret)
    }
}

/// `SCMP_ACT_ERRNO(38)` or `SCMP_ACT_ALLOW`.
pub(crate) fn action_label(action: Action, errno_ret: Option<u32>) -> String {
    match errno_ret {
        Some(e) => format!("{action}({e})"),
        None => action.to_string(),
    }
}

/// Splits rules into per-name entries, in rule order.
pub(crate) fn entries(profile: &Profile) -> Vec<Entry> {
    let mut out = Vec::new();
    for rule in &profile.syscalls {
        for name in &rule.names {
            out.push(Entry {
                name: name.clone(),
                action: rule.action,
                errno_ret: rule.errno_ret,
                args: rule.args.clone(),
            });
        }
    }
    out
}

/// Builds rules from entries: unconditional entries grouped by action (the
/// allow group first, names sorted), then conditional ones, one rule each,
/// by name.
pub(crate) fn rules_from_entries(entries: impl IntoIterator<Item = Entry>) -> Vec<SyscallRule> {
    let mut flat: BTreeMap<(bool, Action, Option<u32>), BTreeSet<String>> = BTreeMap::new();
    let mut conditional: Vec<Entry> = Vec::new();
    for e in entries {
        if e.args.is_empty() {
            flat.entry((e.action != Action::Allow, e.action, e.errno_ret))
                .or_default()
                .insert(e.name);
        } else if !conditional.contains(&e) {
            conditional.push(e);
        }
    }
    conditional.sort_by(|a, b| a.name.cmp(&b.name));
    let mut rules: Vec<SyscallRule> = flat
        .into_iter()
        .map(|((_, action, errno_ret), names)| {
            let mut r = SyscallRule::new(names.into_iter().collect(), action);
            r.errno_ret = errno_ret;
            r
        })
        .collect();
    for e in conditional {
        let mut r = SyscallRule::new(vec![e.name], e.action);
        r.errno_ret = e.errno_ret;
        r.args = e.args;
        rules.push(r);
    }
    rules
}

/// Combines two profiles: the union of what either allows.
///
/// Both must have the same default action and errno. Architectures are the
/// union (first `a`'s, then those only `b` has); flags are the union. For a
/// syscall either side allows unconditionally, the other side's conditional
/// or non-allow rules are dropped (the union allows it anyway); other rules
/// are kept, duplicates once. moby template fields are refused: resolve a
/// template first.
pub fn merge_profiles(a: &Profile, b: &Profile) -> Result<Profile> {
    if a.default_action != b.default_action || a.default_errno() != b.default_errno() {
        return Err(Error::Merge {
            reason: format!(
                "default actions differ: {} and {}",
                action_label(a.default_action, a.default_errno_ret),
                action_label(b.default_action, b.default_errno_ret)
            ),
        });
    }
    if a.is_template() || b.is_template() {
        return Err(Error::Merge {
            reason: "a moby template (archMap, includes, excludes) must be resolved before merging"
                .into(),
        });
    }
    if a.listener_path != b.listener_path {
        return Err(Error::Merge {
            reason: "listenerPath differs".into(),
        });
    }
    let all: Vec<Entry> = entries(a).into_iter().chain(entries(b)).collect();
    let flat_allowed: BTreeSet<String> = all
        .iter()
        .filter(|e| e.action == Action::Allow && e.args.is_empty())
        .map(|e| e.name.clone())
        .collect();
    let kept = all.into_iter().filter(|e| {
        !(flat_allowed.contains(&e.name) && !(e.action == Action::Allow && e.args.is_empty()))
    });
    let mut out = a.clone();
    out.comment = None;
    for arch in &b.architectures {
        if !out.architectures.contains(arch) {
            out.architectures.push(*arch);
        }
    }
    for flag in &b.flags {
        if !out.flags.contains(flag) {
            out.flags.push(*flag);
        }
    }
    if out.listener_metadata.is_none() {
        out.listener_metadata = b.listener_metadata.clone();
    }
    out.syscalls = rules_from_entries(kept);
    Ok(out)
}

fn bad(path: &str, reason: impl Into<String>) -> Error {
    Error::BadProfile {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn as_object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>> {
    v.as_object().ok_or_else(|| {
        let at = if path.is_empty() { "the profile" } else { path };
        bad(
            path,
            format!("{at} must be an object, not {}", type_name(v)),
        )
    })
}

fn as_str<'a>(v: &'a Value, path: &str) -> Result<&'a str> {
    v.as_str()
        .ok_or_else(|| bad(path, format!("must be a string, not {}", type_name(v))))
}

fn parse_u64(v: &Value, path: &str) -> Result<u64> {
    v.as_u64().ok_or_else(|| match v {
        Value::Number(_) => bad(path, format!("{v} is not an integer from 0 to 2^64-1")),
        _ => bad(path, format!("must be a number, not {}", type_name(v))),
    })
}

fn parse_u32(v: &Value, path: &str) -> Result<u32> {
    let n = parse_u64(v, path)?;
    u32::try_from(n).map_err(|_| bad(path, format!("{n} does not fit in 32 bits")))
}

fn opt<T>(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
    f: impl Fn(&Value, &str) -> Result<T>,
) -> Result<Option<T>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => f(v, &join(path, key)).map(Some),
    }
}

fn parse_list<T>(v: &Value, path: &str, f: impl Fn(&Value, &str) -> Result<T>) -> Result<Vec<T>> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| f(item, &format!("{path}[{i}]")))
            .collect(),
        _ => Err(bad(path, format!("must be an array, not {}", type_name(v)))),
    }
}

fn parse_action(v: &Value, path: &str) -> Result<Action> {
    let s = as_str(v, path)?;
    Action::parse(s).ok_or_else(|| {
        bad(
            path,
            format!(
                "unknown action {s:?} (expected one of {})",
                list(Action::ALL.iter().map(|a| a.as_str()))
            ),
        )
    })
}

fn parse_arch(v: &Value, path: &str) -> Result<Arch> {
    let s = as_str(v, path)?;
    Arch::parse(s).ok_or_else(|| bad(path, format!("unknown architecture {s:?}")))
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

fn parse_arch_map(v: &Value, path: &str) -> Result<ArchMapEntry> {
    let obj = as_object(v, path)?;
    let architecture = match obj.get("architecture") {
        Some(v) => parse_arch(v, &join(path, "architecture"))?,
        None => return Err(bad(&join(path, "architecture"), "is required")),
    };
    let sub_architectures = match obj.get("subArchitectures") {
        Some(v) => parse_list(v, &join(path, "subArchitectures"), parse_arch)?,
        None => Vec::new(),
    };
    Ok(ArchMapEntry {
        architecture,
        sub_architectures,
    })
}

fn parse_rule(v: &Value, path: &str) -> Result<SyscallRule> {
    let obj = as_object(v, path)?;
    let mut names = match obj.get("names") {
        Some(v) => parse_list(v, &join(path, "names"), |v, p| Ok(as_str(v, p)?.to_owned()))?,
        None => Vec::new(),
    };
    // moby's legacy single `name`, still accepted by Docker.
    if let Some(name) = opt(obj, "name", path, |v, p| Ok(as_str(v, p)?.to_owned()))? {
        names.push(name);
    }
    if names.is_empty() {
        return Err(bad(&join(path, "names"), "must list at least one syscall"));
    }
    let action = match obj.get("action") {
        Some(v) => parse_action(v, &join(path, "action"))?,
        None => return Err(bad(&join(path, "action"), "is required")),
    };
    let mut rule = SyscallRule::new(names, action);
    rule.errno_ret = opt(obj, "errnoRet", path, parse_u32)?;
    if let Some(v) = obj.get("args") {
        rule.args = parse_list(v, &join(path, "args"), parse_arg)?;
    }
    rule.comment = opt(obj, "comment", path, |v, p| Ok(as_str(v, p)?.to_owned()))?;
    rule.includes = opt(obj, "includes", path, parse_filter)?;
    rule.excludes = opt(obj, "excludes", path, parse_filter)?;
    Ok(rule)
}

fn parse_arg(v: &Value, path: &str) -> Result<Arg> {
    let obj = as_object(v, path)?;
    let field = |key: &str| {
        obj.get(key)
            .ok_or_else(|| bad(&join(path, key), "is required"))
    };
    let index = parse_u32(field("index")?, &join(path, "index"))?;
    let value = parse_u64(field("value")?, &join(path, "value"))?;
    let value_two = opt(obj, "valueTwo", path, parse_u64)?;
    let op_path = join(path, "op");
    let s = as_str(field("op")?, &op_path)?;
    let op = Op::parse(s).ok_or_else(|| {
        bad(
            &op_path,
            format!(
                "unknown operator {s:?} (expected one of {})",
                list(Op::ALL.iter().map(|o| o.as_str()))
            ),
        )
    })?;
    Ok(Arg {
        index,
        value,
        value_two,
        op,
    })
}

fn parse_filter(v: &Value, path: &str) -> Result<Filter> {
    let obj = as_object(v, path)?;
    let strings = |key: &str| -> Result<Vec<String>> {
        match obj.get(key) {
            Some(v) => parse_list(v, &join(path, key), |v, p| Ok(as_str(v, p)?.to_owned())),
            None => Ok(Vec::new()),
        }
    };
    Ok(Filter {
        caps: strings("caps")?,
        arches: strings("arches")?,
        min_kernel: opt(obj, "minKernel", path, |v, p| {
            let s = as_str(v, p)?;
            parse_kernel(s)
                .ok_or_else(|| bad(p, format!("{s:?} is not a kernel version like \"4.8\"")))
        })?,
    })
}

/// Parses `major.minor` (trailing parts such as a patch level are ignored,
/// as moby ignores them).
pub(crate) fn parse_kernel(s: &str) -> Option<(u32, u32)> {
    let mut parts = s.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = match parts.next() {
        Some(m) => m.parse().ok()?,
        None => 0,
    };
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_path(text: &str) -> (String, String) {
        match Profile::from_json(text) {
            Err(Error::BadProfile { path, reason }) => (path, reason),
            other => panic!("expected BadProfile, got {other:?}"),
        }
    }

    #[test]
    fn parses_and_serializes_round_trip() {
        let text = r#"{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,
            "architectures":["SCMP_ARCH_X86_64"],"flags":["SECCOMP_FILTER_FLAG_LOG"],
            "syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
            {"names":["clone"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":2114060288,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]},
            {"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}"#;
        let p = Profile::from_json(text).unwrap();
        assert_eq!(p.syscalls.len(), 3);
        assert_eq!(p.syscalls[1].args[0].op, Op::MaskedEq);
        let back = Profile::from_json(&p.to_json()).unwrap();
        assert_eq!(p, back);
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(p.to_value(), v);
    }

    #[test]
    fn invalid_json_names_line_and_column() {
        let (path, reason) = err_path("{\n  \"defaultAction\": ,\n}");
        assert_eq!(path, "");
        assert!(reason.contains("line 2 column"), "{reason}");
    }

    #[test]
    fn unknown_action_names_the_field() {
        let (path, reason) = err_path(
            r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW"},{"names":["b"],"action":"SCMP_ACT_FOO"}]}"#,
        );
        assert_eq!(path, "syscalls[1].action");
        assert!(reason.contains("SCMP_ACT_FOO"), "{reason}");
    }

    #[test]
    fn unknown_arch_and_op_name_the_field() {
        let (path, _) = err_path(
            r#"{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_Z80"]}"#,
        );
        assert_eq!(path, "architectures[1]");
        let (path, reason) = err_path(
            r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_ABOUT"}]}]}"#,
        );
        assert_eq!(path, "syscalls[0].args[0].op");
        assert!(reason.contains("SCMP_CMP_ABOUT"));
    }

    #[test]
    fn wrong_types_and_missing_fields() {
        assert_eq!(err_path("[]").0, "");
        assert_eq!(err_path("{}").0, "defaultAction");
        assert_eq!(
            err_path(r#"{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":-1}"#).0,
            "defaultErrnoRet"
        );
        assert_eq!(
            err_path(r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":[],"action":"SCMP_ACT_ALLOW"}]}"#).0,
            "syscalls[0].names"
        );
        assert_eq!(
            err_path(r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":[1],"action":"SCMP_ACT_ALLOW"}]}"#).0,
            "syscalls[0].names[0]"
        );
    }

    #[test]
    fn masked_eq_uses_value_two() {
        let arg = Arg {
            index: 0,
            value: 0x7E02_0000,
            value_two: Some(0),
            op: Op::MaskedEq,
        };
        assert!(arg.matches(0x0111_0011)); // fork-like flags, no namespaces
        assert!(!arg.matches(0x1000_0000)); // CLONE_NEWUSER
    }

    #[test]
    fn merge_is_a_union() {
        let a = Profile::from_json(r#"{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["read","personality"],"action":"SCMP_ACT_ALLOW"},{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]}]}"#).unwrap();
        let b = Profile::from_json(r#"{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86"],"syscalls":[{"names":["write"],"action":"SCMP_ACT_ALLOW"},{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]},{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":2,"op":"SCMP_CMP_EQ"}]}]}"#).unwrap();
        let m = merge_profiles(&a, &b).unwrap();
        assert_eq!(m.architectures, vec![Arch::X86_64, Arch::X86]);
        assert_eq!(m.syscalls[0].names, vec!["personality", "read", "write"]);
        assert_eq!(m.syscalls.len(), 3, "{m:#?}");
        let c = Profile::new(Action::Log);
        assert!(matches!(merge_profiles(&a, &c), Err(Error::Merge { .. })));
    }
}
