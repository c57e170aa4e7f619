//! Starting a command directly inside its cgroup, optionally confined by
//! Landlock.
//!
//! The obvious way, a child that writes `0` to `cgroup.procs` before `exec`,
//! migrates a running task, and the first migration in a while waits for an
//! RCU grace period (the kernel's cgroup threadgroup lock is a per-CPU
//! rwsem): 15–18 ms on this project's machine. `clone3(CLONE_INTO_CGROUP)`
//! (Linux 5.7) creates the child in the cgroup instead, with no migration:
//! about 0.2 ms. Kernels without it get the migration ([`Spawned::Fallback`]
//! tells the caller to do that).
//!
//! A Landlock ruleset ([`SpawnOptions::landlock`]) is applied by the child
//! to itself after `clone3` and before `execve`, so the command's first
//! instruction already runs confined, and nothing but the command is.
//!
//! [`spawn_into_cgroup_notified`] also installs a seccomp user-notification
//! filter ([`crate::notify::Filter`]) in the child, after Landlock and
//! before `execve`, and hands the parent the listener. The child passes it
//! over a socket pair with `SCM_RIGHTS` rather than letting the parent take
//! it with `pidfd_getfd`: that needs ptrace access to the child, which
//! Yama (`ptrace_scope` 2 or 3) or another LSM may refuse, and a round
//! trip in which the child waits for the parent. A descriptor in flight
//! keeps the listener alive, so the child closes its own copy and execs at
//! once; calls it stops before the parent has received the listener wait
//! for it.

#![allow(unsafe_code)]

use std::ffi::{CString, OsStr, OsString};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;

use crate::notify::{Filter, Listener};
use crate::{ChildStep, Error, Result};

/// `CLONE_INTO_CGROUP` from `<linux/sched.h>` (a 64-bit flag: clone3 only).
const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

/// `struct clone_args` of `<linux/sched.h>` up to `cgroup` (version 2, 88
/// bytes): every field is a `__u64` on every architecture.
#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

/// How to start the command.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpawnOptions<'fd> {
    /// Send the command's standard output to this process's standard error
    /// (so that this process can own stdout).
    pub stdout_to_stderr: bool,
    /// A Landlock ruleset (from [`crate::landlock::ruleset`], or any
    /// ruleset descriptor) the child restricts itself with before `execve`,
    /// after setting `no_new_privs`, which `landlock_restrict_self` needs
    /// without CAP_SYS_ADMIN and which also keeps set-user-ID programs from
    /// gaining privileges.
    pub landlock: Option<BorrowedFd<'fd>>,
}

/// The outcome of [`spawn_into_cgroup`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a started child must be waited for"]
pub enum Spawned {
    /// The command runs, in the cgroup, as this process id; [`wait`] for it.
    Child(libc::pid_t),
    /// This kernel has no `clone3(CLONE_INTO_CGROUP)`; nothing was started.
    /// The caller starts the command another way (a child that writes `0`
    /// to [`crate::cgroup::RunCgroup::procs`] before `exec`) and must then
    /// apply the options itself, the Landlock ruleset with
    /// [`crate::landlock::restrict_self`] in that child.
    Fallback,
}

/// The outcome of [`spawn_into_cgroup_notified`].
#[derive(Debug)]
#[must_use = "a started child must be waited for, and its calls answered"]
pub enum Notified {
    /// The command runs, in the cgroup, as this process id, its stopped
    /// calls arriving on `listener` (give it to a
    /// [`crate::notify::Supervisor`]); [`wait`] for it.
    Child {
        /// The process id.
        pid: libc::pid_t,
        /// The seccomp listener of its filter.
        listener: Listener,
    },
    /// This kernel has no `clone3(CLONE_INTO_CGROUP)`; nothing was started
    /// (see [`Spawned::Fallback`]).
    Fallback,
}

/// Everything the child needs, built before the fork: after it, the child of
/// a multi-threaded process may only make async-signal-safe calls, so it
/// must not allocate.
struct Prepared {
    path: CString,
    argv: Vec<CString>,
    envp: Vec<CString>,
}

impl Prepared {
    fn new(program: &OsStr, args: &[OsString]) -> Result<Self> {
        let spawn_error = |source| Error::Spawn {
            program: program.to_string_lossy().into_owned(),
            source,
        };
        let path = resolve_program(program)
            .ok_or_else(|| spawn_error(io::Error::from(io::ErrorKind::NotFound)))?;
        let c = |bytes: &[u8]| {
            CString::new(bytes).map_err(|_| {
                spawn_error(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "a NUL byte in the command, an argument or the environment",
                ))
            })
        };
        let argv = std::iter::once(program)
            .chain(args.iter().map(OsString::as_os_str))
            .map(|arg| c(arg.as_bytes()))
            .collect::<Result<Vec<_>>>()?;
        let envp = std::env::vars_os()
            .map(|(key, value)| {
                let mut pair = key.into_vec();
                pair.push(b'=');
                pair.extend_from_slice(value.as_bytes());
                c(&pair)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            path: c(path.as_os_str().as_bytes())?,
            argv,
            envp,
        })
    }
}

/// `program` as `execvp` would find it: itself when it has a slash, else
/// the first executable file of that name in `$PATH`.
fn resolve_program(program: &OsStr) -> Option<PathBuf> {
    if program.as_bytes().contains(&b'/') {
        return Some(PathBuf::from(program));
    }
    let search = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&search)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

fn pointers(strings: &[CString]) -> Vec<*const libc::c_char> {
    strings
        .iter()
        .map(|s| s.as_ptr())
        .chain([std::ptr::null()])
        .collect()
}

/// What the child failed at, as it reports it through the pipe.
#[derive(Clone, Copy)]
#[repr(u32)]
enum Failed {
    /// Redirecting stdout or `execve`: the command could not be run.
    Exec = 0,
    NoNewPrivs = 1,
    RestrictSelf = 2,
    SeccompListener = 3,
    SendListener = 4,
}

/// The child's report: a [`Failed`] and an errno, native-endian. Eight
/// bytes, below `PIPE_BUF`, so one write delivers all or nothing.
const REPORT_LEN: usize = 8;

/// Starts `program args` as a child created inside the cgroup open as
/// `cgroup` (a directory descriptor, [`crate::cgroup::RunCgroup::directory`]).
/// The child inherits stdin, stdout and stderr (see
/// [`SpawnOptions::stdout_to_stderr`]) and this process's environment. It
/// gets the default signal mask and a default SIGPIPE, as `std::process`
/// gives.
///
/// An `exec` failure (no such program, no permission) is returned here as
/// [`Error::Spawn`], and a failure to apply the Landlock ruleset as
/// [`Error::Confine`], with the child already reaped: in both cases the
/// command did not run.
pub fn spawn_into_cgroup(
    program: &OsStr,
    args: &[OsString],
    cgroup: BorrowedFd<'_>,
    options: &SpawnOptions<'_>,
) -> Result<Spawned> {
    Ok(spawn(program, args, cgroup, options, None)?.0)
}

/// [`spawn_into_cgroup`], with `filter` installed in the child after the
/// Landlock ruleset and before `execve` (setting `no_new_privs` first), and
/// its listener returned. A failure to install or pass it is
/// [`Error::Confine`], with the command not run.
pub fn spawn_into_cgroup_notified(
    program: &OsStr,
    args: &[OsString],
    cgroup: BorrowedFd<'_>,
    options: &SpawnOptions<'_>,
    filter: &Filter,
) -> Result<Notified> {
    Ok(match spawn(program, args, cgroup, options, Some(filter))? {
        (Spawned::Child(pid), Some(listener)) => Notified::Child {
            pid,
            listener: Listener::from_fd(listener),
        },
        (Spawned::Child(_), None) => unreachable!("spawn returns the listener it was asked for"),
        (Spawned::Fallback, _) => Notified::Fallback,
    })
}

fn spawn(
    program: &OsStr,
    args: &[OsString],
    cgroup: BorrowedFd<'_>,
    options: &SpawnOptions<'_>,
    filter: Option<&Filter>,
) -> Result<(Spawned, Option<OwnedFd>)> {
    let name = || program.to_string_lossy().into_owned();
    let spawn_error = |source| Error::Spawn {
        program: name(),
        source,
    };
    let prepared = Prepared::new(program, args)?;
    let argv = pointers(&prepared.argv);
    let envp = pointers(&prepared.envp);

    // The child reports a failure through this pipe; a successful exec
    // closes it (O_CLOEXEC), so the parent reads end-of-file.
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array it is given.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(spawn_error(io::Error::last_os_error()));
    }
    // SAFETY: pipe2 succeeded, so both are open descriptors this owns.
    let (reader, writer) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // The child sends the seccomp listener through this pair.
    let listener_channel = match filter {
        Some(_) => Some(socket_pair().map_err(spawn_error)?),
        None => None,
    };

    let child = Child {
        path: &prepared.path,
        argv: &argv,
        envp: &envp,
        error_pipe: writer.as_raw_fd(),
        stdout_to_stderr: options.stdout_to_stderr,
        landlock: options.landlock.map(|fd| fd.as_raw_fd()),
        notify: filter.zip(
            listener_channel
                .as_ref()
                .map(|(_, child)| child.as_raw_fd()),
        ),
    };
    let mut clone_args = CloneArgs {
        flags: CLONE_INTO_CGROUP,
        exit_signal: libc::SIGCHLD as u64,
        cgroup: cgroup.as_raw_fd() as u64,
        ..CloneArgs::default()
    };
    // SAFETY: clone3 without CLONE_VM forks: the child gets a copy of this
    // address space with only the calling thread. Until exec it only makes
    // async-signal-safe system calls on memory prepared above (no
    // allocation, no locks), then execs or exits with _exit.
    let pid = unsafe {
        libc::syscall(
            libc::SYS_clone3,
            &mut clone_args as *mut CloneArgs,
            std::mem::size_of::<CloneArgs>(),
        )
    };
    if pid == 0 {
        // SAFETY: the child, see above; every pointer in `child` points into
        // `prepared`, `argv` and `envp`, which the copied address space
        // keeps alive until exec.
        unsafe { child.exec() }
    }
    if pid < 0 {
        let error = io::Error::last_os_error();
        // ENOSYS: no clone3 (before 5.3). E2BIG/EINVAL: a clone3 without
        // the cgroup field or flag (5.3–5.6), or a seccomp filter of a
        // container runtime that rejects clone3 so that callers fall back.
        return match error.raw_os_error() {
            Some(libc::ENOSYS | libc::E2BIG | libc::EINVAL | libc::EPERM) => {
                Ok((Spawned::Fallback, None))
            }
            _ => Err(spawn_error(error)),
        };
    }
    let pid = pid as libc::pid_t;
    drop(writer);
    let listener_receiver = listener_channel.map(|(parent, _child)| parent);
    let mut report = [0u8; REPORT_LEN];
    let mut reader = std::fs::File::from(reader);
    let read = read_full(&mut reader, &mut report).map_err(spawn_error)?;
    if read == REPORT_LEN {
        wait(pid).map_err(spawn_error)?;
        let (step, errno) = report.split_at(4);
        let step = u32::from_ne_bytes(step.try_into().expect("4 bytes"));
        let source =
            io::Error::from_raw_os_error(i32::from_ne_bytes(errno.try_into().expect("4 bytes")));
        let step = match step {
            s if s == Failed::NoNewPrivs as u32 => ChildStep::NoNewPrivs,
            s if s == Failed::RestrictSelf as u32 => ChildStep::LandlockRestrictSelf,
            s if s == Failed::SeccompListener as u32 => ChildStep::SeccompListener,
            s if s == Failed::SendListener as u32 => ChildStep::SendListener,
            _ => return Err(spawn_error(source)),
        };
        return Err(Error::Confine {
            program: name(),
            step,
            source,
        });
    }
    let listener = match listener_receiver {
        None => None,
        Some(socket) => match receive_fd(&socket) {
            Ok(listener) => Some(listener),
            Err(error) => {
                // The command runs with calls nobody will answer: stop it.
                // SAFETY: kill on our own unreaped child.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                let _ = wait(pid);
                return Err(spawn_error(error));
            }
        },
    };
    Ok((Spawned::Child(pid), listener))
}

/// A connected `AF_UNIX` stream pair, both ends close-on-exec: (the
/// parent's, the child's).
fn socket_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: socketpair writes two descriptors into the array it is given.
    if unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    } != 0
    {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: socketpair succeeded, so both are open descriptors this owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Room for one `SCM_RIGHTS` message carrying one descriptor, aligned as a
/// `cmsghdr` must be.
#[repr(C, align(8))]
struct OneFdControl([u8; 32]);

/// Receives the descriptor the child sent (close-on-exec here).
fn receive_fd(socket: &OwnedFd) -> io::Result<OwnedFd> {
    let mut byte = [0u8; 1];
    let mut control = OneFdControl([0; 32]);
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: byte.len(),
    };
    // SAFETY: msghdr is plain data; zero is valid for every field.
    let mut message: libc::msghdr = unsafe { std::mem::zeroed() };
    message.msg_iov = &mut iov;
    message.msg_iovlen = 1;
    message.msg_control = control.0.as_mut_ptr().cast();
    message.msg_controllen = control.0.len() as _;
    loop {
        // SAFETY: recvmsg writes into the buffers the msghdr points to,
        // which live across the call.
        let received =
            unsafe { libc::recvmsg(socket.as_raw_fd(), &mut message, libc::MSG_CMSG_CLOEXEC) };
        if received >= 0 {
            break;
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
    // SAFETY: the control buffer was filled by recvmsg and msg_controllen
    // says how much; the CMSG_* helpers stay within it.
    unsafe {
        let header = libc::CMSG_FIRSTHDR(&message);
        if header.is_null()
            || (*header).cmsg_level != libc::SOL_SOCKET
            || (*header).cmsg_type != libc::SCM_RIGHTS
            || ((*header).cmsg_len as usize)
                < libc::CMSG_LEN(std::mem::size_of::<RawFd>() as u32) as usize
        {
            return Err(io::Error::other("the child sent no seccomp listener"));
        }
        let fd = std::ptr::read_unaligned(libc::CMSG_DATA(header).cast::<RawFd>());
        Ok(OwnedFd::from_raw_fd(fd))
    }
}

fn read_full(reader: &mut std::fs::File, buf: &mut [u8]) -> io::Result<usize> {
    use std::io::Read;
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// What the child works with: raw pointers and descriptors only, all set up
/// before the fork.
struct Child<'a> {
    path: &'a CString,
    argv: &'a [*const libc::c_char],
    envp: &'a [*const libc::c_char],
    error_pipe: RawFd,
    stdout_to_stderr: bool,
    landlock: Option<RawFd>,
    /// The filter to install and the socket to send its listener on.
    notify: Option<(&'a Filter, RawFd)>,
}

impl Child<'_> {
    /// The child's side: only async-signal-safe calls, then exec or `_exit`.
    ///
    /// # Safety
    /// Must be called only in the child of a fork, with NUL-terminated
    /// pointer arrays into live strings.
    unsafe fn exec(&self) -> ! {
        // SAFETY: plain system calls on this process's own state and on
        // memory that outlives the call; the caller guarantees we are the
        // child.
        unsafe {
            if self.stdout_to_stderr && libc::dup2(2, 1) < 0 {
                self.report_and_exit(Failed::Exec);
            }
            let mut all: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut all);
            libc::sigprocmask(libc::SIG_SETMASK, &all, std::ptr::null_mut());
            // Rust ignores SIGPIPE; an ignored signal stays ignored across exec.
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            // Without CAP_SYS_ADMIN the kernel restricts only a task that
            // can no longer gain privileges (for Landlock and for seccomp
            // filters alike), hence no_new_privs first.
            if (self.landlock.is_some() || self.notify.is_some())
                && crate::landlock::sys_no_new_privs() != 0
            {
                self.report_and_exit(Failed::NoNewPrivs);
            }
            if let Some(ruleset) = self.landlock
                && crate::landlock::sys_restrict_self(ruleset) != 0
            {
                self.report_and_exit(Failed::RestrictSelf);
            }
            if let Some((filter, socket)) = self.notify {
                let listener = crate::notify::sys_install_with_listener(filter);
                if listener < 0 {
                    self.report_and_exit(Failed::SeccompListener);
                }
                if send_fd(socket, listener) < 0 {
                    self.report_and_exit(Failed::SendListener);
                }
                // The descriptor in flight keeps the listener open.
                libc::close(listener);
            }
            libc::execve(self.path.as_ptr(), self.argv.as_ptr(), self.envp.as_ptr());
            self.report_and_exit(Failed::Exec)
        }
    }

    /// Sends what failed and errno to the parent and exits with 127, as a
    /// shell does for a command it cannot run.
    ///
    /// # Safety
    /// Child of a fork only.
    unsafe fn report_and_exit(&self, failed: Failed) -> ! {
        // SAFETY: the errno location, write and _exit are async-signal-safe;
        // the report is on the stack.
        unsafe {
            let errno = *libc::__errno_location();
            let mut report = [0u8; REPORT_LEN];
            report[..4].copy_from_slice(&(failed as u32).to_ne_bytes());
            report[4..].copy_from_slice(&errno.to_ne_bytes());
            libc::write(self.error_pipe, report.as_ptr().cast(), report.len());
            libc::_exit(127)
        }
    }
}

/// Sends `fd` over the connected socket `socket` with one byte of data.
///
/// # Safety
/// Async-signal-safe: everything is on the stack, and the CMSG_* helpers
/// are pointer arithmetic.
unsafe fn send_fd(socket: RawFd, fd: RawFd) -> isize {
    let mut byte = [0u8; 1];
    let mut control = OneFdControl([0; 32]);
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: byte.len(),
    };
    // SAFETY: msghdr is plain data; the pointers set below outlive the
    // sendmsg call, and the control buffer has room for CMSG_SPACE(one fd).
    unsafe {
        let mut message: libc::msghdr = std::mem::zeroed();
        message.msg_iov = &mut iov;
        message.msg_iovlen = 1;
        message.msg_control = control.0.as_mut_ptr().cast();
        message.msg_controllen = libc::CMSG_SPACE(std::mem::size_of::<RawFd>() as u32) as _;
        let header = libc::CMSG_FIRSTHDR(&message);
        (*header).cmsg_level = libc::SOL_SOCKET;
        (*header).cmsg_type = libc::SCM_RIGHTS;
        (*header).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<RawFd>() as u32) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(header).cast::<RawFd>(), fd);
        libc::sendmsg(socket, &message, libc::MSG_NOSIGNAL)
    }
}

/// Kills child `pid` (SIGKILL), for a caller that cannot let it run on;
/// [`wait`] for it afterwards.
pub fn kill(pid: libc::pid_t) -> io::Result<()> {
    // SAFETY: kill takes plain integers; the caller names its own child.
    if unsafe { libc::kill(pid, libc::SIGKILL) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Waits for child `pid` to end.
pub fn wait(pid: libc::pid_t) -> io::Result<ExitStatus> {
    let mut status = 0;
    loop {
        // SAFETY: waitpid writes the status into the integer it is given.
        let rc = unsafe { libc::waitpid(pid, &mut status, 0) };
        if rc == pid {
            return Ok(ExitStatus::from_raw(status));
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_programs_as_execvp_does() {
        assert_eq!(
            resolve_program(OsStr::new("./x")),
            Some(PathBuf::from("./x"))
        );
        let sh = resolve_program(OsStr::new("sh")).expect("sh on PATH");
        assert!(sh.is_absolute() && sh.ends_with("sh"));
        assert_eq!(resolve_program(OsStr::new("no-such-program-kensa")), None);
    }
}
