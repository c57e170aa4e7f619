//! Running a command under a seccomp profile (`kensa seccomp run`).
//!
//! The filter is built and compiled to BPF in the parent. The child, between
//! `fork` and `exec`, sets `no_new_privs` and loads the precompiled program
//! with the `seccomp(2)` syscall: only two syscalls and no allocation, as
//! code that runs after `fork` in a possibly multi-threaded parent must be.
//! If either fails the child reports the errno to the parent and exits
//! before `exec`, so the command never runs unconfined; [`run`] then returns
//! [`Error::Spawn`].
//!
//! Capabilities: a profile resolved for a capability set (`--caps`) only
//! decides which syscalls are allowed. The command keeps whatever
//! capabilities `kensa` itself has; nothing is dropped here.

// Loading a filter in the child between fork and exec needs raw syscalls.
#![allow(unsafe_code)]

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus};

use crate::filter::{BuildOptions, FilterSpec};
use crate::{Error, Result};

/// `SECCOMP_SET_MODE_FILTER`, the `seccomp(2)` operation.
const SECCOMP_SET_MODE_FILTER: libc::c_ulong = 1;

/// How to run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// How the filter is built.
    pub build: BuildOptions,
}

/// Runs `command` (program and arguments) under `spec`, waits for it, and
/// returns its exit status. Profiles with `SCMP_ACT_NOTIFY` are refused:
/// nobody would answer the notifications and the command would hang.
pub fn run(spec: &FilterSpec, command: &[OsString]) -> Result<ExitStatus> {
    run_with(spec, command, &RunOptions::default())
}

/// [`run`] with options.
pub fn run_with(
    spec: &FilterSpec,
    command: &[OsString],
    options: &RunOptions,
) -> Result<ExitStatus> {
    let mut cmd = confined_command(spec, command, options)?;
    let what = command
        .first()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut child = cmd.spawn().map_err(|source| Error::Spawn {
        what: format!("starting {what} under the profile"),
        source,
    })?;
    child.wait().map_err(|source| Error::Spawn {
        what: format!("waiting for {what}"),
        source,
    })
}

/// A [`Command`] for `command` that loads the filter of `spec` before it
/// execs, for callers that want to set up stdio or the environment (tests,
/// the recorder's round trip) and spawn it themselves.
pub fn confined_command(
    spec: &FilterSpec,
    command: &[OsString],
    options: &RunOptions,
) -> Result<Command> {
    let Some((program, args)) = command.split_first() else {
        return Err(Error::Unsupported("no command given".to_owned()));
    };
    if spec.uses_notify() {
        return Err(Error::Unsupported(
            "SCMP_ACT_NOTIFY needs a supervisor listening on the notification fd; `run` has none"
                .to_owned(),
        ));
    }
    let filter = spec.build_with(&options.build)?;
    let flags = libc::c_ulong::from(filter.flags().bits());
    let mut program_bpf = filter.to_sock_filters()?;
    // to_sock_filters bounds the length by u16::MAX.
    let len = u16::try_from(program_bpf.len()).unwrap_or(u16::MAX);

    let mut cmd = Command::new(program);
    cmd.args(args);
    let load = move || -> std::io::Result<()> {
        let prog = libc::sock_fprog {
            len,
            filter: program_bpf.as_mut_ptr(),
        };
        // SAFETY: prctl with PR_SET_NO_NEW_PRIVS takes integer arguments only
        // and touches no memory of ours.
        let rc = unsafe {
            libc::prctl(
                libc::PR_SET_NO_NEW_PRIVS,
                1 as libc::c_ulong,
                0 as libc::c_ulong,
                0 as libc::c_ulong,
                0 as libc::c_ulong,
            )
        };
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `prog` points at `len` initialised sock_filter entries
        // owned by this closure (in the child's copy of the parent's memory),
        // alive for the whole call; the kernel only reads them.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_seccomp,
                SECCOMP_SET_MODE_FILTER,
                flags,
                &prog as *const libc::sock_fprog,
            )
        };
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    };
    // SAFETY: the closure is async-signal-safe: it builds a struct on the
    // stack, makes two raw syscalls and reads errno; it neither allocates nor
    // takes locks (io::Error::last_os_error stores the code inline).
    unsafe {
        cmd.pre_exec(load);
    }
    Ok(cmd)
}
