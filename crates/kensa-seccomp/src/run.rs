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
//! decides which syscalls are allowed. By default the command keeps whatever
//! capabilities `kensa` itself has. With [`RunOptions::caps`] the child also
//! narrows its capabilities to that set before loading the filter, as a
//! container runtime would: the bounding set (when the process may change
//! it, i.e. has `CAP_SETPCAP`), then the effective, permitted and inheritable
//! sets (which also clears ambient capabilities outside the set). It never
//! adds a capability the process does not already have.

// Loading a filter in the child between fork and exec needs raw syscalls.
#![allow(unsafe_code)]

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus};

use crate::filter::{BuildOptions, FilterSpec};
use crate::{Error, Result};

/// `SECCOMP_SET_MODE_FILTER`, the `seccomp(2)` operation.
const SECCOMP_SET_MODE_FILTER: libc::c_ulong = 1;

/// `_LINUX_CAPABILITY_VERSION_3`: 64-bit capability sets in two words.
const CAPABILITY_VERSION_3: u32 = 0x2008_0522;
/// `CAP_SETPCAP`, needed to shrink the bounding set.
const CAP_SETPCAP: u32 = 8;

/// Capability names in kernel numbering (`linux/capability.h`).
const CAPABILITIES: [&str; 41] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
];

/// The kernel number of a capability name (`CAP_NET_RAW` or `net_raw`).
pub fn capability_number(name: &str) -> Option<u32> {
    let upper = name.to_ascii_uppercase();
    let bare = upper.strip_prefix("CAP_").unwrap_or(&upper);
    CAPABILITIES
        .iter()
        .position(|c| *c == bare)
        .and_then(|i| u32::try_from(i).ok())
}

/// `struct __user_cap_header_struct`.
#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

/// `struct __user_cap_data_struct`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// The calling thread's capability sets, as (effective, permitted,
/// inheritable) 64-bit masks.
fn current_caps() -> std::io::Result<(u64, u64, u64)> {
    let mut header = CapHeader {
        version: CAPABILITY_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: capget writes two CapData structs (version 3) into `data` and
    // reads the header; both live on this stack frame for the call.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_capget,
            &mut header as *mut CapHeader,
            data.as_mut_ptr(),
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let join = |lo: u32, hi: u32| u64::from(lo) | (u64::from(hi) << 32);
    Ok((
        join(data[0].effective, data[1].effective),
        join(data[0].permitted, data[1].permitted),
        join(data[0].inheritable, data[1].inheritable),
    ))
}

/// How to run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// How the filter is built.
    pub build: BuildOptions,
    /// Narrow the command's capabilities to these (names as in `--caps`,
    /// with or without `CAP_`); `None` leaves them as they are.
    pub caps: Option<Vec<String>>,
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

    // Capability narrowing, computed here so the child only makes syscalls.
    let caps = match &options.caps {
        None => None,
        Some(names) => {
            let mut keep = 0u64;
            for name in names {
                let n = capability_number(name)
                    .ok_or_else(|| Error::UnknownCapability(name.clone()))?;
                keep |= 1 << n;
            }
            let (eff, perm, inh) = current_caps().map_err(|source| Error::Spawn {
                what: "reading capabilities".to_owned(),
                source,
            })?;
            let split = |m: u64| [(m & 0xffff_ffff) as u32, (m >> 32) as u32];
            let (e, p, i) = (split(eff & keep), split(perm & keep), split(inh & keep));
            let data = [
                CapData {
                    effective: e[0],
                    permitted: p[0],
                    inheritable: i[0],
                },
                CapData {
                    effective: e[1],
                    permitted: p[1],
                    inheritable: i[1],
                },
            ];
            let drop_bounding = eff & (1 << CAP_SETPCAP) != 0;
            Some((keep, data, drop_bounding))
        }
    };

    let mut cmd = Command::new(program);
    cmd.args(args);
    let load = move || -> std::io::Result<()> {
        if let Some((keep, data, drop_bounding)) = caps {
            if drop_bounding {
                for cap in 0..CAPABILITIES.len() as libc::c_ulong {
                    if keep & (1 << cap) != 0 {
                        continue;
                    }
                    // SAFETY: integer arguments only. EINVAL means the
                    // running kernel does not know this capability: nothing
                    // to drop.
                    let rc = unsafe {
                        libc::prctl(
                            libc::PR_CAPBSET_DROP,
                            cap,
                            0 as libc::c_ulong,
                            0 as libc::c_ulong,
                            0 as libc::c_ulong,
                        )
                    };
                    if rc != 0
                        && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINVAL)
                    {
                        return Err(std::io::Error::last_os_error());
                    }
                }
            }
            let mut header = CapHeader {
                version: CAPABILITY_VERSION_3,
                pid: 0,
            };
            // SAFETY: capset reads the header and two CapData structs, all on
            // this stack frame or owned by the closure, for the whole call.
            let rc = unsafe {
                libc::syscall(
                    libc::SYS_capset,
                    &mut header as *mut CapHeader,
                    data.as_ptr(),
                )
            };
            if rc != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
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
    // SAFETY: the closure is async-signal-safe: it builds structs on the
    // stack, makes raw syscalls and reads errno; it neither allocates nor
    // takes locks (io::Error::last_os_error stores the code inline).
    unsafe {
        cmd.pre_exec(load);
    }
    Ok(cmd)
}
