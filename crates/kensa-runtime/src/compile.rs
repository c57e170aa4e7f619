//! Compiles planned policies into the tables the in-kernel evaluator reads
//! (`bpf/runtime.bpf.c`): one compiled hook per (policy hook, syscall),
//! each with where its arguments come from and its selectors as flat
//! filters, plus the string and address sets the filters refer to.
//!
//! Pure: the kernel side writes a [`Compiled`] into BPF maps as it is. What
//! the evaluator cannot do is refused here, naming the field, so nothing a
//! policy asks for is silently dropped.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use crate::hooks::{Attachment, HookClass, HookPlan, Phase, Plan};
use crate::namespaces::{self, HostNamespaces};
use crate::policy::{
    ActionSelector, ArgSelector, BinarySelector, CapabilitiesSelector, KProbeArg,
    NamespaceSelector, PidSelector, Policy, Selector,
};

/// Hooks the evaluator holds (`MAX_HOOKS` in runtime.h).
pub const MAX_HOOKS: usize = 64;
/// Selectors per hook (`MAX_SELECTORS`).
pub const MAX_SELECTORS: usize = 5;
/// Filters per selector (`MAX_FILTERS`).
pub const MAX_FILTERS: usize = 8;
/// Arguments per hook (`MAX_ARGS`).
pub const MAX_ARGS: usize = 5;
/// Values per filter (`MAX_VALS`).
pub const MAX_VALS: usize = 8;
/// Hooks on one syscall (`HOOKS_PER_SLOT`).
pub const HOOKS_PER_SLOT: usize = 8;
/// Distinct uprobes, each a dispatch slot of its own (`MAX_UPROBES`).
pub const MAX_UPROBES: usize = 64;
/// Policies loaded at once: one scope bit each.
pub const MAX_POLICIES: usize = 64;
/// Binary sets (`MAX_BINARY_SETS`).
pub const MAX_BINARY_SETS: usize = 64;
/// String bytes of a set entry (`STR_KEY`), including an Equal entry's NUL.
pub const STR_KEY: usize = 252;
/// Set ids of binary sets start here (`BINARY_SET_BASE`).
pub const BINARY_SET_BASE: u32 = 0x4000_0000;
/// Different `matchPIDs` followForks lists (`MAX_FOLLOW_FILTERS`): one
/// bit each in a process's `pid_follow`.
pub const MAX_FOLLOW_FILTERS: usize = 64;
/// Values of a `matchNamespaces` entry (Tetragon's limit).
pub const MAX_NAMESPACE_VALUES: usize = crate::validate::MAX_NAMESPACE_VALUES;

/// Where a hook argument's value comes from (`enum arg_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgSource {
    /// Syscall argument `index`, `width` bytes, signed or not.
    Int {
        /// Register index.
        index: u8,
        /// 4 or 8.
        width: u8,
        /// Sign-extend a 4-byte value.
        signed: bool,
    },
    /// A constant, e.g. `MAY_READ` for the read family.
    Const(i64),
    /// The file open at the fd in syscall argument `index`.
    FdFile(u8),
    /// The file open at the fd the syscall returned (exit phase).
    ReturnedFile,
    /// A path string in user memory.
    UserPath(u8),
    /// A `sockaddr` in syscall argument `index`; the socket is argument 0.
    Sockaddr(u8),
    /// The return value (exit phase).
    Return,
    /// The executed binary.
    ExecFile,
}

/// How an argument is shown in events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgView {
    /// `file_arg`.
    File,
    /// `path_arg`.
    Path,
    /// `string_arg`.
    String,
    /// `int_arg`.
    Int,
    /// `uint_arg`.
    Uint,
    /// `size_arg`.
    Size,
    /// `sock_arg`.
    Sock,
}

/// Filter operators (`enum filter_op`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
#[allow(missing_docs)] // the names are Tetragon's operators
pub enum Op {
    Equal = 1,
    NotEqual = 2,
    Gt = 3,
    Lt = 4,
    Mask = 5,
    Prefix = 6,
    NotPrefix = 7,
    Postfix = 8,
    NotPostfix = 9,
    DAddr = 10,
    NotDAddr = 11,
    SAddr = 12,
    NotSAddr = 13,
    DPort = 14,
    NotDPort = 15,
    SPort = 16,
    NotSPort = 17,
    Family = 18,
    Protocol = 19,
    In = 20,
    NotIn = 21,
}

/// What a filter tests (`enum filter_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum FilterKind {
    /// An integer argument.
    Int = 1,
    /// A path or string argument, through a string set.
    Str = 2,
    /// A socket argument.
    Sock = 3,
    /// The process's binary, through a binary set bit.
    Binary = 4,
    /// The process id.
    Pid = 5,
    /// A namespace of the process (`arg`: [`namespaces::KINDS`] index).
    Namespace = 6,
    /// A capability set of the process (`arg`: [`CapSet`]).
    Caps = 7,
    /// The parent's binary, through a binary set bit.
    ParentBinary = 8,
    /// The return value (`matchReturnArgs`), at the syscall's exit.
    Return = 9,
}

/// `matchCapabilities` type (`enum caps_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum CapSet {
    /// `Effective` (Tetragon's default).
    Effective = 0,
    /// `Inheritable`.
    Inheritable = 1,
    /// `Permitted`.
    Permitted = 2,
}

/// `matchPIDs` flag: compare the pid in the task's own namespace.
pub const PID_NAMESPACE: u32 = 1;
/// `matchPIDs` flag: descendants match too (`set` is the follow filter).
pub const PID_FOLLOW_FORKS: u32 = 2;
/// `matchCapabilities` flag: `isNamespaceCapability`; `vals[1]` is the
/// host's user namespace inode.
pub const CAPS_NAMESPACE: u32 = 1;
/// `matchBinaries` flag: children of a matching binary match.
pub const BIN_FOLLOW_CHILDREN: u32 = 1;

/// One filter of a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// What it tests.
    pub kind: FilterKind,
    /// How.
    pub op: Op,
    /// The argument slot, for argument filters.
    pub arg: u8,
    /// String or address set id, or binary set index.
    pub set: u32,
    /// Flags (`PID_NAMESPACE`, `BIN_FOLLOW_CHILDREN`).
    pub flags: u32,
    /// Inline values: integers, or (min, max) port ranges.
    pub vals: Vec<u64>,
}

/// Action bits (`ACT_*`).
pub mod action {
    /// `Sigkill`.
    pub const SIGKILL: u8 = 1;
    /// `Signal`.
    pub const SIGNAL: u8 = 2;
    /// `Override`.
    pub const OVERRIDE: u8 = 4;
    /// `NoPost`.
    pub const NOPOST: u8 = 8;
}

/// The first action of a selector, as events name it (`enum action_code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ActionCode {
    /// `Post` (also when no action is given).
    Post = 0,
    /// `Sigkill`.
    Sigkill = 1,
    /// `Signal`.
    Signal = 2,
    /// `Override`.
    Override = 3,
    /// `NoPost`.
    NoPost = 4,
}

impl ActionCode {
    /// From the record's byte.
    pub fn from_u8(code: u8) -> Self {
        match code {
            1 => ActionCode::Sigkill,
            2 => ActionCode::Signal,
            3 => ActionCode::Override,
            4 => ActionCode::NoPost,
            _ => ActionCode::Post,
        }
    }

    /// Tetragon's name in events (`KPROBE_ACTION_*`).
    pub fn event_name(self) -> &'static str {
        match self {
            ActionCode::Post => "KPROBE_ACTION_POST",
            ActionCode::Sigkill => "KPROBE_ACTION_SIGKILL",
            ActionCode::Signal => "KPROBE_ACTION_SIGNAL",
            ActionCode::Override => "KPROBE_ACTION_OVERRIDE",
            ActionCode::NoPost => "KPROBE_ACTION_NOPOST",
        }
    }
}

/// One selector, compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledSelector {
    /// ANDed filters.
    pub filters: Vec<Filter>,
    /// `action::*` bits.
    pub actions: u8,
    /// The first action, for events.
    pub first_action: ActionCode,
    /// `argError` of an `Override`.
    pub arg_error: i32,
    /// `argSig` of a `Signal`.
    pub signal: u32,
}

/// When a compiled hook runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Slot {
    /// At entry of the syscall.
    Enter(&'static str),
    /// At exit of the syscall.
    Exit(&'static str),
    /// At `sched_process_exec`.
    Exec,
    /// At a user-space function: a uprobe on `binary` at `symbol`, or at
    /// `offset` into the file when `symbol` is empty.
    Uprobe {
        /// The binary or library, as the policy names it.
        binary: String,
        /// The function's name.
        symbol: String,
        /// With no symbol, the file offset to probe.
        offset: u64,
    },
}

/// One policy hook on one syscall (or on exec).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledHook {
    /// Index into [`Compiled::policies`]; also the scope bit.
    pub policy: usize,
    /// Where it runs.
    pub slot: Slot,
    /// The hook as written, for events (`function_name`).
    pub function: String,
    /// Argument sources, in the spec's `args` order.
    pub args: Vec<ArgSource>,
    /// How each argument is shown.
    pub views: Vec<ArgView>,
    /// Selectors in order: the first match decides.
    pub selectors: Vec<CompiledSelector>,
    /// `(subsystem, event)` of a hook written as a tracepoint, whose events
    /// are `process_tracepoint` ones.
    pub tracepoint: Option<(String, String)>,
}

/// A string set entry: `bytes` as stored (Equal entries end with NUL,
/// Postfix entries are reversed).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StringEntry {
    /// Set id.
    pub set: u32,
    /// Stored bytes.
    pub bytes: Vec<u8>,
}

/// An address set entry: an IPv6 (or v4-mapped) network.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AddrEntry {
    /// Set id.
    pub set: u32,
    /// 16 bytes.
    pub addr: [u8; 16],
    /// Prefix length in bits over the 16 bytes.
    pub prefix: u32,
}

/// What kind of file access a [`FileDeny`] covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileAccess {
    /// Reading.
    Read,
    /// Writing, creating, truncating.
    Write,
}

/// An `Override` on file access, for a workload kensa starts: refused
/// with `errno` by a seccomp user-notification supervisor, and by Landlock
/// (`EACCES`) as the backstop for what the supervisor's path check misses.
/// The path covers itself and everything beneath it, component-wise, for
/// Prefix and Equal alike (as a Landlock rule does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDeny {
    /// The path (a Prefix or Equal value).
    pub path: String,
    /// Which access.
    pub access: Vec<FileAccess>,
    /// The errno the operation fails with: `-argError` (1 is EPERM).
    pub errno: i32,
    /// The policy's `metadata.name`, for events.
    pub policy: String,
    /// The hook as written (`security_file_permission`), for events.
    pub function: String,
    /// Where it came from, for messages.
    pub from: String,
}

/// Metadata of a loaded policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyInfo {
    /// `metadata.name`.
    pub name: String,
    /// Namespace of a namespaced policy.
    pub namespace: Option<String>,
}

/// Everything the kernel side loads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Compiled {
    /// Policies, by scope bit.
    pub policies: Vec<PolicyInfo>,
    /// Hooks, by id.
    pub hooks: Vec<CompiledHook>,
    /// String sets.
    pub strings: Vec<StringEntry>,
    /// Address sets.
    pub addrs: Vec<AddrEntry>,
    /// Number of binary sets.
    pub binary_sets: u32,
    /// `matchPIDs` followForks filters, by `pid_follow` bit: a process
    /// forked from one whose pid is in entry i gets bit i.
    pub follow_filters: Vec<Filter>,
    /// File access `Override`s (`kensa runtime run` only).
    pub file_denies: Vec<FileDeny>,
    /// Notes for the user (e.g. the errno a connect is refused with).
    pub warnings: Vec<String>,
}

impl Compiled {
    /// The distinct uprobes, in the order of their dispatch slots.
    pub fn uprobes(&self) -> Vec<&Slot> {
        let mut out: Vec<&Slot> = Vec::new();
        for hook in &self.hooks {
            if matches!(hook.slot, Slot::Uprobe { .. }) && !out.contains(&&hook.slot) {
                out.push(&hook.slot);
            }
        }
        out
    }

    /// Whether any hook runs at syscall entry / exit / exec.
    pub fn needs(&self, want: fn(&Slot) -> bool) -> bool {
        self.hooks.iter().any(|h| want(&h.slot))
    }

    /// Whether a connect can be refused (cgroup hooks needed).
    pub fn denies_connect(&self) -> bool {
        self.hooks.iter().any(|h| {
            matches!(h.slot, Slot::Enter("connect"))
                && h.selectors
                    .iter()
                    .any(|s| s.actions & (action::SIGKILL | action::OVERRIDE) != 0)
        })
    }
}

/// Where the workload runs, which decides how `Override` on files works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// kensa starts the workload (`kensa runtime run`): Landlock is possible.
    Run,
    /// Node-wide agent: it is not.
    Agent,
}

/// A policy feature the evaluator does not carry out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {policy}: {path}: {problem}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct CompileError {
    /// The policy's file.
    pub file: String,
    /// The 1-based line of `path` in it, when known.
    pub line: Option<u64>,
    /// Policy name.
    pub policy: String,
    /// Field path, e.g. `spec.kprobes[0].selectors[1].matchNamespaces`.
    pub path: String,
    /// What and why.
    pub problem: String,
}

struct Builder<'a> {
    /// The policy being compiled, for the file and line of errors.
    current: Option<&'a Policy>,
    out: Compiled,
    errors: Vec<CompileError>,
    mode: Mode,
    resolve_binary: &'a dyn Fn(&str) -> Option<String>,
    next_set: u32,
    string_sets: BTreeMap<(Op, Vec<String>), u32>,
    addr_sets: BTreeMap<Vec<String>, u32>,
    binary_sets: BTreeMap<Vec<String>, u32>,
    host: &'a HostNamespaces,
}

/// Compiles `policies` (each with its plan). `resolve_binary` gives the
/// resolved path of a `matchBinaries` value (symlinks followed), when it
/// differs, so both forms match. `host` gives `host_ns` its meaning.
pub fn compile<'a>(
    policies: &'a [(Policy, Plan)],
    mode: Mode,
    resolve_binary: &'a dyn Fn(&str) -> Option<String>,
    host: &'a HostNamespaces,
) -> Result<Compiled, Vec<CompileError>> {
    let mut b = Builder {
        host,
        current: None,
        out: Compiled::default(),
        errors: Vec::new(),
        mode,
        resolve_binary,
        next_set: 1,
        string_sets: BTreeMap::new(),
        addr_sets: BTreeMap::new(),
        binary_sets: BTreeMap::new(),
    };
    if policies.len() > MAX_POLICIES {
        b.errors.push(CompileError {
            file: String::new(),
            line: None,
            policy: String::new(),
            path: String::new(),
            problem: format!(
                "{} policies given; at most {MAX_POLICIES} are loaded at once",
                policies.len()
            ),
        });
    }
    for (index, (policy, plan)) in policies.iter().enumerate() {
        b.current = Some(policy);
        b.out.policies.push(PolicyInfo {
            name: policy.metadata.name.clone(),
            namespace: policy.metadata.namespace.clone(),
        });
        for hook in &plan.hooks {
            b.hook(index, policy, hook);
        }
    }
    b.current = None;
    if b.out.hooks.len() > MAX_HOOKS {
        let n = b.out.hooks.len();
        b.err("", "", format!("{n} hook instances (policy hooks × syscalls); at most {MAX_HOOKS} are loaded at once"));
    }
    let mut per_slot: BTreeMap<&Slot, usize> = BTreeMap::new();
    for h in &b.out.hooks {
        *per_slot.entry(&h.slot).or_default() += 1;
    }
    let crowded: Vec<String> = per_slot
        .iter()
        .filter(|(_, n)| **n > HOOKS_PER_SLOT)
        .map(|(s, n)| format!("{s} ({n})"))
        .collect();
    if !crowded.is_empty() {
        b.err(
            "",
            "",
            format!(
                "more than {HOOKS_PER_SLOT} hooks on one syscall: {}",
                crowded.join(", ")
            ),
        );
    }
    if b.errors.is_empty() {
        b.out.binary_sets = b.binary_sets.len() as u32;
        b.out.strings.sort();
        b.out.strings.dedup();
        b.out.addrs.sort();
        b.out.addrs.dedup();
        // One policy hook becomes several syscall hooks; its file denies
        // and notes are the same for each.
        let mut seen = std::collections::BTreeSet::new();
        b.out
            .file_denies
            .retain(|d| seen.insert((d.path.clone(), d.access.clone(), d.errno)));
        let mut seen = std::collections::BTreeSet::new();
        b.out.warnings.retain(|w| seen.insert(w.clone()));
        Ok(b.out)
    } else {
        Err(b.errors)
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Slot::Enter(n) => write!(f, "sys_enter_{n}"),
            Slot::Exit(n) => write!(f, "sys_exit_{n}"),
            Slot::Exec => f.write_str("sched_process_exec"),
            Slot::Uprobe { binary, symbol, .. } if !symbol.is_empty() => {
                write!(f, "uprobe:{binary}:{symbol}")
            }
            Slot::Uprobe { binary, offset, .. } => write!(f, "uprobe:{binary}+{offset:#x}"),
        }
    }
}

const READ_FAMILY: &[&str] = &["read", "pread64", "readv", "preadv", "preadv2"];

/// Which file of a data-moving syscall (`sendfile`, `splice`, ...) a hook
/// instance looks at: the kernel checks reading the one and writing the
/// other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Source,
    Destination,
}

/// The fd argument of each side: `sendfile(out, in, ..)`,
/// `splice(in, off_in, out, ..)`, `copy_file_range(in, off_in, out, ..)`,
/// `tee(in, out, ..)`.
fn transfer_fd(syscall: &str, side: Side) -> u8 {
    match (syscall, side) {
        ("sendfile", Side::Source) => 1,
        ("sendfile", Side::Destination) => 0,
        ("tee", Side::Destination) => 1,
        (_, Side::Source) => 0,
        (_, Side::Destination) => 2,
    }
}
const MAY_READ: i64 = 4;
const MAY_WRITE: i64 = 2;

fn int_source(index: u8, arg_type: &str) -> ArgSource {
    let (width, signed) = match arg_type {
        "int" | "sint32" | "int32" | "sint16" | "int16" | "sint8" | "int8" => (4, true),
        "uint32" | "uint16" | "uint8" => (4, false),
        _ => (8, true),
    };
    ArgSource::Int {
        index,
        width,
        signed,
    }
}

fn view_of(arg_type: &str) -> ArgView {
    match arg_type {
        "file" | "fd" => ArgView::File,
        "path" | "dentry" | "linux_binprm" => ArgView::Path,
        "string" | "filename" | "char_buf" | "data_loc" => ArgView::String,
        "uint32" | "uint16" | "uint8" | "uint64" | "ulong" => ArgView::Uint,
        "size_t" => ArgView::Size,
        "sock" | "sockaddr" | "socket" | "skb" => ArgView::Sock,
        _ => ArgView::Int,
    }
}

/// The source of argument `arg` (the hook's `args[].index`) of `function`
/// when it is observed at `syscall`; `None` when the translation has no
/// such argument.
fn source_for(
    function: &str,
    syscall: &'static str,
    side: Option<Side>,
    arg: &KProbeArg,
) -> Option<ArgSource> {
    let index = arg.index;
    let t = arg.type_name();
    match (function, index, side) {
        ("security_file_permission", 0, Some(side)) => {
            return Some(ArgSource::FdFile(transfer_fd(syscall, side)));
        }
        ("security_file_permission", 1, Some(side)) => {
            return Some(ArgSource::Const(match side {
                Side::Source => MAY_READ,
                Side::Destination => MAY_WRITE,
            }));
        }
        _ => {}
    }
    match (function, index) {
        ("security_file_permission", 0) => return Some(ArgSource::FdFile(0)),
        ("security_file_permission", 1) => {
            let mask = if READ_FAMILY.contains(&syscall) {
                MAY_READ
            } else {
                MAY_WRITE
            };
            return Some(ArgSource::Const(mask));
        }
        ("security_file_permission", _) => return None,
        ("security_mmap_file", 0) => return Some(ArgSource::FdFile(4)),
        ("security_mmap_file", 1) => return Some(int_source(2, t)),
        ("security_mmap_file", 2) => return Some(int_source(3, t)),
        ("security_mmap_file", _) => return None,
        ("security_path_truncate", 0) => {
            return Some(if syscall == "ftruncate" {
                ArgSource::FdFile(0)
            } else {
                ArgSource::UserPath(0)
            });
        }
        ("security_path_truncate", _) => return None,
        ("security_file_open", 0) => return Some(ArgSource::ReturnedFile),
        ("security_file_open", _) => return None,
        ("do_sys_openat2", 0) => return Some(int_source(0, t)),
        ("do_sys_openat2", 1) => return Some(ArgSource::UserPath(1)),
        ("do_sys_openat2", _) => return None,
        ("tcp_connect", 0) => return Some(ArgSource::Sockaddr(1)),
        ("tcp_connect", _) => return None,
        ("security_socket_connect", 0 | 1) => return Some(ArgSource::Sockaddr(1)),
        ("security_socket_connect", 2) => return Some(int_source(2, t)),
        ("security_socket_connect", _) => return None,
        ("__sys_connect", 1) => return Some(ArgSource::Sockaddr(1)),
        ("security_bprm_check" | "bprm_check_security" | "sched_process_exec", 0) => {
            return Some(ArgSource::ExecFile);
        }
        _ => {}
    }
    if syscall == "execve" || syscall == "execveat" {
        return (index == 0).then_some(ArgSource::ExecFile);
    }
    register_source(index, t)
}

/// Argument register `index` (0-5) read as type `t`.
fn register_source(index: u32, t: &str) -> Option<ArgSource> {
    let index = u8::try_from(index).ok().filter(|i| *i < 6)?;
    Some(match t {
        "string" | "filename" | "char_buf" | "path" => ArgSource::UserPath(index),
        "sockaddr" | "sock" | "socket" => ArgSource::Sockaddr(index),
        "file" | "fd" => ArgSource::FdFile(index),
        _ => int_source(index, t),
    })
}

/// The field at `arg.index` of a `syscalls:sys_enter_*`/`sys_exit_*`
/// tracepoint, as its format numbers them: 0-3 are the common fields, 4
/// is `__syscall_nr`, then come the syscall's arguments (entry) or `ret`
/// (exit).
fn tracepoint_source(event: &str, arg: &KProbeArg) -> Option<ArgSource> {
    let exit = event.starts_with("sys_exit_");
    match arg.index {
        5 if exit => Some(ArgSource::Return),
        i if !exit && i >= 5 => register_source(i - 5, arg.type_name()),
        _ => None,
    }
}

impl Builder<'_> {
    fn err(&mut self, policy: &str, path: &str, problem: impl Into<String>) {
        let (file, line) = match self.current {
            Some(p) => (
                p.source.file.clone(),
                p.line_of(path).or(Some(p.source.line)),
            ),
            None => (String::new(), None),
        };
        self.errors.push(CompileError {
            file,
            line,
            policy: policy.to_owned(),
            path: path.to_owned(),
            problem: problem.into(),
        });
    }

    fn hook(&mut self, policy_index: usize, policy: &Policy, hook: &HookPlan) {
        let name = policy.metadata.name.as_str();
        let spec_hook = policy
            .hooks()
            .into_iter()
            .find(|h| h.path() == hook.path)
            .expect("a plan's hooks come from its policy");
        let function = hook.name.clone();
        // A hook that also hooks the return reports the return value, which
        // only exists at the syscall's exit. Enforcement must happen at entry
        // (a write killed at exit has already written), so only a hook whose
        // selectors merely post moves to the exit.
        let enforces = spec_hook.selectors.iter().any(|s| {
            s.match_actions
                .iter()
                .any(|a| !matches!(a.action.as_str(), "Post" | "NoPost"))
        });
        let report_return = spec_hook.hooks_return && !enforces;
        let tracepoint = (spec_hook.kind == crate::policy::HookKind::Tracepoint).then(|| {
            (
                spec_hook.name.to_owned(),
                spec_hook.event.unwrap_or_default().to_owned(),
            )
        });
        // A tracepoint's selectors name its arguments by position in `args`
        // (`index` there is the tracepoint's field); every other hook's by
        // `index`.
        let selector_args: Vec<KProbeArg> = if tracepoint.is_some() {
            spec_hook
                .args
                .iter()
                .enumerate()
                .map(|(position, a)| KProbeArg {
                    index: position as u32,
                    ..a.clone()
                })
                .collect()
        } else {
            spec_hook.args.to_vec()
        };
        let mut slots: Vec<Slot> = Vec::new();
        for attachment in hook.backend.attachments() {
            match attachment {
                Attachment::SyscallTracepoint { syscalls, phase } => {
                    for sc in syscalls {
                        // A file opened is only known once the open returned.
                        let exit = *phase == Phase::Exit
                            || (*phase == Phase::Both && report_return)
                            || (function == "security_file_open" && sc.name.starts_with("open"));
                        slots.push(if exit {
                            Slot::Exit(sc.name)
                        } else {
                            Slot::Enter(sc.name)
                        });
                    }
                }
                Attachment::SchedProcessExec => slots.push(Slot::Exec),
                Attachment::CgroupSock(_) => {}
                Attachment::Uprobe {
                    path,
                    symbols,
                    offsets,
                    addrs,
                    on_return,
                } => {
                    let refused = if *on_return {
                        Some((
                            "return",
                            "a uprobe on the function's return is not carried out by kensa yet; probe the entry",
                        ))
                    } else if !addrs.is_empty() {
                        Some((
                            "addrs",
                            "uprobes by absolute address are not carried out by kensa; name symbols or offsets",
                        ))
                    } else {
                        None
                    };
                    if let Some((field, problem)) = refused {
                        self.err(name, &format!("{}.{field}", hook.path), problem);
                        return;
                    }
                    slots.extend(symbols.iter().map(|symbol| Slot::Uprobe {
                        binary: path.clone(),
                        symbol: symbol.clone(),
                        offset: 0,
                    }));
                    slots.extend(offsets.iter().map(|offset| Slot::Uprobe {
                        binary: path.clone(),
                        symbol: String::new(),
                        offset: *offset,
                    }));
                    let known = self.out.uprobes();
                    let new = slots.iter().filter(|s| !known.contains(s)).count();
                    if known.len() + new > MAX_UPROBES {
                        self.err(
                            name,
                            &hook.path,
                            format!("at most {MAX_UPROBES} distinct uprobes (symbols and offsets) across the loaded policies"),
                        );
                        return;
                    }
                }
                other => {
                    self.err(
                        name,
                        &hook.path,
                        format!("{other} is planned but kensa runtime does not load it yet"),
                    );
                    return;
                }
            }
        }
        if hook.class == HookClass::Tracepoint {
            self.err(
                name,
                &hook.path,
                "this tracepoint is mapped but not loaded yet: kensa loads syscalls:sys_enter_*/sys_exit_* tracepoints and sched_process_exec; for every syscall (raw_syscalls) name the syscalls instead (a list of type syscalls)",
            );
            return;
        }
        if spec_hook.selectors.len() > MAX_SELECTORS {
            self.err(
                name,
                &format!("{}.selectors", hook.path),
                format!("at most {MAX_SELECTORS} selectors per hook"),
            );
            return;
        }
        if spec_hook.args.len() > MAX_ARGS {
            self.err(
                name,
                &format!("{}.args", hook.path),
                format!("at most {MAX_ARGS} arguments per hook"),
            );
            return;
        }
        let instances: Vec<(Slot, Option<Side>)> = slots
            .into_iter()
            .flat_map(|slot| {
                let transfer = matches!(&slot, Slot::Enter(s) if crate::hooks::TRANSFER.contains(s))
                    && function == "security_file_permission";
                if transfer {
                    vec![
                        (slot.clone(), Some(Side::Source)),
                        (slot, Some(Side::Destination)),
                    ]
                } else {
                    vec![(slot, None)]
                }
            })
            .collect();
        for (slot, side) in instances {
            let syscall = match &slot {
                Slot::Enter(s) | Slot::Exit(s) => s,
                Slot::Exec => "execve",
                // A function's arguments are its registers, as a syscall's.
                Slot::Uprobe { .. } => "",
            };
            let mut args = Vec::new();
            let mut views = Vec::new();
            for (i, a) in spec_hook.args.iter().enumerate() {
                let source = match &tracepoint {
                    Some((_, event)) => tracepoint_source(event, a),
                    None => source_for(&function, syscall, side, a),
                };
                let Some(source) = source else {
                    if let Some((subsystem, event)) = &tracepoint {
                        self.err(
                            name,
                            &format!("{}.args[{i}].index", hook.path),
                            format!("field {} of {subsystem}:{event} has no equivalent: kensa reads the syscall's arguments (fields 5-10) at sys_enter_* and its return value (field 5) at sys_exit_*", a.index),
                        );
                        return;
                    }
                    self.err(
                        name,
                        &format!("{}.args[{i}]", hook.path),
                        format!(
                            "argument index {} of {function} has no equivalent at {syscall}",
                            a.index
                        ),
                    );
                    return;
                };
                args.push(source);
                views.push(view_of(a.type_name()));
            }
            let mut selectors = Vec::new();
            for (i, s) in spec_hook.selectors.iter().enumerate() {
                let path = format!("{}.selectors[{i}]", hook.path);
                let at_exit = matches!(slot, Slot::Exit(_));
                match self.selector(
                    name,
                    &path,
                    s,
                    &selector_args,
                    &args,
                    hook.class,
                    &function,
                    at_exit,
                ) {
                    Some(sel) => selectors.push(sel),
                    None => return,
                }
            }
            self.out.hooks.push(CompiledHook {
                policy: policy_index,
                slot,
                function: function.clone(),
                args,
                views,
                selectors,
                tracepoint: tracepoint.clone(),
            });
        }
    }

    #[allow(clippy::too_many_arguments)] // one call site; a struct would only rename them
    fn selector(
        &mut self,
        policy: &str,
        path: &str,
        s: &Selector,
        spec_args: &[KProbeArg],
        sources: &[ArgSource],
        class: HookClass,
        function: &str,
        at_exit: bool,
    ) -> Option<CompiledSelector> {
        let unsupported: [(&str, bool); 4] = [
            ("macros", !s.macros.is_empty()),
            ("matchData", !s.match_data.is_empty()),
            ("matchReturnActions", !s.match_return_actions.is_empty()),
            (
                "matchNamespaceChanges/matchCapabilityChanges/matchWorkloads",
                !s.match_namespace_changes.is_empty()
                    || !s.match_capability_changes.is_empty()
                    || s.match_workloads.is_some(),
            ),
        ];
        for (field, used) in unsupported {
            if used {
                self.err(
                    policy,
                    &format!("{path}.{field}"),
                    "not carried out by kensa's evaluator yet; refusing the policy rather than ignoring the filter",
                );
                return None;
            }
        }
        // Landlock (which carries out Override on files) confines the whole
        // workload: it cannot tell processes apart by these either.
        let per_process = [
            ("matchNamespaces", !s.match_namespaces.is_empty()),
            ("matchCapabilities", !s.match_capabilities.is_empty()),
            ("matchParentBinaries", !s.match_parent_binaries.is_empty()),
        ];
        if class == HookClass::FileAccess
            && let Some(i) = s.match_actions.iter().position(|a| a.action == "Override")
            && let Some((field, _)) = per_process.iter().find(|(_, used)| *used)
        {
            self.err(
                policy,
                &format!("{path}.matchActions[{i}]"),
                format!("Override on file access is carried out by Landlock for the whole workload; it cannot be limited by {field}"),
            );
            return None;
        }
        let mut filters = Vec::new();
        for (i, m) in s.match_args.iter().enumerate() {
            let fpath = format!("{path}.matchArgs[{i}]");
            filters.push(self.arg_filter(policy, &fpath, m, spec_args, sources)?);
        }
        for (i, p) in s.match_pids.iter().enumerate() {
            let fpath = format!("{path}.matchPIDs[{i}]");
            filters.push(self.pid_filter(policy, &fpath, p)?);
        }
        for (i, m) in s.match_binaries.iter().enumerate() {
            let fpath = format!("{path}.matchBinaries[{i}]");
            filters.push(self.binary_filter(policy, &fpath, m, FilterKind::Binary)?);
        }
        for (i, m) in s.match_parent_binaries.iter().enumerate() {
            let fpath = format!("{path}.matchParentBinaries[{i}]");
            filters.push(self.binary_filter(policy, &fpath, m, FilterKind::ParentBinary)?);
        }
        for (i, n) in s.match_namespaces.iter().enumerate() {
            let fpath = format!("{path}.matchNamespaces[{i}]");
            filters.push(self.namespace_filter(policy, &fpath, n)?);
        }
        for (i, c) in s.match_capabilities.iter().enumerate() {
            let fpath = format!("{path}.matchCapabilities[{i}]");
            filters.push(self.caps_filter(policy, &fpath, c)?);
        }
        if !s.match_return_args.is_empty() && !at_exit {
            self.err(
                policy,
                &format!("{path}.matchReturnArgs"),
                "the return value only exists at the syscall's exit, and kensa runs this hook at its entry: a hook is moved to the exit only with return: true and selectors that merely Post/NoPost (a kill or override must come before the syscall acts)",
            );
            return None;
        }
        for (i, m) in s.match_return_args.iter().enumerate() {
            let fpath = format!("{path}.matchReturnArgs[{i}]");
            if m.index != Some(0) {
                self.err(
                    policy,
                    &format!("{fpath}.index"),
                    "matchReturnArgs index 0 is the return value (returnArg); there is no other",
                );
                return None;
            }
            let mut filter = self.int_filter(policy, &fpath, m, "the return value")?;
            filter.kind = FilterKind::Return;
            filters.push(filter);
        }
        if filters.len() > MAX_FILTERS {
            self.err(
                policy,
                path,
                format!(
                    "{} filters; at most {MAX_FILTERS} per selector",
                    filters.len()
                ),
            );
            return None;
        }
        let mut actions = 0u8;
        let mut first_action = None;
        let mut arg_error = 0;
        let mut signal = 0;
        for (i, a) in s.match_actions.iter().enumerate() {
            let apath = format!("{path}.matchActions[{i}]");
            let code = self.action(
                policy,
                &apath,
                a,
                class,
                s,
                sources,
                function,
                &mut actions,
                &mut arg_error,
                &mut signal,
            )?;
            first_action.get_or_insert(code);
        }
        Some(CompiledSelector {
            filters,
            actions,
            first_action: first_action.unwrap_or(ActionCode::Post),
            arg_error,
            signal,
        })
    }

    #[allow(clippy::too_many_arguments)] // one call site
    fn action(
        &mut self,
        policy: &str,
        path: &str,
        a: &ActionSelector,
        class: HookClass,
        s: &Selector,
        sources: &[ArgSource],
        function: &str,
        actions: &mut u8,
        arg_error: &mut i32,
        signal: &mut u32,
    ) -> Option<ActionCode> {
        Some(match a.action.as_str() {
            "Post" => ActionCode::Post,
            "NoPost" => {
                *actions |= action::NOPOST;
                ActionCode::NoPost
            }
            "Sigkill" => {
                *actions |= action::SIGKILL;
                ActionCode::Sigkill
            }
            "Signal" => {
                let Some(sig) = a.arg_sig.filter(|s| (1..=64).contains(s)) else {
                    self.err(
                        policy,
                        &format!("{path}.argSig"),
                        "Signal needs argSig, a signal number 1-64",
                    );
                    return None;
                };
                *actions |= action::SIGNAL;
                *signal = sig;
                ActionCode::Signal
            }
            "Override" => {
                let errno = a.arg_error.unwrap_or(-1);
                *arg_error = errno;
                *actions |= action::OVERRIDE;
                match class {
                    HookClass::Connect => {
                        if errno != -1 {
                            self.out.warnings.push(format!(
                                "{policy}: {path}: connect is refused by a cgroup connect hook, which fails it with EPERM whatever argError says ({errno})"
                            ));
                        }
                    }
                    HookClass::FileAccess if self.mode == Mode::Run => {
                        if !(-4095..=-1).contains(&errno) {
                            self.err(policy, &format!("{path}.argError"), format!("argError {errno} is not a negative errno (-1 is EPERM, -13 EACCES)"));
                            return None;
                        }
                        self.landlock(policy, path, s, sources, function, -errno)?;
                    }
                    HookClass::FileAccess => {
                        self.err(policy, path, "Override on file access needs a seccomp supervisor and Landlock, which only confine a workload kensa starts itself (`kensa runtime run`); this kernel has no bpf_override_return (kprobes) or BPF LSM for the agent to use");
                        return None;
                    }
                    _ => {
                        self.err(policy, path, "Override on this hook needs bpf_override_return (kprobes) or BPF LSM, which this kernel does not have");
                        return None;
                    }
                }
                ActionCode::Override
            }
            other => {
                self.err(
                    policy,
                    &format!("{path}.action"),
                    format!("{other} is not carried out by kensa's evaluator (Post, NoPost, Sigkill, Signal and Override are)"),
                );
                return None;
            }
        })
    }

    /// Turns an `Override` selector on file access into [`FileDeny`]s:
    /// only a selector made of path Prefix/Equal filters (and the access
    /// mask) can become one, since the seccomp filter and Landlock restrict
    /// the whole workload.
    #[allow(clippy::too_many_arguments)] // one call site
    fn landlock(
        &mut self,
        policy: &str,
        path: &str,
        s: &Selector,
        sources: &[ArgSource],
        function: &str,
        errno: i32,
    ) -> Option<()> {
        if !s.match_binaries.is_empty() || !s.match_pids.is_empty() {
            self.err(policy, path, "Override on file access is carried out by Landlock for the whole workload; it cannot be limited by matchBinaries or matchPIDs");
            return None;
        }
        let mut paths = Vec::new();
        let mut access = match function {
            "security_file_permission" => vec![FileAccess::Read, FileAccess::Write],
            "security_path_truncate" => vec![FileAccess::Write],
            "security_file_open" | "do_sys_openat2" => vec![FileAccess::Read, FileAccess::Write],
            _ => {
                self.err(
                    policy,
                    path,
                    format!("Override on {function} cannot be expressed as a Landlock rule"),
                );
                return None;
            }
        };
        for (i, m) in s.match_args.iter().enumerate() {
            let slot = m.index.map(|x| x as usize);
            let source = slot.and_then(|x| sources.get(x));
            match (source, m.operator.as_str()) {
                (
                    Some(ArgSource::FdFile(_) | ArgSource::ReturnedFile | ArgSource::UserPath(_)),
                    "Prefix" | "Equal",
                ) => {
                    paths.extend(m.values.iter().cloned());
                }
                (Some(ArgSource::Const(_)), "Equal" | "Mask") => {
                    let mask: i64 = m
                        .values
                        .iter()
                        .filter_map(|v| parse_int(v))
                        .fold(0, |a, b| a | b);
                    access.retain(|a| match a {
                        FileAccess::Read => mask & MAY_READ != 0,
                        FileAccess::Write => mask & MAY_WRITE != 0,
                    });
                }
                _ => {
                    self.err(policy, &format!("{path}.matchArgs[{i}]"), "Override on file access is carried out by Landlock, which can only deny by path Prefix/Equal and access mask");
                    return None;
                }
            }
        }
        if paths.is_empty() || access.is_empty() {
            self.err(policy, path, "Override on file access needs a path Prefix or Equal filter (Landlock denies by path)");
            return None;
        }
        for p in paths {
            self.out.file_denies.push(FileDeny {
                path: p,
                access: access.clone(),
                errno,
                policy: policy.to_owned(),
                function: function.to_owned(),
                from: format!("{policy}: {path}"),
            });
        }
        self.out.warnings.push(format!(
            "{policy}: {path}: Override on file access fails the open (not the later read or write) with argError ({}), through a seccomp supervisor; Landlock denies the same paths behind it, so what the supervisor's path check misses (a hard link, a path changed during the check) fails with EACCES",
            -errno
        ));
        Some(())
    }

    fn arg_filter(
        &mut self,
        policy: &str,
        path: &str,
        m: &ArgSelector,
        spec_args: &[KProbeArg],
        sources: &[ArgSource],
    ) -> Option<Filter> {
        let Some(index) = m.index else {
            self.err(
                policy,
                path,
                "matchArgs without index (args lists) is not carried out by kensa's evaluator yet",
            );
            return None;
        };
        let Some(slot) = spec_args.iter().position(|a| a.index == index) else {
            self.err(
                policy,
                &format!("{path}.index"),
                format!("no argument with index {index} in the hook's args"),
            );
            return None;
        };
        let source = sources[slot];
        let arg = slot as u8;
        let op = m.operator.as_str();
        let is_string = matches!(
            source,
            ArgSource::FdFile(_)
                | ArgSource::ReturnedFile
                | ArgSource::UserPath(_)
                | ArgSource::ExecFile
        );
        let is_sock = matches!(source, ArgSource::Sockaddr(_));
        if is_string {
            let op = match op {
                "Equal" => Op::Equal,
                "NotEqual" => Op::NotEqual,
                "Prefix" => Op::Prefix,
                "NotPrefix" => Op::NotPrefix,
                "Postfix" => Op::Postfix,
                "NotPostfix" => Op::NotPostfix,
                other => {
                    self.err(policy, &format!("{path}.operator"), format!("{other} does not apply to a path argument here (Equal, NotEqual, Prefix, NotPrefix, Postfix, NotPostfix do)"));
                    return None;
                }
            };
            let set = self.string_set(policy, path, op, &m.values)?;
            return Some(Filter {
                kind: FilterKind::Str,
                op,
                arg,
                set,
                flags: 0,
                vals: Vec::new(),
            });
        }
        if is_sock {
            let op = match op {
                "DAddr" => Op::DAddr,
                "NotDAddr" => Op::NotDAddr,
                "SAddr" => Op::SAddr,
                "NotSAddr" => Op::NotSAddr,
                "DPort" => Op::DPort,
                "NotDPort" => Op::NotDPort,
                "SPort" => Op::SPort,
                "NotSPort" => Op::NotSPort,
                "DPortPriv" | "NotDPortPriv" | "SPortPriv" | "NotSportPriv" => {
                    let base = match op {
                        "DPortPriv" => Op::DPort,
                        "NotDPortPriv" => Op::NotDPort,
                        "SPortPriv" => Op::SPort,
                        _ => Op::NotSPort,
                    };
                    return Some(Filter {
                        kind: FilterKind::Sock,
                        op: base,
                        arg,
                        set: 0,
                        flags: 0,
                        vals: vec![0, 1023],
                    });
                }
                "Family" => Op::Family,
                "Protocol" => Op::Protocol,
                other => {
                    self.err(
                        policy,
                        &format!("{path}.operator"),
                        format!("{other} does not apply to a socket argument here"),
                    );
                    return None;
                }
            };
            return match op {
                Op::DAddr | Op::NotDAddr | Op::SAddr | Op::NotSAddr => {
                    let set = self.addr_set(policy, path, &m.values)?;
                    Some(Filter {
                        kind: FilterKind::Sock,
                        op,
                        arg,
                        set,
                        flags: 0,
                        vals: Vec::new(),
                    })
                }
                Op::DPort | Op::NotDPort | Op::SPort | Op::NotSPort => {
                    let mut vals = Vec::new();
                    for (i, v) in m.values.iter().enumerate() {
                        let Some((lo, hi)) = parse_port_range(v) else {
                            self.err(
                                policy,
                                &format!("{path}.values[{i}]"),
                                format!("{v:?} is not a port or a min:max range"),
                            );
                            return None;
                        };
                        vals.extend([lo, hi]);
                    }
                    if vals.len() > MAX_VALS {
                        self.err(
                            policy,
                            &format!("{path}.values"),
                            format!("at most {} ports or ranges", MAX_VALS / 2),
                        );
                        return None;
                    }
                    Some(Filter {
                        kind: FilterKind::Sock,
                        op,
                        arg,
                        set: 0,
                        flags: 0,
                        vals,
                    })
                }
                _ => {
                    let mut vals = Vec::new();
                    for (i, v) in m.values.iter().enumerate() {
                        let parsed = if op == Op::Family {
                            parse_family(v)
                        } else {
                            parse_protocol(v)
                        };
                        let Some(n) = parsed else {
                            self.err(
                                policy,
                                &format!("{path}.values[{i}]"),
                                format!(
                                    "{v:?} is not a known {}",
                                    if op == Op::Family {
                                        "address family"
                                    } else {
                                        "protocol"
                                    }
                                ),
                            );
                            return None;
                        };
                        vals.push(n);
                    }
                    self.limit_vals(policy, path, vals).map(|vals| Filter {
                        kind: FilterKind::Sock,
                        op,
                        arg,
                        set: 0,
                        flags: 0,
                        vals,
                    })
                }
            };
        }
        let mut filter = self.int_filter(policy, path, m, "an integer argument")?;
        filter.arg = arg;
        Some(filter)
    }

    /// An integer comparison of `m`'s values (`Int` kind, slot 0).
    fn int_filter(
        &mut self,
        policy: &str,
        path: &str,
        m: &ArgSelector,
        what: &str,
    ) -> Option<Filter> {
        let op = match m.operator.as_str() {
            "Equal" => Op::Equal,
            "NotEqual" => Op::NotEqual,
            "GT" | "GreaterThan" => Op::Gt,
            "LT" | "LessThan" => Op::Lt,
            "Mask" => Op::Mask,
            other => {
                self.err(
                    policy,
                    &format!("{path}.operator"),
                    format!(
                        "{other} does not apply to {what} here (Equal, NotEqual, GT, LT, Mask do)"
                    ),
                );
                return None;
            }
        };
        let mut vals = Vec::new();
        for (i, v) in m.values.iter().enumerate() {
            let Some(n) = parse_int(v) else {
                self.err(
                    policy,
                    &format!("{path}.values[{i}]"),
                    format!("{v:?} is not an integer"),
                );
                return None;
            };
            vals.push(n as u64);
        }
        let vals = self.limit_vals(policy, path, vals)?;
        Some(Filter {
            kind: FilterKind::Int,
            op,
            arg: 0,
            set: 0,
            flags: 0,
            vals,
        })
    }

    /// `In` / `NotIn`, the only operators of the process filters.
    fn in_or_not_in(&mut self, policy: &str, path: &str, operator: &str) -> Option<Op> {
        match operator {
            "In" => Some(Op::In),
            "NotIn" => Some(Op::NotIn),
            other => {
                self.err(
                    policy,
                    &format!("{path}.operator"),
                    format!("unknown operator {other:?} (In and NotIn are)"),
                );
                None
            }
        }
    }

    fn pid_filter(&mut self, policy: &str, path: &str, p: &PidSelector) -> Option<Filter> {
        let op = self.in_or_not_in(policy, path, &p.operator)?;
        if p.values.len() > MAX_VALS {
            self.err(
                policy,
                &format!("{path}.values"),
                format!("at most {MAX_VALS} values"),
            );
            return None;
        }
        let vals: Vec<u64> = p.values.iter().map(|v| u64::from(*v)).collect();
        let mut flags = if p.is_namespace_pid { PID_NAMESPACE } else { 0 };
        let mut set = 0;
        if p.follow_forks {
            // One bit per distinct pid list: what the fork program checks
            // a parent against does not depend on the operator.
            let follow = Filter {
                kind: FilterKind::Pid,
                op: Op::In,
                arg: 0,
                set: 0,
                flags,
                vals: vals.clone(),
            };
            let index = match self.out.follow_filters.iter().position(|f| *f == follow) {
                Some(index) => index,
                None if self.out.follow_filters.len() < MAX_FOLLOW_FILTERS => {
                    self.out.follow_filters.push(follow);
                    self.out.follow_filters.len() - 1
                }
                None => {
                    self.err(
                        policy,
                        &format!("{path}.followForks"),
                        format!("more than {MAX_FOLLOW_FILTERS} different followForks pid lists across the loaded policies"),
                    );
                    return None;
                }
            };
            flags |= PID_FOLLOW_FORKS;
            set = index as u32;
        }
        Some(Filter {
            kind: FilterKind::Pid,
            op,
            arg: 0,
            set,
            flags,
            vals,
        })
    }

    fn binary_filter(
        &mut self,
        policy: &str,
        path: &str,
        m: &BinarySelector,
        kind: FilterKind,
    ) -> Option<Filter> {
        let (op, prefix) = match m.operator.as_str() {
            "In" => (Op::In, false),
            "NotIn" => (Op::NotIn, false),
            "Prefix" => (Op::In, true),
            "NotPrefix" => (Op::NotIn, true),
            other => {
                self.err(
                    policy,
                    &format!("{path}.operator"),
                    format!("{other:?} on binaries is not carried out by kensa's evaluator yet (In, NotIn, Prefix, NotPrefix are)"),
                );
                return None;
            }
        };
        let set = self.binary_set(policy, path, &m.values, prefix)?;
        Some(Filter {
            kind,
            op,
            arg: 0,
            set,
            flags: if m.follow_children {
                BIN_FOLLOW_CHILDREN
            } else {
                0
            },
            vals: Vec::new(),
        })
    }

    fn namespace_filter(
        &mut self,
        policy: &str,
        path: &str,
        n: &NamespaceSelector,
    ) -> Option<Filter> {
        let Some(kind) = namespaces::kind(&n.namespace) else {
            let known: Vec<&str> = namespaces::KINDS.iter().map(|(k, _)| *k).collect();
            self.err(
                policy,
                &format!("{path}.namespace"),
                format!(
                    "unknown namespace {:?} ({} are known)",
                    n.namespace,
                    known.join(", ")
                ),
            );
            return None;
        };
        let op = self.in_or_not_in(policy, path, &n.operator)?;
        if n.values.len() > MAX_NAMESPACE_VALUES {
            self.err(
                policy,
                &format!("{path}.values"),
                format!("at most {MAX_NAMESPACE_VALUES} values (Tetragon's limit)"),
            );
            return None;
        }
        let mut vals = Vec::new();
        for (i, v) in n.values.iter().enumerate() {
            let inum = if v == "host_ns" {
                let Some(inum) = self.host.get(kind) else {
                    self.err(
                        policy,
                        &format!("{path}.values[{i}]"),
                        format!(
                            "host_ns: the host's {} namespace is unknown (/proc/1/ns/{} could not be read)",
                            n.namespace,
                            namespaces::KINDS[kind].1
                        ),
                    );
                    return None;
                };
                if self.host.own[kind] {
                    self.out.warnings.push(format!(
                        "{policy}: {path}.values[{i}]: host_ns is kensa's own {} namespace ({inum}): /proc/1/ns/{} could not be read",
                        n.namespace,
                        namespaces::KINDS[kind].1
                    ));
                }
                inum
            } else {
                match v.trim().parse::<u32>() {
                    Ok(inum) if inum != 0 => inum,
                    _ => {
                        self.err(
                            policy,
                            &format!("{path}.values[{i}]"),
                            format!("{v:?} is neither a namespace inode number nor host_ns"),
                        );
                        return None;
                    }
                }
            };
            vals.push(u64::from(inum));
        }
        Some(Filter {
            kind: FilterKind::Namespace,
            op,
            arg: kind as u8,
            set: 0,
            flags: 0,
            vals,
        })
    }

    fn caps_filter(
        &mut self,
        policy: &str,
        path: &str,
        c: &CapabilitiesSelector,
    ) -> Option<Filter> {
        // Tetragon reads the type and the names case-insensitively.
        let set = match c
            .cap_type
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("effective") => CapSet::Effective,
            Some("inheritable") => CapSet::Inheritable,
            Some("permitted") => CapSet::Permitted,
            Some(_) => {
                self.err(
                    policy,
                    &format!("{path}.type"),
                    format!(
                        "unknown capability set {:?} (Effective, Inheritable, Permitted are)",
                        c.cap_type.as_deref().unwrap_or_default()
                    ),
                );
                return None;
            }
        };
        let op = self.in_or_not_in(policy, path, &c.operator)?;
        let mut mask = 0u64;
        for (i, v) in c.values.iter().enumerate() {
            let name = v.trim().to_ascii_uppercase();
            let Some(bit) = crate::validate::CAPABILITIES
                .iter()
                .position(|known| *known == name)
            else {
                self.err(
                    policy,
                    &format!("{path}.values[{i}]"),
                    format!("unknown capability {v:?}"),
                );
                return None;
            };
            mask |= 1 << bit;
        }
        let mut vals = vec![mask];
        let mut flags = 0;
        if c.is_namespace_capability {
            let Some(user) = self.host.get(namespaces::USER) else {
                self.err(
                    policy,
                    &format!("{path}.isNamespaceCapability"),
                    "needs the host's user namespace, which is unknown (/proc/1/ns/user could not be read)",
                );
                return None;
            };
            if self.host.own[namespaces::USER] {
                self.out.warnings.push(format!(
                    "{policy}: {path}.isNamespaceCapability: the host's user namespace is taken to be kensa's own ({user}): /proc/1/ns/user could not be read"
                ));
            }
            flags = CAPS_NAMESPACE;
            vals.push(u64::from(user));
        }
        Some(Filter {
            kind: FilterKind::Caps,
            op,
            arg: set as u8,
            set: 0,
            flags,
            vals,
        })
    }

    fn limit_vals(&mut self, policy: &str, path: &str, vals: Vec<u64>) -> Option<Vec<u64>> {
        if vals.len() > MAX_VALS {
            self.err(
                policy,
                &format!("{path}.values"),
                format!("at most {MAX_VALS} values"),
            );
            return None;
        }
        Some(vals)
    }

    fn fresh_set(&mut self) -> u32 {
        let id = self.next_set;
        self.next_set += 1;
        id
    }

    fn string_set(&mut self, policy: &str, path: &str, op: Op, values: &[String]) -> Option<u32> {
        let base = match op {
            Op::NotEqual => Op::Equal,
            Op::NotPrefix => Op::Prefix,
            Op::NotPostfix => Op::Postfix,
            other => other,
        };
        if let Some(id) = self.string_sets.get(&(base, values.to_vec())) {
            return Some(*id);
        }
        let set = self.fresh_set();
        for (i, v) in values.iter().enumerate() {
            let mut bytes = v.as_bytes().to_vec();
            match base {
                Op::Equal => bytes.push(0),
                Op::Postfix => bytes.reverse(),
                _ => {}
            }
            if bytes.len() > STR_KEY || bytes.is_empty() {
                self.err(
                    policy,
                    &format!("{path}.values[{i}]"),
                    format!(
                        "{} bytes; kensa matches values of 1 to {} bytes",
                        v.len(),
                        STR_KEY - 1
                    ),
                );
                return None;
            }
            self.out.strings.push(StringEntry { set, bytes });
        }
        self.string_sets.insert((base, values.to_vec()), set);
        Some(set)
    }

    fn addr_set(&mut self, policy: &str, path: &str, values: &[String]) -> Option<u32> {
        if let Some(id) = self.addr_sets.get(values) {
            return Some(*id);
        }
        let set = self.fresh_set();
        for (i, v) in values.iter().enumerate() {
            let Some((addr, prefix)) = parse_cidr(v) else {
                self.err(
                    policy,
                    &format!("{path}.values[{i}]"),
                    format!("{v:?} is not an IP address or CIDR"),
                );
                return None;
            };
            self.out.addrs.push(AddrEntry { set, addr, prefix });
        }
        self.addr_sets.insert(values.to_vec(), set);
        Some(set)
    }

    fn binary_set(
        &mut self,
        policy: &str,
        path: &str,
        values: &[String],
        prefix: bool,
    ) -> Option<u32> {
        let key: Vec<String> = values
            .iter()
            .map(|v| format!("{}{v}", if prefix { "p:" } else { "=" }))
            .collect();
        if let Some(id) = self.binary_sets.get(&key) {
            return Some(*id);
        }
        let index = self.binary_sets.len() as u32;
        if index as usize >= MAX_BINARY_SETS {
            self.err(
                policy,
                path,
                format!("more than {MAX_BINARY_SETS} different matchBinaries lists"),
            );
            return None;
        }
        for (i, v) in values.iter().enumerate() {
            let mut forms = vec![v.clone()];
            if !prefix
                && let Some(resolved) = (self.resolve_binary)(v)
                && resolved != *v
            {
                forms.push(resolved);
            }
            for form in forms {
                let mut bytes = form.into_bytes();
                if !prefix {
                    bytes.push(0);
                }
                if bytes.len() > STR_KEY || bytes.is_empty() {
                    self.err(
                        policy,
                        &format!("{path}.values[{i}]"),
                        format!("kensa matches binary paths of 1 to {} bytes", STR_KEY - 1),
                    );
                    return None;
                }
                self.out.strings.push(StringEntry {
                    set: BINARY_SET_BASE + index,
                    bytes,
                });
            }
        }
        self.binary_sets.insert(key, index);
        Some(index)
    }
}

/// Decimal, `0x` hex or `0` octal, as Tetragon reads integer values.
fn parse_int(v: &str) -> Option<i64> {
    let v = v.trim();
    let (neg, body) = match v.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, v),
    };
    let n = if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i64::from_str_radix(hex, 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        i64::from_str_radix(&body[1..], 8).ok()?
    } else {
        body.parse().ok()?
    };
    Some(if neg { -n } else { n })
}

fn parse_port_range(v: &str) -> Option<(u64, u64)> {
    let (lo, hi) = match v.split_once(':') {
        Some((a, b)) => (a.trim().parse::<u16>().ok()?, b.trim().parse::<u16>().ok()?),
        None => {
            let p = v.trim().parse::<u16>().ok()?;
            (p, p)
        }
    };
    (lo <= hi).then_some((u64::from(lo), u64::from(hi)))
}

fn parse_family(v: &str) -> Option<u64> {
    match v {
        "AF_UNIX" | "AF_LOCAL" => Some(1),
        "AF_INET" => Some(2),
        "AF_INET6" => Some(10),
        other => other.parse().ok(),
    }
}

fn parse_protocol(v: &str) -> Option<u64> {
    match v {
        "IPPROTO_ICMP" => Some(1),
        "IPPROTO_TCP" => Some(6),
        "IPPROTO_UDP" => Some(17),
        "IPPROTO_ICMPV6" => Some(58),
        "IPPROTO_SCTP" => Some(132),
        "IPPROTO_RAW" => Some(255),
        other => other.parse().ok(),
    }
}

/// An address or CIDR as 16 bytes (IPv4 v4-mapped) and a prefix length.
fn parse_cidr(v: &str) -> Option<([u8; 16], u32)> {
    let (addr, len) = match v.split_once('/') {
        Some((a, l)) => (a.trim(), Some(l.trim().parse::<u32>().ok()?)),
        None => (v.trim(), None),
    };
    match addr.parse::<IpAddr>().ok()? {
        IpAddr::V4(a) => {
            let len = len.unwrap_or(32);
            (len <= 32).then(|| (a.to_ipv6_mapped().octets(), 96 + len))
        }
        IpAddr::V6(a) => {
            let len = len.unwrap_or(128);
            (len <= 128).then(|| (a.octets(), len))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::parse_policies;

    /// A host whose namespaces are numbered 100 + their [`namespaces::KINDS`]
    /// index, without a time namespace.
    fn test_host() -> HostNamespaces {
        let mut host = HostNamespaces::default();
        for (i, inum) in host.inums.iter_mut().enumerate() {
            *inum = (!namespaces::KINDS[i].0.starts_with("Time")).then_some(100 + i as u32);
        }
        host
    }

    fn compiled(yaml: &str, mode: Mode) -> Result<Compiled, Vec<CompileError>> {
        let (policies, errors) = parse_policies("t.yaml", yaml);
        assert!(errors.is_empty(), "{errors:?}");
        let planned: Vec<_> = policies
            .into_iter()
            .map(|p| {
                let plan = crate::plan(&p).expect("plannable");
                (p, plan)
            })
            .collect();
        compile(&planned, mode, &|_| None, &test_host())
    }

    const READ_KILL: &str = r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata: {name: deny-secrets}
spec:
  kprobes:
  - call: security_file_permission
    syscall: false
    args:
    - {index: 0, type: file}
    - {index: 1, type: int}
    selectors:
    - matchArgs:
      - {index: 0, operator: Prefix, values: ["/etc/kensa-secret"]}
      - {index: 1, operator: Equal, values: ["4"]}
      matchActions:
      - {action: Sigkill}
"#;

    #[test]
    fn file_permission_becomes_one_hook_per_read_write_syscall() {
        let c = compiled(READ_KILL, Mode::Agent).unwrap();
        let read = c
            .hooks
            .iter()
            .find(|h| h.slot == Slot::Enter("read"))
            .unwrap();
        assert_eq!(read.args, vec![ArgSource::FdFile(0), ArgSource::Const(4)]);
        let write = c
            .hooks
            .iter()
            .find(|h| h.slot == Slot::Enter("write"))
            .unwrap();
        assert_eq!(write.args[1], ArgSource::Const(2));
        assert_eq!(read.selectors[0].actions, action::SIGKILL);
        assert_eq!(read.selectors[0].first_action, ActionCode::Sigkill);
        assert_eq!(read.selectors[0].filters[0].kind, FilterKind::Str);
        assert_eq!(c.strings.len(), 1);
        assert_eq!(c.strings[0].bytes, b"/etc/kensa-secret");
    }

    #[test]
    fn equal_entries_end_with_nul_and_postfix_entries_are_reversed() {
        let yaml = READ_KILL
            .replace("operator: Prefix", "operator: Postfix")
            .replace("\"/etc/kensa-secret\"", "\".bashrc\"");
        let c = compiled(&yaml, Mode::Agent).unwrap();
        assert_eq!(c.strings[0].bytes, b"crhsab.");
        let yaml = READ_KILL.replace("operator: Prefix", "operator: Equal");
        let c = compiled(&yaml, Mode::Agent).unwrap();
        assert_eq!(c.strings[0].bytes, b"/etc/kensa-secret\0");
    }

    #[test]
    fn override_on_files_needs_run_mode_and_carries_arg_error() {
        let yaml = READ_KILL
            .replace("values: [\"4\"]", "values: [\"2\"]")
            .replace("{action: Sigkill}", "{action: Override, argError: -1}");
        let errors = compiled(&yaml, Mode::Agent).unwrap_err();
        assert!(errors[0].problem.contains("Landlock"), "{errors:?}");
        let c = compiled(&yaml, Mode::Run).unwrap();
        assert_eq!(c.file_denies.len(), 1);
        assert_eq!(c.file_denies[0].path, "/etc/kensa-secret");
        assert_eq!(c.file_denies[0].access, vec![FileAccess::Write]);
        assert_eq!(c.file_denies[0].errno, libc::EPERM);
        assert_eq!(c.file_denies[0].function, "security_file_permission");
        assert!(c.warnings.iter().any(|w| w.contains("argError (-1)")));
        let eacces = compiled(&yaml.replace("argError: -1", "argError: -13"), Mode::Run).unwrap();
        assert_eq!(eacces.file_denies[0].errno, libc::EACCES);
        let errors = compiled(&yaml.replace("argError: -1", "argError: 5"), Mode::Run).unwrap_err();
        assert!(errors[0].path.ends_with("argError"), "{errors:?}");
    }

    #[test]
    fn connect_selectors_compile_addresses_and_ports() {
        let yaml = r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata: {name: egress}
spec:
  kprobes:
  - call: tcp_connect
    syscall: false
    args: [{index: 0, type: sock}]
    selectors:
    - matchArgs:
      - {index: 0, operator: DAddr, values: ["127.0.0.2/32"]}
      - {index: 0, operator: DPort, values: ["80", "8000:8999"]}
      matchActions: [{action: Sigkill}]
"#;
        let c = compiled(yaml, Mode::Agent).unwrap();
        assert!(c.denies_connect());
        let h = &c.hooks[0];
        assert_eq!(h.slot, Slot::Enter("connect"));
        assert_eq!(h.args, vec![ArgSource::Sockaddr(1)]);
        assert_eq!(h.selectors[0].filters[1].vals, vec![80, 80, 8000, 8999]);
        assert_eq!(c.addrs[0].prefix, 128);
        assert_eq!(&c.addrs[0].addr[10..], &[0xff, 0xff, 127, 0, 0, 2]);
    }

    #[test]
    fn unsupported_selector_fields_refuse_the_policy_by_path() {
        let yaml = READ_KILL.replace(
            "      matchActions:",
            "      matchNamespaceChanges:\n      - {operator: In, values: [Mnt]}\n      matchActions:",
        );
        let errors = compiled(&yaml, Mode::Agent).unwrap_err();
        assert_eq!(
            errors[0].path,
            "spec.kprobes[0].selectors[0].matchNamespaceChanges/matchCapabilityChanges/matchWorkloads"
        );
    }

    /// READ_KILL with `extra` (indented as a selector field) before its
    /// actions; the filters of its read hook's only selector.
    fn with_filters(extra: &str) -> Result<(Compiled, Vec<Filter>), Vec<CompileError>> {
        let yaml = READ_KILL.replace(
            "      matchActions:",
            &format!("{extra}      matchActions:"),
        );
        let c = compiled(&yaml, Mode::Agent)?;
        let read = c
            .hooks
            .iter()
            .find(|h| h.slot == Slot::Enter("read"))
            .expect("a read hook");
        let filters = read.selectors[0].filters.clone();
        Ok((c, filters))
    }

    #[test]
    fn namespaces_compile_to_inode_numbers_with_host_ns_from_the_host_table() {
        let (_, filters) = with_filters(
            "      matchNamespaces:\n      - {namespace: Mnt, operator: NotIn, values: [host_ns, \"4026532000\"]}\n      - {namespace: User, operator: In, values: [host_ns]}\n",
        )
        .unwrap();
        let ns: Vec<_> = filters
            .iter()
            .filter(|f| f.kind == FilterKind::Namespace)
            .map(|f| (f.op, f.arg, f.vals.clone()))
            .collect();
        assert_eq!(
            ns,
            vec![
                (Op::NotIn, 2, vec![102, 4026532000]),
                (Op::In, 9, vec![109]),
            ]
        );
    }

    #[test]
    fn host_ns_taken_from_our_own_namespace_is_noted() {
        let yaml = READ_KILL.replace(
            "      matchActions:",
            "      matchNamespaces:\n      - {namespace: Mnt, operator: In, values: [host_ns]}\n      matchActions:",
        );
        let (policies, _) = parse_policies("t.yaml", &yaml);
        let planned: Vec<_> = policies
            .into_iter()
            .map(|p| {
                let plan = crate::plan(&p).unwrap();
                (p, plan)
            })
            .collect();
        let mut host = test_host();
        host.own[namespaces::kind("Mnt").unwrap()] = true;
        let c = compile(&planned, Mode::Agent, &|_| None, &host).unwrap();
        assert!(
            c.warnings
                .iter()
                .any(|w| w.contains("kensa's own Mnt namespace (102)")),
            "{:?}",
            c.warnings
        );
        let c = compile(&planned, Mode::Agent, &|_| None, &test_host()).unwrap();
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    }

    #[test]
    fn namespace_errors_name_the_value_and_the_limit() {
        let errors = with_filters(
            "      matchNamespaces:\n      - {namespace: Time, operator: In, values: [host_ns]}\n",
        )
        .unwrap_err();
        assert_eq!(
            errors[0].path,
            "spec.kprobes[0].selectors[0].matchNamespaces[0].values[0]"
        );
        assert!(errors[0].problem.contains("/proc/1/ns/time"), "{errors:?}");
        let errors = with_filters(
            "      matchNamespaces:\n      - {namespace: Net, operator: In, values: [\"1\", \"2\", \"3\", \"4\", \"5\"]}\n",
        )
        .unwrap_err();
        assert_eq!(
            errors[0].path,
            "spec.kprobes[0].selectors[0].matchNamespaces[0].values"
        );
        assert!(errors[0].problem.contains("at most 4"), "{errors:?}");
        let errors = with_filters(
            "      matchNamespaces:\n      - {namespace: Net, operator: In, values: [netns]}\n",
        )
        .unwrap_err();
        assert_eq!(
            errors[0].path,
            "spec.kprobes[0].selectors[0].matchNamespaces[0].values[0]"
        );
        let errors = with_filters(
            "      matchNamespaces:\n      - {namespace: Kube, operator: In, values: [\"1\"]}\n",
        )
        .unwrap_err();
        assert_eq!(
            errors[0].path,
            "spec.kprobes[0].selectors[0].matchNamespaces[0].namespace"
        );
    }

    #[test]
    fn capabilities_compile_to_a_bit_mask_of_the_chosen_set() {
        let (_, filters) = with_filters(
            "      matchCapabilities:\n      - {operator: In, values: [CAP_SYS_ADMIN, cap_chown, CAP_CHECKPOINT_RESTORE]}\n      - {type: Permitted, operator: NotIn, isNamespaceCapability: true, values: [CAP_NET_RAW]}\n",
        )
        .unwrap();
        let caps: Vec<_> = filters
            .iter()
            .filter(|f| f.kind == FilterKind::Caps)
            .map(|f| (f.op, f.arg, f.flags, f.vals.clone()))
            .collect();
        assert_eq!(
            caps,
            vec![
                (
                    Op::In,
                    CapSet::Effective as u8,
                    0,
                    vec![(1 << 21) | 1 | (1 << 40)]
                ),
                (
                    Op::NotIn,
                    CapSet::Permitted as u8,
                    CAPS_NAMESPACE,
                    vec![1 << 13, 109]
                ),
            ]
        );
        let errors = with_filters(
            "      matchCapabilities:\n      - {operator: In, values: [CAP_SYS_ADMIN, CAP_FLY]}\n",
        )
        .unwrap_err();
        assert_eq!(
            errors[0].path,
            "spec.kprobes[0].selectors[0].matchCapabilities[0].values[1]"
        );
        assert!(errors[0].problem.contains("CAP_FLY"), "{errors:?}");
    }

    #[test]
    fn follow_forks_pid_lists_get_one_bit_each() {
        let (c, filters) = with_filters(
            "      matchPIDs:\n      - {operator: In, followForks: true, isNamespacePID: true, values: [1]}\n      - {operator: NotIn, followForks: true, values: [7, 8]}\n      - {operator: NotIn, followForks: true, isNamespacePID: true, values: [1]}\n",
        )
        .unwrap();
        let pids: Vec<_> = filters
            .iter()
            .filter(|f| f.kind == FilterKind::Pid)
            .map(|f| (f.op, f.flags, f.set))
            .collect();
        assert_eq!(
            pids,
            vec![
                (Op::In, PID_NAMESPACE | PID_FOLLOW_FORKS, 0),
                (Op::NotIn, PID_FOLLOW_FORKS, 1),
                (Op::NotIn, PID_NAMESPACE | PID_FOLLOW_FORKS, 0),
            ]
        );
        let follow: Vec<_> = c
            .follow_filters
            .iter()
            .map(|f| (f.flags, f.vals.clone()))
            .collect();
        assert_eq!(follow, vec![(PID_NAMESPACE, vec![1]), (0, vec![7, 8])]);
    }

    #[test]
    fn parent_binaries_share_binary_sets_with_match_binaries() {
        let (c, filters) = with_filters(
            "      matchBinaries:\n      - {operator: In, values: [/usr/bin/cat]}\n      matchParentBinaries:\n      - {operator: NotPrefix, followChildren: true, values: [/usr/bin/]}\n",
        )
        .unwrap();
        let parent = filters
            .iter()
            .find(|f| f.kind == FilterKind::ParentBinary)
            .unwrap();
        assert_eq!(
            (parent.op, parent.flags, parent.set),
            (Op::NotIn, BIN_FOLLOW_CHILDREN, 1)
        );
        assert_eq!(c.binary_sets, 2);
        assert!(
            c.strings
                .iter()
                .any(|s| s.set == BINARY_SET_BASE + 1 && s.bytes == b"/usr/bin/")
        );
    }

    #[test]
    fn return_args_compile_on_hooks_that_run_at_the_exit_only() {
        let monitoring = READ_KILL
            .replace("{action: Sigkill}", "{action: Post}")
            .replace(
                "    syscall: false\n",
                "    syscall: false\n    return: true\n    returnArg: {index: 0, type: int}\n",
            )
            .replace(
                "      matchActions:",
                "      matchReturnArgs:\n      - {index: 0, operator: GT, values: [\"0\"]}\n      matchActions:",
            );
        let c = compiled(&monitoring, Mode::Agent).unwrap();
        let read = c
            .hooks
            .iter()
            .find(|h| h.slot == Slot::Exit("read"))
            .expect("the read hook moved to the exit");
        let ret = read.selectors[0]
            .filters
            .iter()
            .find(|f| f.kind == FilterKind::Return)
            .unwrap();
        assert_eq!((ret.op, ret.vals.clone()), (Op::Gt, vec![0]));
        // A kill must come before the read: the hook stays at the entry.
        let enforcing = monitoring.replace("{action: Post}", "{action: Sigkill}");
        let errors = compiled(&enforcing, Mode::Agent).unwrap_err();
        assert_eq!(
            errors[0].path,
            "spec.kprobes[0].selectors[0].matchReturnArgs"
        );
        let prefix = monitoring.replace("operator: GT", "operator: Prefix");
        let errors = compiled(&prefix, Mode::Agent).unwrap_err();
        assert_eq!(
            errors[0].path,
            "spec.kprobes[0].selectors[0].matchReturnArgs[0].operator"
        );
    }

    #[test]
    fn override_on_files_cannot_be_limited_by_process_filters() {
        let yaml = READ_KILL
            .replace("values: [\"4\"]", "values: [\"2\"]")
            .replace("{action: Sigkill}", "{action: Override, argError: -1}")
            .replace(
                "      matchActions:",
                "      matchCapabilities:\n      - {operator: In, values: [CAP_SYS_ADMIN]}\n      matchActions:",
            );
        let errors = compiled(&yaml, Mode::Run).unwrap_err();
        assert_eq!(
            errors[0].path,
            "spec.kprobes[0].selectors[0].matchActions[0]"
        );
        assert!(
            errors[0].problem.contains("matchCapabilities"),
            "{errors:?}"
        );
    }

    #[test]
    fn binaries_include_the_resolved_path() {
        let yaml = READ_KILL.replace(
            "      matchActions:",
            "      matchBinaries:\n      - {operator: In, values: [/usr/bin/python3]}\n      matchActions:",
        );
        let (policies, _) = parse_policies("t.yaml", &yaml);
        let planned: Vec<_> = policies
            .into_iter()
            .map(|p| {
                let plan = crate::plan(&p).unwrap();
                (p, plan)
            })
            .collect();
        let c = compile(
            &planned,
            Mode::Agent,
            &|p| (p == "/usr/bin/python3").then(|| "/usr/bin/python3.11".to_owned()),
            &test_host(),
        )
        .unwrap();
        let binaries: Vec<_> = c
            .strings
            .iter()
            .filter(|s| s.set >= BINARY_SET_BASE)
            .map(|s| s.bytes.clone())
            .collect();
        assert_eq!(
            binaries,
            vec![
                b"/usr/bin/python3\0".to_vec(),
                b"/usr/bin/python3.11\0".to_vec()
            ]
        );
        assert_eq!(c.binary_sets, 1);
    }

    #[test]
    fn integers_parse_like_tetragon() {
        assert_eq!(parse_int("0x10"), Some(16));
        assert_eq!(parse_int("010"), Some(8));
        assert_eq!(parse_int("-1"), Some(-1));
        assert_eq!(parse_int("x"), None);
        assert_eq!(parse_port_range("1:1023"), Some((1, 1023)));
        assert_eq!(parse_port_range("9:1"), None);
        assert_eq!(parse_cidr("::1").unwrap().1, 128);
        assert_eq!(parse_cidr("10.0.0.0/8").unwrap().1, 104);
    }

    const OPENAT_TRACEPOINT: &str = r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata: {name: opens}
spec:
  tracepoints:
  - subsystem: syscalls
    event: sys_enter_openat
    args:
    - {index: 6, type: string}
    - {index: 7, type: int}
    selectors:
    - matchArgs:
      - {index: 0, operator: Postfix, values: ["secret.txt"]}
      - {index: 1, operator: Mask, values: ["1"]}
      matchActions:
      - {action: Sigkill}
"#;

    #[test]
    fn syscall_tracepoint_fields_are_the_syscall_arguments_and_selectors_name_them_by_position() {
        let c = compiled(OPENAT_TRACEPOINT, Mode::Run).unwrap();
        let hook = &c.hooks[0];
        assert_eq!(hook.slot, Slot::Enter("openat"));
        // Field 6 is openat's second argument (filename), field 7 its flags.
        assert_eq!(
            hook.args,
            vec![
                ArgSource::UserPath(1),
                ArgSource::Int {
                    index: 2,
                    width: 4,
                    signed: true
                }
            ]
        );
        assert_eq!(
            hook.tracepoint,
            Some(("syscalls".to_owned(), "sys_enter_openat".to_owned()))
        );
        let filters = &hook.selectors[0].filters;
        assert_eq!((filters[0].kind, filters[0].arg), (FilterKind::Str, 0));
        assert_eq!((filters[1].kind, filters[1].arg), (FilterKind::Int, 1));

        let exit = OPENAT_TRACEPOINT
            .replace("sys_enter_openat", "sys_exit_openat")
            .replace("{index: 6, type: string}", "{index: 5, type: int}")
            .replace("    - {index: 7, type: int}\n", "")
            .replace(
                "      - {index: 0, operator: Postfix, values: [\"secret.txt\"]}\n      - {index: 1, operator: Mask, values: [\"1\"]}\n      matchActions:\n      - {action: Sigkill}",
                "      - {index: 0, operator: LT, values: [\"0\"]}",
            );
        let c = compiled(&exit, Mode::Run).unwrap();
        assert_eq!(c.hooks[0].slot, Slot::Exit("openat"));
        assert_eq!(c.hooks[0].args, vec![ArgSource::Return]);

        // The common fields and __syscall_nr are not read.
        let errors = compiled(
            &OPENAT_TRACEPOINT.replace("index: 6", "index: 4"),
            Mode::Run,
        )
        .unwrap_err();
        assert!(
            errors
                .iter()
                .any(|e| e.path == "spec.tracepoints[0].args[0].index"
                    && e.problem.contains("field 4 of syscalls:sys_enter_openat")),
            "{errors:?}"
        );
    }
}
