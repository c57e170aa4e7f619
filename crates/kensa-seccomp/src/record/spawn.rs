//! Starting the recorded command directly inside its cgroup.
//!
//! The obvious way, a child that writes `0` to `cgroup.procs` before `exec`,
//! migrates a running task, and the first migration in a while waits for an
//! RCU grace period (the kernel's cgroup threadgroup lock is a per-CPU
//! rwsem): 15–18 ms on this project's machine, most of the recorder's
//! start-up. `clone3(CLONE_INTO_CGROUP)` (Linux 5.7) creates the child in the
//! cgroup instead, with no migration: about 0.2 ms. Kernels without it get
//! the migration ([`Spawned::Fallback`] tells the caller to do that).

#![allow(unsafe_code)]

use std::ffi::{CString, OsStr, OsString};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;

use crate::{Error, Result};

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

/// The outcome of [`spawn_into_cgroup`].
pub(crate) enum Spawned {
    /// The command runs, in the cgroup, as this process id.
    Child(libc::pid_t),
    /// This kernel has no `clone3(CLONE_INTO_CGROUP)`; nothing was started.
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
        let what = || program.to_string_lossy().into_owned();
        let path = resolve_program(program).ok_or_else(|| Error::Spawn {
            what: what(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        })?;
        let nul = |_| Error::Spawn {
            what: what(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "a NUL byte in the command, an argument or the environment",
            ),
        };
        let c = |bytes: &[u8]| CString::new(bytes).map_err(nul);
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

/// Starts `program args` as a child created inside the cgroup open as
/// `cgroup` (a directory descriptor). The child inherits stdin and stderr;
/// its stdout is this process's stderr when `stdout_to_stderr`. It gets
/// the default signal mask and a default SIGPIPE, as `std::process` gives.
/// An `exec` failure (no such program, no permission) is returned here, with
/// the child already reaped.
pub(crate) fn spawn_into_cgroup(
    program: &OsStr,
    args: &[OsString],
    cgroup: &OwnedFd,
    stdout_to_stderr: bool,
) -> Result<Spawned> {
    let what = || program.to_string_lossy().into_owned();
    let spawn_error = |source| Error::Spawn {
        what: what(),
        source,
    };
    let prepared = Prepared::new(program, args)?;
    let argv = pointers(&prepared.argv);
    let envp = pointers(&prepared.envp);

    // The child reports a failed exec through this pipe; a successful exec
    // closes it (O_CLOEXEC), so the parent reads end-of-file.
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array it is given.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(spawn_error(std::io::Error::last_os_error()));
    }
    // SAFETY: pipe2 succeeded, so both are open descriptors this owns.
    let (reader, writer) = unsafe {
        use std::os::fd::FromRawFd;
        (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1]))
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
        // SAFETY: the child, see above.
        unsafe {
            exec_child(
                &prepared.path,
                &argv,
                &envp,
                writer.as_raw_fd(),
                stdout_to_stderr,
            )
        }
    }
    if pid < 0 {
        let error = std::io::Error::last_os_error();
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
    let mut errno = [0u8; 4];
    let mut reader = std::fs::File::from(reader);
    let read = read_full(&mut reader, &mut errno).map_err(spawn_error)?;
    if read == errno.len() {
        wait(pid).map_err(spawn_error)?;
        return Err(spawn_error(std::io::Error::from_raw_os_error(
            i32::from_ne_bytes(errno),
        )));
    }
    Ok(Spawned::Child(pid))
}

fn read_full(reader: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    use std::io::Read;
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The child's side: only async-signal-safe calls, then exec or `_exit`.
///
/// # Safety
/// Must be called only in the child of a fork, with NUL-terminated pointer
/// arrays into live strings.
unsafe fn exec_child(
    path: &CString,
    argv: &[*const libc::c_char],
    envp: &[*const libc::c_char],
    error_pipe: libc::c_int,
    stdout_to_stderr: bool,
) -> ! {
    // SAFETY: plain system calls on this process's own state and on memory
    // that outlives the call; the caller guarantees we are the child.
    unsafe {
        if stdout_to_stderr && libc::dup2(2, 1) < 0 {
            report_and_exit(error_pipe);
        }
        let mut all: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut all);
        libc::sigprocmask(libc::SIG_SETMASK, &all, std::ptr::null_mut());
        // Rust ignores SIGPIPE; an ignored signal stays ignored across exec.
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::execve(path.as_ptr(), argv.as_ptr(), envp.as_ptr());
        report_and_exit(error_pipe)
    }
}

/// Sends errno to the parent and exits with 127, as a shell does for a
/// command it cannot run.
///
/// # Safety
/// Child of a fork only.
unsafe fn report_and_exit(error_pipe: libc::c_int) -> ! {
    // SAFETY: errno location and write/_exit are async-signal-safe.
    unsafe {
        let errno = (*libc::__errno_location()).to_ne_bytes();
        libc::write(error_pipe, errno.as_ptr().cast(), errno.len());
        libc::_exit(127)
    }
}

/// Waits for child `pid` to end.
pub(crate) fn wait(pid: libc::pid_t) -> std::io::Result<ExitStatus> {
    let mut status = 0;
    loop {
        // SAFETY: waitpid writes the status into the integer it is given.
        let rc = unsafe { libc::waitpid(pid, &mut status, 0) };
        if rc == pid {
            return Ok(ExitStatus::from_raw(status));
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
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
