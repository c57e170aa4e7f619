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

#![allow(unsafe_code)]

use std::ffi::{CString, OsStr, OsString};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;

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

    let child = Child {
        path: &prepared.path,
        argv: &argv,
        envp: &envp,
        error_pipe: writer.as_raw_fd(),
        stdout_to_stderr: options.stdout_to_stderr,
        landlock: options.landlock.map(|fd| fd.as_raw_fd()),
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
            Some(libc::ENOSYS | libc::E2BIG | libc::EINVAL | libc::EPERM) => Ok(Spawned::Fallback),
            _ => Err(spawn_error(error)),
        };
    }
    let pid = pid as libc::pid_t;
    drop(writer);
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
            _ => return Err(spawn_error(source)),
        };
        return Err(Error::Confine {
            program: name(),
            step,
            source,
        });
    }
    Ok(Spawned::Child(pid))
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
            if let Some(ruleset) = self.landlock {
                if crate::landlock::sys_no_new_privs() != 0 {
                    self.report_and_exit(Failed::NoNewPrivs);
                }
                // Without CAP_SYS_ADMIN the kernel restricts only a task
                // that can no longer gain privileges, hence no_new_privs
                // first.
                if crate::landlock::sys_restrict_self(ruleset) != 0 {
                    self.report_and_exit(Failed::RestrictSelf);
                }
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
