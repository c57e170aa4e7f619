//! Refusing file access under given paths with a chosen errno, through a
//! seccomp user-notification supervisor.
//!
//! Landlock can deny access under a path but always fails the operation
//! with `EACCES`; a TracingPolicy's `Override` says which errno the caller
//! gets (`argError`, often `-EPERM`). Here a seccomp filter in the child
//! ([`Filter`], installed by [`crate::spawn::spawn_into_cgroup_notified`]
//! before `execve`) stops the calls that open or truncate files and hands
//! them to a [`Supervisor`] thread in the parent, which reads the path from
//! the process's memory, resolves it as the process would, and answers with
//! the errno of the first [`Rule`] it falls under, or lets the call go on
//! (`SECCOMP_USER_NOTIF_FLAG_CONTINUE`).
//!
//! Which calls stop: `open`, `openat` and `openat2`, `creat` and
//! `truncate`. When the rules deny only writing, `open` and `openat` stop
//! only when their flags could write (an access mode other than
//! `O_RDONLY`, or `O_CREAT` or `O_TRUNC`), so read-only opens, the bulk of
//! them, cost nothing; `openat2` keeps its flags in user memory, out of the
//! filter's reach, so it always stops. Every other call is allowed by the
//! filter itself.
//!
//! What a rule covers: a path and everything beneath it, component-wise
//! (`/x/protected` covers `/x/protected/f`, not `/x/protected2`), exactly
//! as a Landlock [`crate::landlock::DenyRule`] does, so the two agree on
//! what is denied and differ only in the errno. The rule's path has its
//! symbolic links resolved when the rules are made, and so does the path
//! of every call (relative to the process's working directory or `dirfd`,
//! absolute ones inside the process's root), so a relative path, a
//! symbolic link into a protected directory or `..` are all caught.
//!
//! What it does **not** close, and why Landlock stays as the backstop:
//!
//! - The check is on a path the supervisor reads and resolves, and the
//!   kernel reads and resolves it again when the call goes on: another
//!   thread rewriting the path in memory, or a rename or symbolic link
//!   swapped in between, slips through (a time-of-check to time-of-use
//!   race that every seccomp-notify path check has). A hard link made
//!   beforehand outside the protected path is a different path to the same
//!   file. Landlock checks the file the kernel actually opens, so with a
//!   Landlock ruleset for the same rules the race ends in `EACCES` instead
//!   of access.
//! - When the supervisor cannot read or resolve the path (a bad pointer, a
//!   path longer than `PATH_MAX`, a vanished process or directory), it
//!   lets the call go on; the kernel then fails it or Landlock judges it.
//! - Calls of another ABI than the native one (i386 programs on x86-64,
//!   32-bit Arm ones on aarch64) are not stopped; Landlock judges them.
//! - A supervisor that is gone (its thread stopped, the parent dead) makes
//!   the stopped calls fail with `ENOSYS`: closed, not open.

#![allow(unsafe_code)]

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use crate::landlock::Access;
use crate::{Error, Result};

/// The longest path the kernel accepts, with its NUL (`PATH_MAX`).
pub const PATH_MAX: usize = 4096;

/// Access to refuse with `errno` beneath a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The path: a directory and everything beneath it, or one file. It
    /// must exist; symbolic links in it are resolved.
    pub path: PathBuf,
    /// What to refuse: [`Access::READ`], [`Access::WRITE`] or both.
    pub access: Access,
    /// The errno the refused call fails with (positive, e.g. `libc::EPERM`).
    pub errno: i32,
}

impl Rule {
    /// Refuses `access` beneath `path` with `errno`.
    pub fn new(path: impl Into<PathBuf>, access: Access, errno: i32) -> Self {
        Self {
            path: path.into(),
            access,
            errno,
        }
    }
}

/// Rules with their paths resolved, ready for a [`Supervisor`]; the first
/// rule a call falls under decides.
#[derive(Debug, Clone)]
pub struct Rules {
    rules: Vec<Rule>,
}

impl Rules {
    /// Resolves the paths of `rules`: [`Error::DenyPath`] when one does not
    /// exist, [`Error::InvalidErrno`] for an errno outside 1..=4095 (what
    /// the kernel passes back to a process), [`Error::NothingToDeny`] when
    /// no rule denies anything.
    pub fn new(rules: &[Rule]) -> Result<Self> {
        let mut resolved = Vec::with_capacity(rules.len());
        for rule in rules {
            if !(1..=4095).contains(&rule.errno) {
                return Err(Error::InvalidErrno(rule.errno));
            }
            if rule.access.is_empty() {
                continue;
            }
            let path = std::fs::canonicalize(&rule.path).map_err(|source| Error::DenyPath {
                path: rule.path.clone(),
                source,
            })?;
            resolved.push(Rule {
                path,
                access: rule.access,
                errno: rule.errno,
            });
        }
        if resolved.is_empty() {
            return Err(Error::NothingToDeny);
        }
        Ok(Self { rules: resolved })
    }

    /// The rules, paths resolved, in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The seccomp filter that stops the calls these rules can refuse.
    pub fn filter(&self) -> Result<Filter> {
        let denied = self
            .rules
            .iter()
            .fold(Access::NONE, |all, rule| all | rule.access);
        Filter::new(denied.contains(Access::READ))
    }

    /// The index of the first rule that refuses some of `needed` at
    /// `path` (a resolved path).
    fn first_match(&self, path: &Path, needed: Access) -> Option<usize> {
        self.rules
            .iter()
            .position(|rule| overlaps(rule.access, needed) && path.starts_with(&rule.path))
    }
}

fn overlaps(a: Access, b: Access) -> bool {
    !(a - b == a)
}

// --- the filter ---

/// `AUDIT_ARCH_*` of `<linux/audit.h>`.
#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH_AARCH64: u32 = 0xC000_00B7;
/// x32 system calls come with this bit set in their number, and the
/// x86-64 audit arch.
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// The system calls the filter stops, by their native numbers.
#[derive(Debug, Clone, Copy)]
struct Syscalls {
    arch: u32,
    /// `open` and `creat` do not exist on aarch64.
    open: Option<u32>,
    creat: Option<u32>,
    openat: u32,
    openat2: u32,
    truncate: u32,
    x32: bool,
}

#[cfg(target_arch = "x86_64")]
const NATIVE: Option<Syscalls> = Some(Syscalls {
    arch: AUDIT_ARCH_X86_64,
    open: Some(libc::SYS_open as u32),
    creat: Some(libc::SYS_creat as u32),
    openat: libc::SYS_openat as u32,
    openat2: libc::SYS_openat2 as u32,
    truncate: libc::SYS_truncate as u32,
    x32: true,
});

#[cfg(target_arch = "aarch64")]
const NATIVE: Option<Syscalls> = Some(Syscalls {
    arch: AUDIT_ARCH_AARCH64,
    open: None,
    creat: None,
    openat: libc::SYS_openat as u32,
    openat2: libc::SYS_openat2 as u32,
    truncate: libc::SYS_truncate as u32,
    x32: false,
});

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
const NATIVE: Option<Syscalls> = None;

/// Which stopped call a notification is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Open,
    Creat,
    Openat,
    Openat2,
    Truncate,
}

impl Call {
    fn name(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Creat => "creat",
            Self::Openat => "openat",
            Self::Openat2 => "openat2",
            Self::Truncate => "truncate",
        }
    }

    fn of(syscalls: &Syscalls, arch: u32, nr: u32) -> Option<Self> {
        if arch != syscalls.arch {
            return None;
        }
        let nr = if syscalls.x32 {
            nr & !X32_SYSCALL_BIT
        } else {
            nr
        };
        match nr {
            n if Some(n) == syscalls.open => Some(Self::Open),
            n if Some(n) == syscalls.creat => Some(Self::Creat),
            n if n == syscalls.openat => Some(Self::Openat),
            n if n == syscalls.openat2 => Some(Self::Openat2),
            n if n == syscalls.truncate => Some(Self::Truncate),
            _ => None,
        }
    }
}

// Offsets into `struct seccomp_data`: nr, arch, then the arguments as
// 64-bit values; the filter reads the low half of one, which comes first
// on the little-endian architectures supported here.
const DATA_NR: u32 = 0;
const DATA_ARCH: u32 = 4;
const fn data_arg_low(index: u32) -> u32 {
    16 + 8 * index
}

/// The flags that make an open able to write.
const WRITING_FLAGS: u32 = (libc::O_WRONLY | libc::O_RDWR | libc::O_CREAT | libc::O_TRUNC) as u32;

/// A classic BPF seccomp program with symbolic jump targets, resolved into
/// relative offsets once every instruction is placed.
#[derive(Clone, Copy)]
enum Insn {
    Load(u32),
    And(u32),
    /// Jump to `jt` when A == k, else fall through.
    JumpIfEqual(u32, Label),
    /// Jump to `jt` when A & k != 0, else fall through.
    JumpIfAny(u32, Label),
    /// Jump unless A has the bits of k: used for the x32 bit.
    SkipUnlessAny(u32, u8),
    Jump(Label),
    Return(u32),
    Mark(Label),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Label {
    Native,
    Allow,
    Notify,
    Flags(u32),
}

/// A seccomp filter that sends the open family of calls to a supervisor
/// (see the module documentation for which ones); install it with
/// [`crate::spawn::spawn_into_cgroup_notified`].
#[derive(Debug, Clone)]
pub struct Filter {
    program: Vec<libc::sock_filter>,
}

impl Filter {
    /// The filter for this machine's architecture; all opens stop when
    /// `reads_denied`, else only those that could write.
    /// [`Error::NotifyUnsupportedArch`] elsewhere than x86-64 and aarch64.
    pub fn new(reads_denied: bool) -> Result<Self> {
        let syscalls = NATIVE.ok_or(Error::NotifyUnsupportedArch(std::env::consts::ARCH))?;
        Ok(Self {
            program: assemble(&program(&syscalls, reads_denied)),
        })
    }

    /// The program, for `seccomp(SECCOMP_SET_MODE_FILTER)`.
    pub(crate) fn instructions(&self) -> &[libc::sock_filter] {
        &self.program
    }
}

fn program(syscalls: &Syscalls, reads_denied: bool) -> Vec<Insn> {
    use Insn::*;
    let flags_of_open = if reads_denied {
        Label::Notify
    } else {
        Label::Flags(1)
    };
    let flags_of_openat = if reads_denied {
        Label::Notify
    } else {
        Label::Flags(2)
    };
    let mut p = vec![
        Load(DATA_ARCH),
        // Another ABI (i386, arm32) has other numbers: left to Landlock.
        JumpIfEqual(syscalls.arch, Label::Native),
        Jump(Label::Allow),
        Mark(Label::Native),
        Load(DATA_NR),
    ];
    if syscalls.x32 {
        // x32 numbers are the x86-64 ones plus a bit; take it off.
        p.extend([SkipUnlessAny(X32_SYSCALL_BIT, 1), And(!X32_SYSCALL_BIT)]);
    }
    if let Some(open) = syscalls.open {
        p.push(JumpIfEqual(open, flags_of_open));
    }
    p.push(JumpIfEqual(syscalls.openat, flags_of_openat));
    if let Some(creat) = syscalls.creat {
        p.push(JumpIfEqual(creat, Label::Notify));
    }
    p.extend([
        JumpIfEqual(syscalls.openat2, Label::Notify),
        JumpIfEqual(syscalls.truncate, Label::Notify),
        Jump(Label::Allow),
    ]);
    if !reads_denied {
        for index in [1, 2] {
            p.extend([
                Mark(Label::Flags(index)),
                Load(data_arg_low(index)),
                JumpIfAny(WRITING_FLAGS, Label::Notify),
                Jump(Label::Allow),
            ]);
        }
    }
    p.extend([
        Mark(Label::Notify),
        Return(libc::SECCOMP_RET_USER_NOTIF),
        Mark(Label::Allow),
        Return(libc::SECCOMP_RET_ALLOW),
    ]);
    p
}

/// Places the instructions and turns labels into forward offsets. The
/// programs built here are a few dozen instructions, far below the 255 a
/// conditional jump can skip.
fn assemble(insns: &[Insn]) -> Vec<libc::sock_filter> {
    let mut positions = Vec::new();
    let mut at = 0usize;
    for insn in insns {
        match insn {
            Insn::Mark(label) => positions.push((*label, at)),
            _ => at += 1,
        }
    }
    let target = |label: Label| {
        positions
            .iter()
            .find(|(l, _)| *l == label)
            .map(|(_, p)| *p)
            .expect("every jump target is marked")
    };
    let stmt = |code: u32, k: u32| libc::sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    };
    let mut out = Vec::with_capacity(at);
    for insn in insns {
        let here = out.len();
        let skip = |label: Label| (target(label) - here - 1) as u8;
        out.push(match *insn {
            Insn::Mark(_) => continue,
            Insn::Load(offset) => stmt(libc::BPF_LD | libc::BPF_W | libc::BPF_ABS, offset),
            Insn::And(k) => stmt(libc::BPF_ALU | libc::BPF_AND | libc::BPF_K, k),
            Insn::JumpIfEqual(k, label) => libc::sock_filter {
                jt: skip(label),
                ..stmt(libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K, k)
            },
            Insn::JumpIfAny(k, label) => libc::sock_filter {
                jt: skip(label),
                ..stmt(libc::BPF_JMP | libc::BPF_JSET | libc::BPF_K, k)
            },
            Insn::SkipUnlessAny(k, n) => libc::sock_filter {
                jf: n,
                ..stmt(libc::BPF_JMP | libc::BPF_JSET | libc::BPF_K, k)
            },
            Insn::Jump(label) => stmt(libc::BPF_JMP | libc::BPF_JA, skip(label) as u32),
            Insn::Return(k) => stmt(libc::BPF_RET | libc::BPF_K, k),
        });
    }
    out
}

/// Installs `filter` on the calling thread with a new listener, returning
/// the listener descriptor (close-on-exec is not set; the caller closes it
/// before `execve`), or -1 with errno set.
///
/// # Safety
/// Async-signal-safe: it only makes the system call, on memory the filter
/// owns. `no_new_privs` must be set (or the caller have CAP_SYS_ADMIN).
pub(crate) unsafe fn sys_install_with_listener(filter: &Filter) -> RawFd {
    let instructions = filter.instructions();
    let fprog = libc::sock_fprog {
        len: instructions.len() as u16,
        filter: instructions.as_ptr().cast_mut(),
    };
    // SAFETY: seccomp reads the program the sock_fprog points to, which
    // lives until the call returns.
    unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            libc::SECCOMP_FILTER_FLAG_NEW_LISTENER,
            &fprog as *const libc::sock_fprog,
        ) as RawFd
    }
}

/// A seccomp listener descriptor: the stopped calls of the processes under
/// the filter arrive on it.
#[derive(Debug)]
pub struct Listener(OwnedFd);

impl Listener {
    /// Takes a listener descriptor (from `SECCOMP_FILTER_FLAG_NEW_LISTENER`).
    pub fn from_fd(fd: OwnedFd) -> Self {
        Self(fd)
    }
}

// --- the supervisor ---

/// A call refused by a rule, as the supervisor reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// The calling thread's id (in the supervisor's pid namespace).
    pub pid: u32,
    /// The path as resolved (symbolic links followed).
    pub path: PathBuf,
    /// The call: `open`, `openat`, `openat2`, `creat` or `truncate`.
    pub syscall: &'static str,
    /// The access the call asked for.
    pub access: Access,
    /// The errno it failed with.
    pub errno: i32,
    /// The index of the rule, in the order given to [`Rules::new`] minus
    /// those that deny nothing.
    pub rule: usize,
}

/// Counts of what a supervisor did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Calls received.
    pub received: u64,
    /// Calls refused.
    pub denied: u64,
    /// Calls let go on because the path could not be read or resolved.
    pub unresolved: u64,
}

/// The thread that answers the stopped calls of the processes under a
/// [`Filter`]. It ends by itself when no process uses the filter any more,
/// or when [`Supervisor::stop`]ped; dropping it stops it without waiting.
#[derive(Debug)]
pub struct Supervisor {
    stop: Option<OwnedFd>,
    thread: Option<JoinHandle<io::Result<Stats>>>,
}

impl Supervisor {
    /// Starts answering the calls arriving on `listener` by `rules`,
    /// calling `on_denial` for every refused call before the refusal
    /// reaches the process (so the report comes before whatever the
    /// process does next; keep it short, the process waits).
    pub fn start(
        listener: Listener,
        rules: Rules,
        on_denial: impl FnMut(&Denial) + Send + 'static,
    ) -> Result<Self> {
        let syscalls = NATIVE.ok_or(Error::NotifyUnsupportedArch(std::env::consts::ARCH))?;
        let mut fds = [0; 2];
        // SAFETY: pipe2 writes two descriptors into the array it is given.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(Error::Supervisor(io::Error::last_os_error()));
        }
        // SAFETY: pipe2 succeeded, so both are open descriptors this owns.
        let (stop_reader, stop_writer) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        let thread = std::thread::Builder::new()
            .name("kensa-notify".into())
            .spawn(move || {
                let mut on_denial = on_denial;
                serve(&listener, &stop_reader, &rules, &syscalls, &mut on_denial)
            })
            .map_err(Error::Supervisor)?;
        Ok(Self {
            stop: Some(stop_writer),
            thread: Some(thread),
        })
    }

    /// Stops answering and waits for the thread. Processes still under the
    /// filter get `ENOSYS` for the calls it would have stopped.
    pub fn stop(mut self) -> Result<Stats> {
        self.stop.take();
        self.join()
    }

    /// Waits until no process uses the filter any more.
    pub fn wait(mut self) -> Result<Stats> {
        self.join()
    }

    fn join(&mut self) -> Result<Stats> {
        let Some(thread) = self.thread.take() else {
            return Ok(Stats::default());
        };
        thread
            .join()
            .map_err(|_| Error::Supervisor(io::Error::other("the supervisor thread panicked")))?
            .map_err(Error::Supervisor)
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        // Closing the write end wakes the thread, which then ends.
        self.stop.take();
    }
}

fn serve(
    listener: &Listener,
    stop: &OwnedFd,
    rules: &Rules,
    syscalls: &Syscalls,
    on_denial: &mut dyn FnMut(&Denial),
) -> io::Result<Stats> {
    let mut stats = Stats::default();
    loop {
        let mut fds = [
            libc::pollfd {
                fd: listener.0.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: stop.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: poll reads and writes the two pollfds it is given.
        if unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) } < 0 {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(error);
        }
        // The stop pipe is readable (end of file) once its writer is gone.
        if fds[1].revents != 0 {
            return Ok(stats);
        }
        let events = fds[0].revents;
        if events & libc::POLLIN != 0 {
            answer_one(listener, rules, syscalls, on_denial, &mut stats)?;
        } else if events & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
            // No process uses the filter any more.
            return Ok(stats);
        }
    }
}

fn answer_one(
    listener: &Listener,
    rules: &Rules,
    syscalls: &Syscalls,
    on_denial: &mut dyn FnMut(&Denial),
    stats: &mut Stats,
) -> io::Result<()> {
    // SAFETY: an all-zero seccomp_notif is valid, and the kernel requires
    // the buffer zeroed.
    let mut notif: libc::seccomp_notif = unsafe { std::mem::zeroed() };
    // SAFETY: the ioctl fills the seccomp_notif it is given, whose size is
    // the one the request number encodes.
    if unsafe {
        libc::ioctl(
            listener.0.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_RECV,
            &mut notif,
        )
    } != 0
    {
        let error = io::Error::last_os_error();
        // ENOENT: the caller was interrupted or died before it was received.
        return match error.raw_os_error() {
            Some(libc::EINTR | libc::ENOENT) => Ok(()),
            _ => Err(error),
        };
    }
    stats.received += 1;
    let decision = Call::of(syscalls, notif.data.arch, notif.data.nr as u32)
        .and_then(|call| judge(notif.pid, call, &notif.data.args, rules));
    // The memory read and /proc lookups above were about the thread with
    // this id only if the call is still pending: a pid can be reused once
    // the thread is gone.
    let valid = id_valid(listener, notif.id);
    let response = match decision {
        Some(Judged::Denied(denial)) if valid => {
            stats.denied += 1;
            on_denial(&denial);
            libc::seccomp_notif_resp {
                id: notif.id,
                val: 0,
                error: -denial.errno,
                flags: 0,
            }
        }
        other => {
            if matches!(other, None | Some(Judged::Unresolved)) {
                stats.unresolved += 1;
            }
            libc::seccomp_notif_resp {
                id: notif.id,
                val: 0,
                error: 0,
                flags: libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32,
            }
        }
    };
    let mut response = response;
    // SAFETY: the ioctl reads the response it is given. ENOENT (the caller
    // went away meanwhile) needs nothing more.
    unsafe {
        libc::ioctl(
            listener.0.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_SEND,
            &mut response,
        )
    };
    Ok(())
}

fn id_valid(listener: &Listener, id: u64) -> bool {
    let mut id = id;
    // SAFETY: the ioctl reads the u64 it is given.
    unsafe {
        libc::ioctl(
            listener.0.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_ID_VALID,
            &mut id,
        ) == 0
    }
}

enum Judged {
    Denied(Denial),
    Allowed,
    Unresolved,
}

/// What the call asks for, from its arguments.
struct Request {
    dirfd: i32,
    path: u64,
    flags: u64,
    resolve: u64,
}

/// The `RESOLVE_*` flags of a process's `openat2` that change which file a
/// path names; `RESOLVE_CACHED` only changes whether the kernel may block.
const RESOLVE_NAMING: u64 = libc::RESOLVE_NO_XDEV
    | libc::RESOLVE_NO_MAGICLINKS
    | libc::RESOLVE_NO_SYMLINKS
    | libc::RESOLVE_BENEATH
    | libc::RESOLVE_IN_ROOT;

fn judge(pid: u32, call: Call, args: &[u64; 6], rules: &Rules) -> Option<Judged> {
    let Ok(mem) = File::open(format!("/proc/{pid}/mem")) else {
        return Some(Judged::Unresolved);
    };
    let request = match call {
        Call::Open => Request {
            dirfd: libc::AT_FDCWD,
            path: args[0],
            flags: args[1],
            resolve: 0,
        },
        Call::Creat => Request {
            dirfd: libc::AT_FDCWD,
            path: args[0],
            flags: (libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC) as u64,
            resolve: 0,
        },
        Call::Truncate => Request {
            dirfd: libc::AT_FDCWD,
            path: args[0],
            flags: libc::O_WRONLY as u64,
            resolve: 0,
        },
        Call::Openat => Request {
            dirfd: args[0] as i32,
            path: args[1],
            flags: args[2],
            resolve: 0,
        },
        Call::Openat2 => {
            // struct open_how: flags, mode, resolve, all u64; a larger
            // struct has more fields after them.
            if args[3] < 24 {
                return Some(Judged::Unresolved);
            }
            let mut how = [0u8; 24];
            if read_exact_at(&mem, args[2], &mut how).is_none() {
                return Some(Judged::Unresolved);
            }
            let word =
                |i: usize| u64::from_ne_bytes(how[i * 8..i * 8 + 8].try_into().unwrap_or_default());
            Request {
                dirfd: args[0] as i32,
                path: args[1],
                flags: word(0),
                resolve: word(2) & RESOLVE_NAMING,
            }
        }
    };
    if request.flags & libc::O_PATH as u64 != 0 {
        return Some(Judged::Allowed);
    }
    let Some(path) = read_path(&mem, request.path) else {
        return Some(Judged::Unresolved);
    };
    let Some((resolved, exists)) = resolve(pid, &request, &path) else {
        return Some(Judged::Unresolved);
    };
    let needed = access_of(request.flags, exists);
    Some(match rules.first_match(&resolved, needed) {
        Some(index) => Judged::Denied(Denial {
            pid,
            path: resolved,
            syscall: call.name(),
            access: needed,
            errno: rules.rules[index].errno,
            rule: index,
        }),
        None => Judged::Allowed,
    })
}

/// The access an open with `flags` asks for, as Landlock counts it:
/// creating a file is writing to its directory, truncating is writing.
fn access_of(flags: u64, exists: bool) -> Access {
    let flags = flags as i32;
    let mut access = match flags & libc::O_ACCMODE {
        libc::O_RDONLY => Access::READ,
        libc::O_WRONLY => Access::WRITE,
        _ => Access::READ | Access::WRITE,
    };
    if flags & libc::O_TRUNC != 0 || (flags & libc::O_CREAT != 0 && !exists) {
        access |= Access::WRITE;
    }
    access
}

/// Reads exactly `buf.len()` bytes at `addr` of the process whose memory
/// `mem` is; `None` on any failure (an unmapped or kernel address, an
/// address range that wraps).
fn read_exact_at(mem: &File, addr: u64, buf: &mut [u8]) -> Option<()> {
    addr.checked_add(buf.len() as u64)?;
    if addr > i64::MAX as u64 {
        return None;
    }
    mem.read_exact_at(buf, addr).ok()
}

/// Reads a NUL-terminated path of at most [`PATH_MAX`] bytes (NUL
/// included) at `addr` of the process whose memory `mem` is, without the
/// NUL. `None` for a null or unreadable pointer, an empty string or one
/// with no NUL within `PATH_MAX` bytes (the kernel refuses those too).
///
/// Reads go page by page, so a path ending just before an unmapped page is
/// still read whole.
pub(crate) fn read_path(mem: &File, addr: u64) -> Option<Vec<u8>> {
    const PAGE: u64 = 4096;
    if addr == 0 || addr > i64::MAX as u64 {
        return None;
    }
    let mut path = Vec::new();
    let mut at = addr;
    while path.len() < PATH_MAX {
        let to_page_end = PAGE - at % PAGE;
        let want = to_page_end.min((PATH_MAX - path.len()) as u64) as usize;
        let mut chunk = [0u8; PAGE as usize];
        let chunk = &mut chunk[..want];
        let read = loop {
            match mem.read_at(chunk, at) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) | Ok(0) => return None,
                Ok(n) => break n,
            }
        };
        let chunk = &chunk[..read];
        if let Some(nul) = chunk.iter().position(|b| *b == 0) {
            path.extend_from_slice(&chunk[..nul]);
            return (!path.is_empty()).then_some(path);
        }
        path.extend_from_slice(chunk);
        at = at.checked_add(read as u64)?;
        if at > i64::MAX as u64 {
            return None;
        }
    }
    None
}

/// `path` as the thread `pid` would resolve it for `request`: the
/// resolved path and whether it exists. For a file that does not exist
/// yet, its directory resolved and the name appended.
fn resolve(pid: u32, request: &Request, path: &[u8]) -> Option<(PathBuf, bool)> {
    let path = own_proc(pid, path);
    let path = path.as_slice();
    let absolute = path.first() == Some(&b'/');
    let in_root = request.resolve & libc::RESOLVE_IN_ROOT != 0;
    let (base, resolve) = if absolute && !in_root {
        if same_root(pid)? {
            // From this process's root, so that magic links (/proc/PID/cwd,
            // /proc/PID/fd/N) resolve, which RESOLVE_IN_ROOT refuses.
            ("/".to_owned(), request.resolve)
        } else {
            (
                format!("/proc/{pid}/root"),
                request.resolve | libc::RESOLVE_IN_ROOT,
            )
        }
    } else if request.dirfd == libc::AT_FDCWD {
        (format!("/proc/{pid}/cwd"), request.resolve)
    } else if request.dirfd >= 0 {
        (format!("/proc/{pid}/fd/{}", request.dirfd), request.resolve)
    } else {
        return None;
    };
    let base = open_path(None, Path::new(&base), 0, 0).ok()?;
    let nofollow = (request.flags as i32) & libc::O_NOFOLLOW != 0;
    match open_path(
        Some(&base),
        Path::new(OsStr::from_bytes(path)),
        if nofollow { libc::O_NOFOLLOW } else { 0 },
        resolve,
    ) {
        Ok(file) => Some((fd_path(&file)?, true)),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
            let (directory, name) = split_last(path)?;
            let directory = open_path(
                Some(&base),
                Path::new(OsStr::from_bytes(directory)),
                libc::O_DIRECTORY,
                resolve,
            )
            .ok()?;
            Some((fd_path(&directory)?.join(OsStr::from_bytes(name)), false))
        }
        Err(_) => None,
    }
}

/// Whether the thread `pid` has this process's root directory.
fn same_root(pid: u32) -> Option<bool> {
    use std::os::unix::fs::MetadataExt;
    let theirs = std::fs::metadata(format!("/proc/{pid}/root")).ok()?;
    let ours = std::fs::metadata("/").ok()?;
    Some(theirs.dev() == ours.dev() && theirs.ino() == ours.ino())
}

/// `/proc/self/...` and `/proc/thread-self/...` rewritten to name the
/// thread `pid` (the supervisor resolving them would find itself). Only a
/// path that starts so, give or take repeated slashes and `.`; a symbolic
/// link elsewhere that leads there (`/dev/fd`, `/dev/stdout`) still
/// resolves as the supervisor's, which the Landlock backstop covers.
fn own_proc(pid: u32, path: &[u8]) -> Vec<u8> {
    let mut parts = path
        .split(|b| *b == b'/')
        .filter(|part| !part.is_empty() && *part != b".");
    if path.first() != Some(&b'/') || parts.next() != Some(&b"proc"[..]) {
        return path.to_vec();
    }
    let own = match parts.next() {
        Some(b"self") => format!("/proc/{pid}"),
        Some(b"thread-self") => format!("/proc/{pid}/task/{pid}"),
        _ => return path.to_vec(),
    };
    let mut rewritten = own.into_bytes();
    for part in parts {
        rewritten.push(b'/');
        rewritten.extend_from_slice(part);
    }
    if path.ends_with(b"/") {
        rewritten.push(b'/');
    }
    rewritten
}

/// `a/b/c` as (`a/b`, `c`); `c` as (`.`, `c`); `/c` as (`/`, `c`). `None`
/// for a last component that is not a plain name (`.`, `..`, or a
/// trailing slash, which names a directory an open cannot create).
fn split_last(path: &[u8]) -> Option<(&[u8], &[u8])> {
    let (directory, name) = match path.iter().rposition(|b| *b == b'/') {
        Some(0) => (&path[..1], &path[1..]),
        Some(slash) => (&path[..slash], &path[slash + 1..]),
        None => (&b"."[..], path),
    };
    if name.is_empty() || name == b"." || name == b".." {
        return None;
    }
    Some((directory, name))
}

/// `openat2(base or AT_FDCWD, path, O_PATH | flags, resolve)`.
fn open_path(base: Option<&OwnedFd>, path: &Path, flags: i32, resolve: u64) -> io::Result<OwnedFd> {
    let path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: open_how is plain data; zero is a valid value for every field.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = (libc::O_PATH | libc::O_CLOEXEC | flags) as u64;
    how.resolve = resolve;
    let dirfd = base.map_or(libc::AT_FDCWD, AsRawFd::as_raw_fd);
    // SAFETY: openat2 reads the NUL-terminated path and the open_how of
    // the size given; both live across the call.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dirfd,
            path.as_ptr(),
            &how as *const libc::open_how,
            std::mem::size_of::<libc::open_how>(),
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: openat2 returned a new descriptor this now owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// The path of an open descriptor, as this process sees it; `None` for
/// anything that is not a path (a pipe, a socket).
fn fd_path(fd: &OwnedFd) -> Option<PathBuf> {
    let path = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())).ok()?;
    path.is_absolute().then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own_memory() -> File {
        File::open("/proc/self/mem").expect("/proc/self/mem")
    }

    #[test]
    fn reads_a_path_and_stops_at_its_nul() {
        let text = b"/x/protected/f\0garbage";
        let path = read_path(&own_memory(), text.as_ptr() as u64);
        assert_eq!(path.as_deref(), Some(&b"/x/protected/f"[..]));
    }

    #[test]
    fn hostile_pointers_give_nothing_and_do_not_panic() {
        let mem = own_memory();
        for addr in [0, 8, 4095, u64::MAX, u64::MAX - 3, i64::MAX as u64, 1 << 63] {
            assert_eq!(read_path(&mem, addr), None, "{addr:#x}");
        }
        let empty = b"\0";
        assert_eq!(read_path(&mem, empty.as_ptr() as u64), None);
        let mut how = [0u8; 24];
        assert!(read_exact_at(&mem, u64::MAX - 8, &mut how).is_none());
    }

    #[test]
    fn a_path_without_nul_within_path_max_is_refused() {
        let long = vec![b'a'; PATH_MAX + 10];
        assert_eq!(read_path(&own_memory(), long.as_ptr() as u64), None);
        let mut fits = vec![b'a'; PATH_MAX - 1];
        fits.push(0);
        assert_eq!(
            read_path(&own_memory(), fits.as_ptr() as u64).map(|p| p.len()),
            Some(PATH_MAX - 1)
        );
    }

    #[test]
    fn a_path_running_into_an_unmapped_page_is_refused_and_one_ending_before_it_is_read() {
        const PAGE: usize = 4096;
        // SAFETY: a fresh anonymous mapping of two pages, the second
        // unmapped again, used only through the pointer below.
        let base = unsafe {
            let base = libc::mmap(
                std::ptr::null_mut(),
                2 * PAGE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            assert_ne!(base, libc::MAP_FAILED);
            libc::munmap(base.cast::<u8>().add(PAGE).cast(), PAGE);
            base.cast::<u8>()
        };
        // SAFETY: the first page is mapped, readable and writable.
        let page = unsafe { std::slice::from_raw_parts_mut(base, PAGE) };
        page.fill(b'a');
        let start = base as u64 + (PAGE as u64 - 8);
        assert_eq!(read_path(&own_memory(), start), None);
        page[PAGE - 1] = 0;
        assert_eq!(read_path(&own_memory(), start).map(|p| p.len()), Some(7));
        // SAFETY: the page mapped above, no longer used.
        unsafe { libc::munmap(base.cast(), PAGE) };
    }

    #[test]
    fn proc_self_names_the_calling_thread() {
        assert_eq!(own_proc(42, b"/proc/self/cwd/f"), b"/proc/42/cwd/f");
        assert_eq!(own_proc(42, b"//proc/./self/fd/3"), b"/proc/42/fd/3");
        assert_eq!(
            own_proc(42, b"/proc/thread-self/cwd"),
            b"/proc/42/task/42/cwd"
        );
        assert_eq!(own_proc(42, b"/proc/self"), b"/proc/42");
        assert_eq!(own_proc(42, b"/proc/selfish/x"), b"/proc/selfish/x");
        assert_eq!(own_proc(42, b"proc/self/x"), b"proc/self/x");
        assert_eq!(own_proc(42, b"/etc/self"), b"/etc/self");
    }

    #[test]
    fn splits_the_last_component() {
        assert_eq!(split_last(b"a/b/c"), Some((&b"a/b"[..], &b"c"[..])));
        assert_eq!(split_last(b"c"), Some((&b"."[..], &b"c"[..])));
        assert_eq!(split_last(b"/c"), Some((&b"/"[..], &b"c"[..])));
        assert_eq!(split_last(b"a/"), None);
        assert_eq!(split_last(b"a/.."), None);
    }

    #[test]
    fn open_flags_ask_for_the_access_landlock_counts() {
        let o = |f: i32| f as u64;
        assert_eq!(access_of(o(libc::O_RDONLY), true), Access::READ);
        assert_eq!(access_of(o(libc::O_WRONLY), true), Access::WRITE);
        assert_eq!(
            access_of(o(libc::O_RDWR), true),
            Access::READ | Access::WRITE
        );
        assert_eq!(
            access_of(o(libc::O_RDONLY | libc::O_CREAT), true),
            Access::READ
        );
        assert_eq!(
            access_of(o(libc::O_RDONLY | libc::O_CREAT), false),
            Access::READ | Access::WRITE
        );
        assert_eq!(
            access_of(o(libc::O_RDONLY | libc::O_TRUNC), true),
            Access::READ | Access::WRITE
        );
    }

    #[test]
    fn rules_cover_a_path_and_what_is_beneath_it_component_wise() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("protected")).expect("mkdir");
        let rules = Rules::new(&[Rule::new(dir.path().join("protected"), Access::WRITE, 1)])
            .expect("rules");
        let base = std::fs::canonicalize(dir.path()).expect("canonical");
        let beneath = base.join("protected/f");
        assert_eq!(rules.first_match(&beneath, Access::WRITE), Some(0));
        assert_eq!(
            rules.first_match(&base.join("protected"), Access::WRITE),
            Some(0)
        );
        assert_eq!(rules.first_match(&beneath, Access::READ), None);
        assert_eq!(
            rules.first_match(&base.join("protected2"), Access::WRITE),
            None
        );
        assert!(matches!(
            Rules::new(&[Rule::new(dir.path(), Access::WRITE, 0)]),
            Err(Error::InvalidErrno(0))
        ));
        assert!(matches!(
            Rules::new(&[Rule::new(dir.path().join("missing"), Access::WRITE, 1)]),
            Err(Error::DenyPath { .. })
        ));
    }

    #[test]
    fn the_filter_is_small_and_every_jump_lands_inside_it() {
        let filter = Filter::new(false).expect("a supported architecture");
        let program = filter.instructions();
        assert!(program.len() < 40, "{}", program.len());
        for (i, insn) in program.iter().enumerate() {
            let class = u32::from(insn.code) & 0x07;
            if class == libc::BPF_JMP {
                let far = if u32::from(insn.code) & 0xf0 == libc::BPF_JA {
                    insn.k as usize
                } else {
                    usize::from(insn.jt.max(insn.jf))
                };
                assert!(i + 1 + far < program.len(), "jump {i} leaves the program");
            }
        }
        let last = program.last().expect("instructions");
        assert_eq!(last.k, libc::SECCOMP_RET_ALLOW);
    }
}
