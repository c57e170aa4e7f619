//! Maps a policy's hooks onto attachment points this kernel offers.
//!
//! Tetragon hooks kernel functions (kprobes, fentry) and LSM hooks; this
//! kernel has none of those. It has syscall tracepoints, `raw_syscalls`,
//! `sched:sched_process_exec/exit`, BTF tracepoints, cgroup socket hooks,
//! uprobes and Landlock. So each hook is translated into the attachment
//! points that observe the same events (a `security_file_permission`
//! kprobe becomes the read/write syscall tracepoints, with the fd resolved
//! to a path), and a hook with no such translation refuses the whole
//! policy: dropping one hook would silently weaken what the user asked for.

use std::fmt;

use crate::policy::{ActionSelector, HookKind, HookRef, Policy, Selector};

/// Kernel functions and LSM hooks kensa translates, for messages.
pub const MAPPED_FUNCTIONS: &[&str] = &[
    "security_file_permission",
    "security_mmap_file",
    "security_path_truncate",
    "security_file_open",
    "do_sys_openat2",
    "security_bprm_check",
    "bprm_check_security",
    "tcp_connect",
    "security_socket_connect",
    "__sys_connect",
    "sys_<syscall> / __x64_sys_<syscall>",
];

/// Tracepoints kensa attaches to as written, for messages.
pub const MAPPED_TRACEPOINTS: &[&str] = &[
    "syscalls:sys_enter_<syscall>",
    "syscalls:sys_exit_<syscall>",
    "raw_syscalls:sys_enter",
    "raw_syscalls:sys_exit",
    "sched:sched_process_exec",
    "sched:sched_process_exit",
];

/// The syscalls `security_file_permission` is reached from: reads and
/// writes on an fd (argument 0).
const READ_WRITE: &[&str] = &[
    "read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev", "preadv2",
    "pwritev2",
];

/// Syscalls that move data between two fds inside the kernel; the kernel
/// checks `security_file_permission` on both (the source for reading, the
/// destination for writing), so both are hooked.
pub const TRANSFER: &[&str] = &["sendfile", "splice", "copy_file_range", "tee"];

/// What a policy asks for, translated: one entry per hook, in spec order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Every hook of the policy.
    pub hooks: Vec<HookPlan>,
}

/// One hook of the policy and how it is realised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookPlan {
    /// e.g. `spec.kprobes[0]`.
    pub path: String,
    /// The list it came from.
    pub kind: HookKind,
    /// The hook as written (`security_file_permission`, `sched:sched_process_exec`).
    pub name: String,
    /// What kind of event it observes, which decides how it can deny.
    pub class: HookClass,
    /// How it attaches.
    pub backend: Backend,
    /// Its selectors in the order written: the first that matches decides.
    pub selectors: Vec<SelectorPlan>,
}

/// The kind of event a hook observes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookClass {
    /// Opening, reading, writing, mapping or truncating a file.
    FileAccess,
    /// Executing a program.
    Exec,
    /// Connecting a socket.
    Connect,
    /// Any other syscall.
    Syscall,
    /// A tracepoint with no narrower meaning (`raw_syscalls`, process exit).
    Tracepoint,
    /// A user-space function.
    UserFunction,
}

/// How a hook attaches to the kernel.
///
/// Only translation exists today. A kernel with kprobes or BPF LSM would add
/// variants that attach to the hook as written (`Kprobe { symbol }`,
/// `Lsm { hook }`), which is why this is an enum and not the attachment
/// list itself.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// Rebuilt from attachment points this kernel has; all of them are
    /// needed to see every event the original hook sees.
    Equivalent(Vec<Attachment>),
}

impl Backend {
    /// The attachment points.
    pub fn attachments(&self) -> &[Attachment] {
        match self {
            Backend::Equivalent(a) => a,
        }
    }
}

/// One attachment point.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Attachment {
    /// `syscalls:sys_enter_<name>` and/or `sys_exit_<name>` for each syscall.
    SyscallTracepoint {
        /// The syscalls, with where their file or socket argument is.
        syscalls: Vec<TracedSyscall>,
        /// Entry, exit or both.
        phase: Phase,
    },
    /// `raw_syscalls:sys_enter` / `sys_exit`: every syscall.
    RawSyscalls {
        /// Entry or exit.
        phase: Phase,
    },
    /// `sched:sched_process_exec`.
    SchedProcessExec,
    /// `sched:sched_process_exit`.
    SchedProcessExit,
    /// A BTF-enabled raw tracepoint (`tp_btf/<event>`).
    TpBtf {
        /// The event, e.g. `sched_process_exec`.
        event: String,
    },
    /// A cgroup socket hook: the one place this kernel can deny a connect.
    CgroupSock(CgroupSockHook),
    /// A uprobe.
    Uprobe {
        /// The binary or library.
        path: String,
        /// Symbols to probe.
        symbols: Vec<String>,
        /// Offsets to probe.
        offsets: Vec<u64>,
        /// Addresses to probe.
        addrs: Vec<u64>,
        /// Also probe the return.
        on_return: bool,
    },
}

/// Syscall tracepoint phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// `sys_enter_*`.
    Enter,
    /// `sys_exit_*`.
    Exit,
    /// Both, to pair arguments with the return value.
    Both,
}

/// Cgroup socket hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CgroupSockHook {
    /// `cgroup/connect4`.
    Connect4,
    /// `cgroup/connect6`.
    Connect6,
    /// `cgroup/sock_create`.
    SockCreate,
}

impl CgroupSockHook {
    /// The libbpf section name.
    pub fn section(self) -> &'static str {
        match self {
            CgroupSockHook::Connect4 => "cgroup/connect4",
            CgroupSockHook::Connect6 => "cgroup/connect6",
            CgroupSockHook::SockCreate => "cgroup/sock_create",
        }
    }
}

/// A syscall to trace and which of its arguments names the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TracedSyscall {
    /// The syscall, e.g. `pread64`.
    pub name: &'static str,
    /// Where the file or socket is, to resolve it like the kernel hook
    /// would see it; `None` when the syscall has no such argument.
    pub object: Option<ObjectArg>,
}

/// Which syscall argument names the object the original hook received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectArg {
    /// A file descriptor, resolved to its path.
    Fd(u8),
    /// A path string.
    Path(u8),
    /// A path relative to a directory fd (`openat`).
    DirFdPath {
        /// The directory fd.
        dirfd: u8,
        /// The path.
        path: u8,
    },
    /// A socket fd and the address it connects to.
    Socket {
        /// The socket fd.
        fd: u8,
        /// The `sockaddr` argument.
        sockaddr: u8,
    },
}

/// A selector and what its actions can do here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorPlan {
    /// Position in the hook's `selectors` (first match wins).
    pub index: usize,
    /// `matchActions`, in order.
    pub actions: Vec<ActionPlan>,
    /// `matchReturnActions`, in order.
    pub return_actions: Vec<ActionPlan>,
}

/// One action and whether this kernel can carry it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPlan {
    /// e.g. `spec.kprobes[0].selectors[1].matchActions[0]`.
    pub path: String,
    /// The action as written.
    pub action: String,
    /// A signal to send the task (Sigkill: 9); sending works from every
    /// attachment point.
    pub signal: Option<u32>,
    /// How an error return would be forced, when the action asks for one.
    pub override_via: Option<OverrideVia>,
    /// The error to return, when the action asks for one.
    pub arg_error: Option<i32>,
}

/// `SIGKILL`.
const SIGKILL: u32 = 9;

impl ActionPlan {
    /// Whether the action can be carried out in full. An error return that
    /// cannot be forced still counts when the task is killed first, since
    /// nothing is left to see the error.
    pub fn enforceable(&self) -> bool {
        match self.override_via {
            None => true,
            Some(OverrideVia::Unsupported) => self.signal == Some(SIGKILL),
            Some(_) => true,
        }
    }
}

/// How an `Override` (forced error return) is realised without
/// `bpf_override_return` or BPF LSM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OverrideVia {
    /// A cgroup socket hook rejects the connect with `EPERM`.
    CgroupSock,
    /// A Landlock ruleset denies the file access; only possible when kensa
    /// starts the workload itself (`run` mode), since Landlock restricts
    /// the calling process and its descendants.
    Landlock,
    /// Not possible on this kernel.
    Unsupported,
}

/// A hook with no equivalent here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {noun} {name:?} has no equivalent on this kernel ({reason}); kensa maps: {}", maps.join(", "), noun = kind.noun())]
pub struct UnsupportedHook {
    /// e.g. `spec.kprobes[2]`.
    pub path: String,
    /// The list it came from.
    pub kind: HookKind,
    /// The hook as written.
    pub name: String,
    /// Why.
    pub reason: &'static str,
    /// What kensa can map instead.
    pub maps: &'static [&'static str],
}

/// Translates every hook of `policy`, or names every hook that cannot be
/// translated.
pub fn plan(policy: &Policy) -> Result<Plan, Vec<UnsupportedHook>> {
    let mut hooks = Vec::new();
    let mut unsupported = Vec::new();
    for hook in policy.hooks() {
        match map_hook(policy, &hook) {
            Ok((class, attachments)) => hooks.push(HookPlan {
                path: hook.path(),
                kind: hook.kind,
                name: display_name(&hook),
                class,
                backend: Backend::Equivalent(attachments),
                selectors: selector_plans(&hook.path(), hook.selectors, class),
            }),
            Err((reason, maps)) => unsupported.push(UnsupportedHook {
                path: hook.path(),
                kind: hook.kind,
                name: display_name(&hook),
                reason,
                maps,
            }),
        }
    }
    if unsupported.is_empty() {
        Ok(Plan { hooks })
    } else {
        Err(unsupported)
    }
}

fn display_name(hook: &HookRef<'_>) -> String {
    match hook.event {
        Some(event) => format!("{}:{event}", hook.name),
        None => hook.name.to_owned(),
    }
}

type Mapped = Result<(HookClass, Vec<Attachment>), (&'static str, &'static [&'static str])>;

const NO_KPROBES: &str = "no kprobes, no BPF LSM";

fn map_hook(policy: &Policy, hook: &HookRef<'_>) -> Mapped {
    let phase = if hook.hooks_return {
        Phase::Both
    } else {
        Phase::Enter
    };
    match hook.kind {
        HookKind::Kprobe | HookKind::Fentry => {
            let syscall = match hook.kind {
                HookKind::Kprobe => policy.spec.kprobes.get(hook.index).map(|k| k.syscall),
                _ => policy.spec.fentries.get(hook.index).map(|k| k.syscall),
            }
            .unwrap_or(true);
            if let Some(list) = hook.name.strip_prefix("list:") {
                return map_list(policy, list, phase);
            }
            map_function(hook.name, syscall, phase).ok_or((
                if hook.kind == HookKind::Fentry {
                    "no fentry/fexit, no kprobes, no BPF LSM"
                } else {
                    NO_KPROBES
                },
                MAPPED_FUNCTIONS,
            ))
        }
        HookKind::LsmHook => {
            let function = match hook.name {
                "bprm_check_security" => "bprm_check_security".to_owned(),
                name => format!("security_{name}"),
            };
            map_function(&function, false, phase).ok_or(("no BPF LSM", MAPPED_FUNCTIONS))
        }
        HookKind::Tracepoint => {
            let raw = policy
                .spec
                .tracepoints
                .get(hook.index)
                .is_some_and(|t| t.raw);
            map_tracepoint(hook.name, hook.event.unwrap_or_default(), raw)
                .ok_or(("not in the supported tracepoint set", MAPPED_TRACEPOINTS))
        }
        HookKind::Uprobe => {
            let Some(u) = policy.spec.uprobes.get(hook.index) else {
                return Err(("uprobe not found", &[]));
            };
            Ok((
                HookClass::UserFunction,
                vec![Attachment::Uprobe {
                    path: u.path.clone(),
                    symbols: u.symbols.clone(),
                    offsets: u.offsets.clone(),
                    addrs: u.addrs.clone(),
                    on_return: u.return_,
                }],
            ))
        }
        HookKind::Usdt => Err((
            "USDT probes are not translated yet",
            &["uprobes with symbols or offsets"],
        )),
    }
}

/// `list:<name>` as a kprobe call: only a list of syscalls can become
/// syscall tracepoints.
fn map_list(policy: &Policy, name: &str, phase: Phase) -> Mapped {
    let Some(list) = policy.spec.lists.iter().find(|l| l.name == name) else {
        return Err(("the list is not defined in spec.lists", MAPPED_FUNCTIONS));
    };
    match list.list_type.as_deref() {
        Some("syscalls") => {
            let mut syscalls = Vec::new();
            for value in &list.values {
                let Some(sc) = syscall_name(value, true) else {
                    return Err((
                        "the list names something that is not a syscall of this architecture",
                        MAPPED_FUNCTIONS,
                    ));
                };
                syscalls.push(traced(sc));
            }
            Ok((
                HookClass::Syscall,
                vec![Attachment::SyscallTracepoint { syscalls, phase }],
            ))
        }
        // Every syscall: one raw tracepoint sees them all.
        Some("generated_syscalls") => Ok((
            HookClass::Syscall,
            vec![Attachment::RawSyscalls {
                phase: if phase == Phase::Both {
                    Phase::Both
                } else {
                    Phase::Enter
                },
            }],
        )),
        _ => Err((
            "only lists of type syscalls or generated_syscalls can be translated; others name kernel functions",
            MAPPED_FUNCTIONS,
        )),
    }
}

/// The syscall a kprobe call names, if any: `sys_openat`,
/// `__x64_sys_openat`, or a bare `openat` when `syscall: true`.
fn syscall_name(call: &str, syscall: bool) -> Option<&'static str> {
    const PREFIXES: &[&str] = &[
        "__x64_sys_",
        "__ia32_sys_",
        "__ia32_compat_sys_",
        "__arm64_sys_",
        "__se_sys_",
        "__do_sys_",
        "sys_",
    ];
    let bare = PREFIXES
        .iter()
        .find_map(|p| call.strip_prefix(p))
        .or(syscall.then_some(call))?;
    crate::syscalls::lookup(bare)
}

/// A syscall with its object argument, where the syscall has one.
fn traced(name: &'static str) -> TracedSyscall {
    let object = match name {
        n if READ_WRITE.contains(&n) => Some(ObjectArg::Fd(0)),
        // The source file; the destination is checked as a second hook
        // instance (see compile.rs).
        "sendfile" => Some(ObjectArg::Fd(1)),
        n if TRANSFER.contains(&n) => Some(ObjectArg::Fd(0)),
        "ftruncate" | "fsync" | "fdatasync" | "fchmod" | "fchown" => Some(ObjectArg::Fd(0)),
        "mmap" => Some(ObjectArg::Fd(4)),
        "truncate" | "open" | "creat" | "execve" | "chmod" | "chown" | "unlink" => {
            Some(ObjectArg::Path(0))
        }
        "openat" | "openat2" | "execveat" | "unlinkat" | "fchmodat" | "mkdirat" => {
            Some(ObjectArg::DirFdPath { dirfd: 0, path: 1 })
        }
        "connect" | "bind" => Some(ObjectArg::Socket { fd: 0, sockaddr: 1 }),
        _ => None,
    };
    TracedSyscall { name, object }
}

fn syscall_tracepoint(names: &[&'static str], phase: Phase) -> Attachment {
    Attachment::SyscallTracepoint {
        syscalls: names.iter().map(|n| traced(n)).collect(),
        phase,
    }
}

/// Connect attempts are seen at the syscall; the cgroup hooks are what can
/// refuse them.
fn connect_attachments(phase: Phase) -> Vec<Attachment> {
    vec![
        syscall_tracepoint(&["connect"], phase),
        Attachment::CgroupSock(CgroupSockHook::Connect4),
        Attachment::CgroupSock(CgroupSockHook::Connect6),
    ]
}

fn map_function(call: &str, syscall: bool, phase: Phase) -> Option<(HookClass, Vec<Attachment>)> {
    let file = |names: &[&'static str]| {
        Some((
            HookClass::FileAccess,
            vec![syscall_tracepoint(names, phase)],
        ))
    };
    match call {
        "security_file_permission" => {
            let names: Vec<&'static str> = READ_WRITE.iter().chain(TRANSFER).copied().collect();
            return file(&names);
        }
        "security_mmap_file" => return file(&["mmap"]),
        "security_path_truncate" => return file(&["truncate", "ftruncate"]),
        "security_file_open" | "do_sys_openat2" => return file(&["openat", "openat2"]),
        "security_bprm_check" | "bprm_check_security" | "sched_process_exec" => {
            return Some((HookClass::Exec, vec![Attachment::SchedProcessExec]));
        }
        "tcp_connect" | "security_socket_connect" | "__sys_connect" => {
            return Some((HookClass::Connect, connect_attachments(phase)));
        }
        _ => {}
    }
    let name = syscall_name(call, syscall)?;
    Some(match name {
        "execve" | "execveat" => (HookClass::Exec, vec![Attachment::SchedProcessExec]),
        "connect" => (HookClass::Connect, connect_attachments(phase)),
        n if READ_WRITE.contains(&n)
            || matches!(
                n,
                "open" | "openat" | "openat2" | "creat" | "mmap" | "truncate" | "ftruncate"
            ) =>
        {
            (HookClass::FileAccess, vec![syscall_tracepoint(&[n], phase)])
        }
        n => (HookClass::Syscall, vec![syscall_tracepoint(&[n], phase)]),
    })
}

fn map_tracepoint(subsystem: &str, event: &str, raw: bool) -> Option<(HookClass, Vec<Attachment>)> {
    match (subsystem, event) {
        ("syscalls", event) => {
            let (name, phase) = if let Some(n) = event.strip_prefix("sys_enter_") {
                (n, Phase::Enter)
            } else {
                (event.strip_prefix("sys_exit_")?, Phase::Exit)
            };
            let name = syscall_name(name, true)?;
            Some((HookClass::Syscall, vec![syscall_tracepoint(&[name], phase)]))
        }
        ("raw_syscalls", "sys_enter" | "sys_exit") if raw => Some((
            HookClass::Tracepoint,
            vec![Attachment::TpBtf {
                event: event.to_owned(),
            }],
        )),
        ("raw_syscalls", "sys_enter") => Some((
            HookClass::Tracepoint,
            vec![Attachment::RawSyscalls {
                phase: Phase::Enter,
            }],
        )),
        ("raw_syscalls", "sys_exit") => Some((
            HookClass::Tracepoint,
            vec![Attachment::RawSyscalls { phase: Phase::Exit }],
        )),
        ("sched", "sched_process_exec" | "sched_process_exit") if raw => Some((
            if event == "sched_process_exec" {
                HookClass::Exec
            } else {
                HookClass::Tracepoint
            },
            vec![Attachment::TpBtf {
                event: event.to_owned(),
            }],
        )),
        ("sched", "sched_process_exec") => {
            Some((HookClass::Exec, vec![Attachment::SchedProcessExec]))
        }
        ("sched", "sched_process_exit") => {
            Some((HookClass::Tracepoint, vec![Attachment::SchedProcessExit]))
        }
        _ => None,
    }
}

fn selector_plans(hook_path: &str, selectors: &[Selector], class: HookClass) -> Vec<SelectorPlan> {
    selectors
        .iter()
        .enumerate()
        .map(|(index, s)| {
            let path = format!("{hook_path}.selectors[{index}]");
            let plans = |field: &str, actions: &[ActionSelector]| {
                actions
                    .iter()
                    .enumerate()
                    .map(|(i, a)| action_plan(format!("{path}.{field}[{i}]"), a, class))
                    .collect()
            };
            SelectorPlan {
                index,
                actions: plans("matchActions", &s.match_actions),
                return_actions: plans("matchReturnActions", &s.match_return_actions),
            }
        })
        .collect()
}

/// How a forced error return is realised for a class of hook.
pub fn override_via(class: HookClass) -> OverrideVia {
    match class {
        HookClass::Connect => OverrideVia::CgroupSock,
        HookClass::FileAccess | HookClass::Exec => OverrideVia::Landlock,
        HookClass::Syscall | HookClass::Tracepoint | HookClass::UserFunction => {
            OverrideVia::Unsupported
        }
    }
}

fn action_plan(path: String, a: &ActionSelector, class: HookClass) -> ActionPlan {
    let (signal, override_via) = match a.action.as_str() {
        "Sigkill" => (Some(SIGKILL), None),
        "Signal" => (a.arg_sig, None),
        "Override" => (None, Some(override_via(class))),
        // The enforcer returns argError from the syscalls listed in
        // spec.enforcers, which needs an override this kernel lacks; its
        // signal can still be sent.
        "NotifyEnforcer" => (a.arg_sig, a.arg_error.map(|_| OverrideVia::Unsupported)),
        _ => (None, None),
    };
    let arg_error = override_via.and(a.arg_error);
    ActionPlan {
        path,
        action: a.action.clone(),
        signal,
        override_via,
        arg_error,
    }
}

impl fmt::Display for Attachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attachment::SyscallTracepoint { syscalls, phase } => {
                let names: Vec<&str> = syscalls.iter().map(|s| s.name).collect();
                let dirs: &[&str] = match phase {
                    Phase::Enter => &["sys_enter"],
                    Phase::Exit => &["sys_exit"],
                    Phase::Both => &["sys_enter", "sys_exit"],
                };
                write!(f, "syscalls:{{{}}}_{{{}}}", dirs.join(","), names.join(","))
            }
            Attachment::RawSyscalls { phase } => match phase {
                Phase::Enter => f.write_str("raw_syscalls:sys_enter"),
                Phase::Exit => f.write_str("raw_syscalls:sys_exit"),
                Phase::Both => f.write_str("raw_syscalls:{sys_enter,sys_exit}"),
            },
            Attachment::SchedProcessExec => f.write_str("sched:sched_process_exec"),
            Attachment::SchedProcessExit => f.write_str("sched:sched_process_exit"),
            Attachment::TpBtf { event } => write!(f, "tp_btf/{event}"),
            Attachment::CgroupSock(h) => f.write_str(h.section()),
            Attachment::Uprobe { path, .. } => write!(f, "uprobe:{path}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::parse_policies;
    use serde_json::{Value, json};

    fn policy_of(spec: Value) -> Policy {
        let doc = json!({
            "apiVersion": "cilium.io/v1alpha1",
            "kind": "TracingPolicy",
            "metadata": {"name": "t"},
            "spec": spec,
        });
        let (mut policies, errors) = parse_policies("t.yaml", &doc.to_string());
        assert!(errors.is_empty(), "{errors:?}");
        policies.remove(0)
    }

    fn kprobe(call: &str, syscall: bool) -> Plan {
        let p = policy_of(json!({"kprobes": [{"call": call, "syscall": syscall}]}));
        match plan(&p) {
            Ok(plan) => plan,
            Err(e) => panic!("{call}: {e:?}"),
        }
    }

    fn syscalls_of(plan: &Plan) -> Vec<&'static str> {
        plan.hooks[0]
            .backend
            .attachments()
            .iter()
            .flat_map(|a| match a {
                Attachment::SyscallTracepoint { syscalls, .. } => {
                    syscalls.iter().map(|s| s.name).collect()
                }
                _ => Vec::new(),
            })
            .collect()
    }

    #[test]
    fn file_permission_becomes_read_write_tracepoints_with_the_fd() {
        let p = kprobe("security_file_permission", false);
        assert_eq!(p.hooks[0].class, HookClass::FileAccess);
        let expected: Vec<&str> = READ_WRITE.iter().chain(TRANSFER).copied().collect();
        assert_eq!(syscalls_of(&p), expected);
        let Attachment::SyscallTracepoint { syscalls, phase } =
            &p.hooks[0].backend.attachments()[0]
        else {
            panic!("not a syscall tracepoint");
        };
        assert_eq!(*phase, Phase::Enter);
        assert!(
            syscalls
                .iter()
                .all(|s| matches!(s.object, Some(ObjectArg::Fd(_))))
        );
    }

    #[test]
    fn file_hooks_map_to_their_syscalls() {
        assert_eq!(syscalls_of(&kprobe("security_mmap_file", false)), ["mmap"]);
        let mmap = kprobe("security_mmap_file", false);
        let Attachment::SyscallTracepoint { syscalls, .. } =
            &mmap.hooks[0].backend.attachments()[0]
        else {
            panic!("not a syscall tracepoint");
        };
        assert_eq!(syscalls[0].object, Some(ObjectArg::Fd(4)));
        assert_eq!(
            syscalls_of(&kprobe("security_path_truncate", false)),
            ["truncate", "ftruncate"]
        );
        for call in ["security_file_open", "do_sys_openat2"] {
            assert_eq!(
                syscalls_of(&kprobe(call, false)),
                ["openat", "openat2"],
                "{call}"
            );
        }
        assert_eq!(syscalls_of(&kprobe("sys_openat", true)), ["openat"]);
        assert_eq!(
            kprobe("sys_openat", true).hooks[0].class,
            HookClass::FileAccess
        );
    }

    #[test]
    fn exec_hooks_become_sched_process_exec() {
        for call in ["security_bprm_check", "bprm_check_security", "sys_execve"] {
            let p = kprobe(call, call.starts_with("sys_"));
            assert_eq!(p.hooks[0].class, HookClass::Exec, "{call}");
            assert_eq!(
                p.hooks[0].backend.attachments(),
                [Attachment::SchedProcessExec]
            );
        }
        let p = policy_of(json!({"lsmhooks": [{"hook": "bprm_check_security"}],
            "tracepoints": [{"subsystem": "sched", "event": "sched_process_exec"}]}));
        let plan = plan(&p).map_err(|e| format!("{e:?}"));
        let plan = plan.as_ref().map(|p| p.hooks.len());
        assert_eq!(plan, Ok(2));
    }

    #[test]
    fn connects_get_the_tracepoint_and_the_cgroup_hooks() {
        for (call, syscall) in [
            ("tcp_connect", false),
            ("security_socket_connect", false),
            ("__sys_connect", false),
            ("sys_connect", true),
            ("connect", true),
            ("__x64_sys_connect", true),
        ] {
            let p = kprobe(call, syscall);
            assert_eq!(p.hooks[0].class, HookClass::Connect, "{call}");
            let a = p.hooks[0].backend.attachments();
            assert_eq!(a.len(), 3);
            assert_eq!(
                a[0],
                Attachment::SyscallTracepoint {
                    syscalls: vec![TracedSyscall {
                        name: "connect",
                        object: Some(ObjectArg::Socket { fd: 0, sockaddr: 1 }),
                    }],
                    phase: Phase::Enter,
                }
            );
            assert_eq!(a[1], Attachment::CgroupSock(CgroupSockHook::Connect4));
            assert_eq!(a[2], Attachment::CgroupSock(CgroupSockHook::Connect6));
        }
    }

    #[test]
    fn a_syscall_kprobe_becomes_its_enter_tracepoint() {
        for call in ["sys_setuid", "__x64_sys_setuid", "setuid"] {
            let p = kprobe(call, true);
            assert_eq!(p.hooks[0].class, HookClass::Syscall);
            assert_eq!(syscalls_of(&p), ["setuid"]);
            assert_eq!(
                p.hooks[0].backend.attachments()[0].to_string(),
                "syscalls:{sys_enter}_{setuid}"
            );
        }
        let p = policy_of(json!({"kprobes": [{"call": "sys_write", "return": true,
            "returnArg": {"index": 0, "type": "int"}}]}));
        let Ok(plan) = plan(&p) else {
            panic!("refused")
        };
        assert_eq!(
            plan.hooks[0].backend.attachments()[0].to_string(),
            "syscalls:{sys_enter,sys_exit}_{write}"
        );
    }

    #[test]
    fn tracepoints_map_to_themselves_when_supported() {
        let p = policy_of(json!({"tracepoints": [
            {"subsystem": "syscalls", "event": "sys_enter_openat"},
            {"subsystem": "syscalls", "event": "sys_exit_write"},
            {"subsystem": "raw_syscalls", "event": "sys_enter"},
            {"subsystem": "sched", "event": "sched_process_exit"},
            {"subsystem": "sched", "event": "sched_process_exec", "raw": true},
        ]}));
        let Ok(plan) = plan(&p) else {
            panic!("refused")
        };
        let shown: Vec<String> = plan
            .hooks
            .iter()
            .map(|h| h.backend.attachments()[0].to_string())
            .collect();
        assert_eq!(
            shown,
            [
                "syscalls:{sys_enter}_{openat}",
                "syscalls:{sys_exit}_{write}",
                "raw_syscalls:sys_enter",
                "sched:sched_process_exit",
                "tp_btf/sched_process_exec",
            ]
        );
    }

    #[test]
    fn refusal_names_every_unsupported_hook() {
        let p = policy_of(json!({
            "kprobes": [
                {"call": "security_file_permission", "syscall": false},
                {"call": "security_bpf", "syscall": false},
                {"call": "sys_notasyscall", "syscall": true},
            ],
            "fentries": [{"call": "tcp_close", "syscall": false}],
            "tracepoints": [{"subsystem": "sock", "event": "inet_sock_set_state"}],
            "lsmhooks": [{"hook": "bpf"}, {"hook": "file_open"}],
            "usdts": [{"path": "/bin/x", "provider": "p", "name": "n"}],
        }));
        let Err(refused) = plan(&p) else {
            panic!("planned a policy with unsupported hooks")
        };
        let paths: Vec<&str> = refused.iter().map(|u| u.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "spec.kprobes[1]",
                "spec.kprobes[2]",
                "spec.fentries[0]",
                "spec.tracepoints[0]",
                "spec.lsmhooks[0]",
                "spec.usdts[0]",
            ]
        );
        assert_eq!(
            refused[0].to_string(),
            format!(
                "spec.kprobes[1]: kprobe \"security_bpf\" has no equivalent on this kernel (no kprobes, no BPF LSM); kensa maps: {}",
                MAPPED_FUNCTIONS.join(", ")
            )
        );
        assert!(
            refused[0]
                .to_string()
                .contains("kensa maps: security_file_permission, security_mmap_file, ")
        );
        assert!(refused[3].to_string().starts_with(
            "spec.tracepoints[0]: tracepoint \"sock:inet_sock_set_state\" has no equivalent on this kernel (not in the supported tracepoint set); kensa maps: syscalls:sys_enter_<syscall>"
        ));
        assert!(refused[4].to_string().contains("LSM hook \"bpf\""));
    }

    #[test]
    fn syscall_lists_expand_and_function_lists_are_refused() {
        let p = policy_of(json!({
            "lists": [{"name": "s", "type": "syscalls", "values": ["sys_dup", "__x64_sys_dup2"]},
                      {"name": "f", "type": "generated_ftrace", "pattern": "^tcp_.*"}],
            "kprobes": [{"call": "list:s"}]}));
        let Ok(plan) = plan(&p) else {
            panic!("refused")
        };
        assert_eq!(syscalls_of(&plan), ["dup", "dup2"]);
        let p = policy_of(json!({
            "lists": [{"name": "f", "type": "generated_ftrace", "pattern": "^tcp_.*"}],
            "kprobes": [{"call": "list:f"}]}));
        assert!(super::plan(&p).is_err());
    }

    #[test]
    fn selectors_keep_their_order_and_actions_say_how_they_enforce() {
        let p = policy_of(json!({"kprobes": [
            {"call": "security_file_open", "syscall": false, "selectors": [
                {"matchBinaries": [{"operator": "In", "values": ["/ok"]}], "matchActions": [{"action": "Post"}]},
                {"matchActions": [{"action": "Override", "argError": -1}]},
                {"matchActions": [{"action": "Sigkill"}, {"action": "Signal", "argSig": 10}]},
            ]},
            {"call": "tcp_connect", "syscall": false, "selectors": [
                {"matchActions": [{"action": "Override", "argError": -13}]}]},
            {"call": "sys_setuid", "selectors": [
                {"matchActions": [{"action": "Override", "argError": -1}]}]},
        ]}));
        let Ok(plan) = plan(&p) else {
            panic!("refused")
        };
        let file = &plan.hooks[0];
        let order: Vec<usize> = file.selectors.iter().map(|s| s.index).collect();
        assert_eq!(order, [0, 1, 2]);
        assert_eq!(file.selectors[0].actions[0].action, "Post");
        assert_eq!(file.selectors[0].actions[0].override_via, None);
        let over = &file.selectors[1].actions[0];
        assert_eq!(over.override_via, Some(OverrideVia::Landlock));
        assert_eq!(over.arg_error, Some(-1));
        assert_eq!(over.path, "spec.kprobes[0].selectors[1].matchActions[0]");
        assert_eq!(file.selectors[2].actions[0].signal, Some(9));
        assert_eq!(file.selectors[2].actions[1].signal, Some(10));
        let connect = &plan.hooks[1].selectors[0].actions[0];
        assert_eq!(connect.override_via, Some(OverrideVia::CgroupSock));
        assert!(connect.enforceable());
        let setuid = &plan.hooks[2].selectors[0].actions[0];
        assert_eq!(setuid.override_via, Some(OverrideVia::Unsupported));
        assert!(!setuid.enforceable());
    }

    #[test]
    fn uprobes_are_kept() {
        let p = policy_of(json!({"uprobes": [{"path": "/bin/bash", "symbols": ["readline"]}]}));
        let Ok(plan) = plan(&p) else {
            panic!("refused")
        };
        assert_eq!(plan.hooks[0].class, HookClass::UserFunction);
        assert!(matches!(
            &plan.hooks[0].backend.attachments()[0],
            Attachment::Uprobe { path, symbols, .. } if path == "/bin/bash" && symbols == &["readline"]
        ));
    }
}
