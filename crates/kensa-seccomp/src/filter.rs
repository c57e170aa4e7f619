//! From an OCI `linux.seccomp` object to a libseccomp filter and its BPF.
//!
//! [`FilterSpec`] is a deliberately small model of the OCI object: only the
//! fields a filter is made of. The typed profile model of this crate can be
//! converted into it; until then it is parsed straight from JSON.
//!
//! Building mirrors runc (`libcontainer/seccomp/seccomp_linux.go`), so that a
//! profile behaves under `kensa seccomp run` as it does in a container:
//!
//! - an architecture libseccomp does not know is an error (runc refuses the
//!   profile too);
//! - a syscall name libseccomp does not know for the native architecture is
//!   skipped, as runc does silently; [`Filter::skipped`] lists them so the
//!   caller can say so;
//! - a rule whose action equals the default action is skipped (libseccomp
//!   refuses such rules; runc ignores them);
//! - the conditions of one rule must all hold (one libseccomp rule), except
//!   when two or more conditions name the same argument index: then, like
//!   runc, each condition becomes a rule of its own, so that any one of them
//!   suffices;
//! - `errnoRet` defaults to `EPERM` for `SCMP_ACT_ERRNO` and `SCMP_ACT_TRACE`,
//!   and is refused on any other action;
//! - `SCMP_CMP_MASKED_EQ` reads `value` as the mask and `valueTwo` as the
//!   datum: `(arg & value) == valueTwo`.
//!
//! Not mirrored: runc's `patchbpf`, which makes syscalls newer than any the
//! profile names return `ENOSYS` instead of the default errno. With a
//! default of `SCMP_ACT_ERRNO` such syscalls return `EPERM` here.

use std::collections::BTreeSet;
use std::io::{Read, Seek, SeekFrom};

use libseccomp::{
    ScmpAction, ScmpArch, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext, ScmpSyscall,
};
use serde::Deserialize;

use crate::{Error, Result};

/// `SECCOMP_FILTER_FLAG_LOG`: log every action but `SCMP_ACT_ALLOW`.
const FLAG_LOG: u32 = 1 << 1;
/// `SECCOMP_FILTER_FLAG_SPEC_ALLOW`: keep speculative store bypass enabled.
const FLAG_SPEC_ALLOW: u32 = 1 << 2;

/// The fields of an OCI `linux.seccomp` object that make up a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterSpec {
    /// What a syscall no rule matches gets.
    pub default_action: Action,
    /// The architectures the filter accepts (libseccomp's `SCMP_ARCH_*`
    /// names, parsed). Empty means the native architecture only.
    pub architectures: Vec<ScmpArch>,
    /// The `flags` of the profile.
    pub flags: Flags,
    /// The rules, in profile order.
    pub syscalls: Vec<SyscallRule>,
}

/// An OCI seccomp action, with its `errnoRet` already applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `SCMP_ACT_KILL` and `SCMP_ACT_KILL_THREAD`: kill the thread.
    KillThread,
    /// `SCMP_ACT_KILL_PROCESS`: kill the whole process.
    KillProcess,
    /// `SCMP_ACT_TRAP`: send `SIGSYS`.
    Trap,
    /// `SCMP_ACT_ERRNO`: fail with this errno.
    Errno(u16),
    /// `SCMP_ACT_TRACE`: notify a ptrace tracer with this value.
    Trace(u16),
    /// `SCMP_ACT_ALLOW`.
    Allow,
    /// `SCMP_ACT_LOG`: allow and log.
    Log,
    /// `SCMP_ACT_NOTIFY`: ask a user-space supervisor.
    Notify,
}

impl Action {
    fn to_scmp(self) -> ScmpAction {
        match self {
            Self::KillThread => ScmpAction::KillThread,
            Self::KillProcess => ScmpAction::KillProcess,
            Self::Trap => ScmpAction::Trap,
            Self::Errno(e) => ScmpAction::Errno(i32::from(e)),
            Self::Trace(v) => ScmpAction::Trace(v),
            Self::Allow => ScmpAction::Allow,
            Self::Log => ScmpAction::Log,
            Self::Notify => ScmpAction::Notify,
        }
    }

    /// Parses an OCI action name with its `errnoRet`; `field` and
    /// `errno_field` name the places in the profile for errors.
    fn parse(name: &str, errno_ret: Option<u32>, field: &str, errno_field: &str) -> Result<Self> {
        let ret = |default: u16| -> Result<u16> {
            match errno_ret {
                None => Ok(default),
                Some(v) => u16::try_from(v).map_err(|_| Error::ProfileField {
                    field: errno_field.to_owned(),
                    message: format!("{v} is not an errno (0..=65535)"),
                }),
            }
        };
        let eperm = libc::EPERM as u16;
        let action = match name {
            "SCMP_ACT_ERRNO" => return Ok(Self::Errno(ret(eperm)?)),
            "SCMP_ACT_TRACE" => return Ok(Self::Trace(ret(eperm)?)),
            "SCMP_ACT_KILL" | "SCMP_ACT_KILL_THREAD" => Self::KillThread,
            "SCMP_ACT_KILL_PROCESS" => Self::KillProcess,
            "SCMP_ACT_TRAP" => Self::Trap,
            "SCMP_ACT_ALLOW" => Self::Allow,
            "SCMP_ACT_LOG" => Self::Log,
            "SCMP_ACT_NOTIFY" => Self::Notify,
            other => {
                return Err(Error::ProfileField {
                    field: field.to_owned(),
                    message: format!("unknown action {other:?}"),
                });
            }
        };
        if errno_ret.is_some() {
            return Err(Error::ProfileField {
                field: errno_field.to_owned(),
                message: format!(
                    "errnoRet is only allowed with SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not {name}"
                ),
            });
        }
        Ok(action)
    }
}

/// The OCI `flags` a filter is loaded with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// `SECCOMP_FILTER_FLAG_TSYNC`: accepted; the child that loads the filter
    /// has a single thread, so there is nothing to synchronise.
    pub tsync: bool,
    /// `SECCOMP_FILTER_FLAG_LOG`.
    pub log: bool,
    /// `SECCOMP_FILTER_FLAG_SPEC_ALLOW`.
    pub spec_allow: bool,
}

impl Flags {
    /// The bits passed to `seccomp(SECCOMP_SET_MODE_FILTER, ...)`.
    pub fn bits(self) -> u32 {
        (if self.log { FLAG_LOG } else { 0 }) | (if self.spec_allow { FLAG_SPEC_ALLOW } else { 0 })
    }
}

/// One entry of `syscalls`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyscallRule {
    /// The syscall names the rule covers.
    pub names: Vec<String>,
    /// What a matching call gets.
    pub action: Action,
    /// The argument conditions (see the module docs for how several combine).
    pub args: Vec<ArgCondition>,
}

/// One argument condition of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgCondition {
    /// Argument index, 0..=5.
    pub index: u32,
    /// The comparison; for `MaskedEq` the mask is in the operator.
    pub op: CompareOp,
    /// The value compared with (the datum, for `MaskedEq`).
    pub value: u64,
}

/// An OCI comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `SCMP_CMP_NE`.
    Ne,
    /// `SCMP_CMP_LT`.
    Lt,
    /// `SCMP_CMP_LE`.
    Le,
    /// `SCMP_CMP_EQ`.
    Eq,
    /// `SCMP_CMP_GE`.
    Ge,
    /// `SCMP_CMP_GT`.
    Gt,
    /// `SCMP_CMP_MASKED_EQ` with this mask.
    MaskedEq(u64),
}

impl CompareOp {
    fn to_scmp(self) -> ScmpCompareOp {
        match self {
            Self::Ne => ScmpCompareOp::NotEqual,
            Self::Lt => ScmpCompareOp::Less,
            Self::Le => ScmpCompareOp::LessOrEqual,
            Self::Eq => ScmpCompareOp::Equal,
            Self::Ge => ScmpCompareOp::GreaterEqual,
            Self::Gt => ScmpCompareOp::Greater,
            Self::MaskedEq(mask) => ScmpCompareOp::MaskedEqual(mask),
        }
    }
}

/// The raw JSON shape; only what a filter needs, other fields ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSpec {
    default_action: String,
    default_errno_ret: Option<u32>,
    #[serde(default)]
    architectures: Option<Vec<String>>,
    #[serde(default)]
    flags: Option<Vec<String>>,
    #[serde(default)]
    syscalls: Option<Vec<RawRule>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRule {
    names: Vec<String>,
    action: String,
    errno_ret: Option<u32>,
    #[serde(default)]
    args: Option<Vec<RawArg>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawArg {
    index: u32,
    value: u64,
    #[serde(default)]
    value_two: u64,
    op: String,
}

impl FilterSpec {
    /// Parses the JSON of an OCI `linux.seccomp` object (a Localhost profile
    /// file). Unknown actions, operators, architectures and flags are errors
    /// naming the field; unknown syscall names are not (see [`Filter::skipped`]).
    pub fn from_json(json: &str) -> Result<Self> {
        let raw: RawSpec = serde_json::from_str(json).map_err(Error::ProfileJson)?;
        let default_action = Action::parse(
            &raw.default_action,
            raw.default_errno_ret,
            "defaultAction",
            "defaultErrnoRet",
        )?;

        let mut architectures = Vec::new();
        for (i, name) in raw.architectures.unwrap_or_default().iter().enumerate() {
            let arch: ScmpArch = name.parse().map_err(|_| Error::ProfileField {
                field: format!("architectures[{i}]"),
                message: format!("unknown architecture {name:?}"),
            })?;
            architectures.push(arch);
        }

        let mut flags = Flags::default();
        for (i, flag) in raw.flags.unwrap_or_default().iter().enumerate() {
            match flag.as_str() {
                "SECCOMP_FILTER_FLAG_TSYNC" => flags.tsync = true,
                "SECCOMP_FILTER_FLAG_LOG" => flags.log = true,
                "SECCOMP_FILTER_FLAG_SPEC_ALLOW" => flags.spec_allow = true,
                other => {
                    return Err(Error::ProfileField {
                        field: format!("flags[{i}]"),
                        message: format!("unsupported flag {other:?}"),
                    });
                }
            }
        }

        let mut syscalls = Vec::new();
        for (i, rule) in raw.syscalls.unwrap_or_default().into_iter().enumerate() {
            let action = Action::parse(
                &rule.action,
                rule.errno_ret,
                &format!("syscalls[{i}].action"),
                &format!("syscalls[{i}].errnoRet"),
            )?;
            let mut args = Vec::new();
            for (j, arg) in rule.args.unwrap_or_default().iter().enumerate() {
                let field = format!("syscalls[{i}].args[{j}]");
                // libseccomp checks this too, but only when the filter is
                // built; saying it here names the field.
                if arg.index > 5 {
                    return Err(Error::ProfileField {
                        field: format!("{field}.index"),
                        message: format!("{} is not an argument index (0..=5)", arg.index),
                    });
                }
                let (op, value) = match arg.op.as_str() {
                    "SCMP_CMP_NE" => (CompareOp::Ne, arg.value),
                    "SCMP_CMP_LT" => (CompareOp::Lt, arg.value),
                    "SCMP_CMP_LE" => (CompareOp::Le, arg.value),
                    "SCMP_CMP_EQ" => (CompareOp::Eq, arg.value),
                    "SCMP_CMP_GE" => (CompareOp::Ge, arg.value),
                    "SCMP_CMP_GT" => (CompareOp::Gt, arg.value),
                    "SCMP_CMP_MASKED_EQ" => (CompareOp::MaskedEq(arg.value), arg.value_two),
                    other => {
                        return Err(Error::ProfileField {
                            field: format!("{field}.op"),
                            message: format!("unknown operator {other:?}"),
                        });
                    }
                };
                args.push(ArgCondition {
                    index: arg.index,
                    op,
                    value,
                });
            }
            syscalls.push(SyscallRule {
                names: rule.names,
                action,
                args,
            });
        }

        Ok(Self {
            default_action,
            architectures,
            flags,
            syscalls,
        })
    }

    /// Whether any action of the profile is `SCMP_ACT_NOTIFY`.
    pub fn uses_notify(&self) -> bool {
        self.default_action == Action::Notify
            || self.syscalls.iter().any(|r| r.action == Action::Notify)
    }

    /// Builds the libseccomp filter with libseccomp's default optimisation
    /// (a linear sequence of syscall checks).
    pub fn build(&self) -> Result<Filter> {
        self.build_with(&BuildOptions::default())
    }

    /// Builds the libseccomp filter.
    pub fn build_with(&self, options: &BuildOptions) -> Result<Filter> {
        let seccomp = |what: &str| {
            let what = what.to_owned();
            move |source| Error::Seccomp { what, source }
        };
        let mut ctx = ScmpFilterContext::new(self.default_action.to_scmp())
            .map_err(seccomp("creating the filter"))?;
        // The child sets no_new_privs itself before loading the exported BPF.
        ctx.set_ctl_nnp(false)
            .map_err(seccomp("clearing the no_new_privs attribute"))?;
        if options.binary_tree {
            ctx.set_ctl_optimize(2)
                .map_err(seccomp("asking for binary-tree optimisation"))?;
        }
        for arch in &self.architectures {
            // The native arch is already in a new context; add_arch refuses
            // duplicates with EEXIST, so ask first.
            let present = ctx
                .is_arch_present(*arch)
                .map_err(seccomp("checking an architecture"))?;
            if !present {
                ctx.add_arch(*arch)
                    .map_err(seccomp(&format!("adding architecture {arch:?}")))?;
            }
        }

        let mut skipped = BTreeSet::new();
        for (i, rule) in self.syscalls.iter().enumerate() {
            if rule.action == self.default_action {
                continue;
            }
            let action = rule.action.to_scmp();
            let conditions: Vec<ScmpArgCompare> = rule
                .args
                .iter()
                .map(|a| ScmpArgCompare::new(a.index, a.op.to_scmp(), a.value))
                .collect();
            let mut per_index = [0usize; 6];
            for a in &rule.args {
                // from_json guarantees index <= 5; a hand-made spec is
                // checked by libseccomp below instead of indexing out of range.
                if let Some(n) = per_index.get_mut(a.index as usize) {
                    *n += 1;
                }
            }
            let one_rule_per_condition = per_index.iter().any(|&n| n > 1);
            for name in &rule.names {
                let Ok(syscall) = ScmpSyscall::from_name(name) else {
                    skipped.insert(name.clone());
                    continue;
                };
                let what = || format!("syscalls[{i}]: adding a rule for {name}");
                if conditions.is_empty() {
                    ctx.add_rule(action, syscall).map_err(seccomp(&what()))?;
                } else if one_rule_per_condition {
                    for c in &conditions {
                        ctx.add_rule_conditional(action, syscall, std::slice::from_ref(c))
                            .map_err(seccomp(&what()))?;
                    }
                } else {
                    ctx.add_rule_conditional(action, syscall, &conditions)
                        .map_err(seccomp(&what()))?;
                }
            }
        }
        Ok(Filter {
            ctx,
            skipped: skipped.into_iter().collect(),
            flags: self.flags,
        })
    }
}

/// How to build a filter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BuildOptions {
    /// libseccomp's `SCMP_FLTATR_CTL_OPTIMIZE` = 2: a binary tree of syscall
    /// numbers instead of a linear list (fewer BPF instructions per syscall
    /// with long allow-lists). Measured here on containerd's RuntimeDefault
    /// for amd64 (three architectures): 1246 instructions instead of 1001,
    /// 10 ms to build instead of 6 ms, and no measurable gain per syscall, so
    /// it is off by default.
    pub binary_tree: bool,
}

/// A built filter, ready to be exported to BPF.
pub struct Filter {
    ctx: ScmpFilterContext,
    skipped: Vec<String>,
    flags: Flags,
}

impl std::fmt::Debug for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Filter")
            .field("skipped", &self.skipped)
            .field("flags", &self.flags)
            .finish()
    }
}

impl Filter {
    /// Syscall names of the profile unknown to this libseccomp for the native
    /// architecture, left out of the filter as runc leaves them out (sorted).
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// The profile's flags, for loading.
    pub fn flags(&self) -> Flags {
        self.flags
    }

    /// The libseccomp context, e.g. to load it into the current process.
    pub fn context(&self) -> &ScmpFilterContext {
        &self.ctx
    }

    /// The classic BPF program, as `struct sock_filter` entries in native
    /// byte order (8 bytes each).
    pub fn to_bpf(&self) -> Result<Vec<u8>> {
        // libseccomp 2.5 exports to a file descriptor only; an unnamed
        // temporary file takes the bytes.
        let io = |source| Error::Spawn {
            what: "exporting the BPF program".to_owned(),
            source,
        };
        let mut file = tempfile::tempfile().map_err(io)?;
        self.ctx
            .export_bpf(&file)
            .map_err(|source| Error::Seccomp {
                what: "exporting the BPF program".to_owned(),
                source,
            })?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        Ok(bytes)
    }

    /// The BPF program as `sock_filter` entries.
    pub fn to_sock_filters(&self) -> Result<Vec<libc::sock_filter>> {
        let bytes = self.to_bpf()?;
        if bytes.len() % 8 != 0 || bytes.is_empty() || bytes.len() / 8 > usize::from(u16::MAX) {
            return Err(Error::Unsupported(format!(
                "BPF program of {} bytes is not a sequence of 8-byte instructions",
                bytes.len()
            )));
        }
        Ok(bytes
            .chunks_exact(8)
            .map(|c| libc::sock_filter {
                code: u16::from_ne_bytes([c[0], c[1]]),
                jt: c[2],
                jf: c[3],
                k: u32::from_ne_bytes([c[4], c[5], c[6], c[7]]),
            })
            .collect())
    }
}
