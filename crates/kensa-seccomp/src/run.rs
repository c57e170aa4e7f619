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
    /// A private directory (mode 0700, owned by this user) where compiled
    /// filters are kept, so a profile is compiled once rather than on every
    /// run (building containerd's three-architecture RuntimeDefault takes
    /// about 6 ms). `None`: compile every time.
    pub cache_dir: Option<std::path::PathBuf>,
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
    let (flags, mut program_bpf) = compiled(spec, options)?;
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

/// The filter's flags and BPF program, from the cache when a run has
/// compiled the same spec with the same libseccomp before.
///
/// A cache file holds the full key (the spec, the build options and the
/// libseccomp version) and is used only when that key matches exactly, so a
/// hash collision cannot pick another profile's program. Files are trusted
/// only in a directory that only this user can write.
fn compiled(
    spec: &FilterSpec,
    options: &RunOptions,
) -> Result<(libc::c_ulong, Vec<libc::sock_filter>)> {
    let key = format!(
        "{spec:?}|{:?}|{}",
        options.build,
        crate::validate::libseccomp_version()
    );
    let path = options
        .cache_dir
        .as_deref()
        .filter(|dir| private_dir(dir))
        .map(|dir| dir.join(format!("{:016x}.bpf", fnv1a(key.as_bytes()))));
    if let Some(path) = &path
        && let Some(hit) = read_cached(path, &key)
    {
        return Ok(hit);
    }
    let filter = spec.build_with(&options.build)?;
    let flags = libc::c_ulong::from(filter.flags().bits());
    let program = filter.to_sock_filters()?;
    if let Some(path) = &path {
        // A cache that cannot be written only costs the next run time.
        let _ = write_cached(path, &key, flags, &program);
    }
    Ok((flags, program))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Whether `dir` exists (creating it 0700 if needed), belongs to this user
/// and is writable by nobody else.
fn private_dir(dir: &std::path::Path) -> bool {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let _ = std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir);
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    std::fs::symlink_metadata(dir)
        .is_ok_and(|meta| meta.is_dir() && meta.uid() == uid && meta.mode() & 0o022 == 0)
}

fn read_cached(
    path: &std::path::Path,
    key: &str,
) -> Option<(libc::c_ulong, Vec<libc::sock_filter>)> {
    let bytes = std::fs::read(path).ok()?;
    let key_len = usize::try_from(u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?)).ok()?;
    let stored_key = bytes.get(8..8 + key_len)?;
    if stored_key != key.as_bytes() {
        return None;
    }
    let rest = bytes.get(8 + key_len..)?;
    let flags =
        libc::c_ulong::try_from(u64::from_le_bytes(rest.get(..8)?.try_into().ok()?)).ok()?;
    let program = rest.get(8..)?;
    if program.is_empty() || program.len() % 8 != 0 || program.len() / 8 > usize::from(u16::MAX) {
        return None;
    }
    Some((
        flags,
        program
            .chunks_exact(8)
            .map(|c| libc::sock_filter {
                code: u16::from_le_bytes([c[0], c[1]]),
                jt: c[2],
                jf: c[3],
                k: u32::from_le_bytes([c[4], c[5], c[6], c[7]]),
            })
            .collect(),
    ))
}

fn write_cached(
    path: &std::path::Path,
    key: &str,
    flags: libc::c_ulong,
    program: &[libc::sock_filter],
) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    let mut bytes = Vec::with_capacity(16 + key.len() + program.len() * 8);
    bytes.extend_from_slice(&(key.len() as u64).to_le_bytes());
    bytes.extend_from_slice(key.as_bytes());
    // c_ulong is u32 on 32-bit targets, where the conversion is real.
    #[allow(clippy::useless_conversion)]
    let flags = u64::from(flags);
    bytes.extend_from_slice(&flags.to_le_bytes());
    for instruction in program {
        bytes.extend_from_slice(&instruction.code.to_le_bytes());
        bytes.push(instruction.jt);
        bytes.push(instruction.jf);
        bytes.extend_from_slice(&instruction.k.to_le_bytes());
    }
    temp.write_all(&bytes)?;
    temp.persist(path).map_err(|err| err.error)?;
    Ok(())
}

#[cfg(test)]
mod cache_tests {
    use super::*;

    const PROFILE: &str = r#"{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}"#;

    #[test]
    fn a_cached_program_equals_a_fresh_one_and_other_keys_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let spec = FilterSpec::from_json(PROFILE).unwrap();
        let fresh = compiled(&spec, &RunOptions::default()).unwrap();
        let cached_options = RunOptions {
            cache_dir: Some(cache.clone()),
            ..RunOptions::default()
        };
        let first = compiled(&spec, &cached_options).unwrap();
        let files: Vec<_> = std::fs::read_dir(&cache).unwrap().collect();
        assert_eq!(files.len(), 1, "one cache file written");
        let second = compiled(&spec, &cached_options).unwrap();
        let words = |p: &[libc::sock_filter]| -> Vec<(u16, u8, u8, u32)> {
            p.iter().map(|i| (i.code, i.jt, i.jf, i.k)).collect()
        };
        assert_eq!(words(&fresh.1), words(&first.1));
        assert_eq!(words(&fresh.1), words(&second.1));
        assert_eq!(fresh.0, second.0);
        // A cache file whose stored key differs is not used.
        let path = std::fs::read_dir(&cache)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        assert!(read_cached(&path, "another key").is_none());
        // A garbled file is ignored, never trusted.
        std::fs::write(&path, b"garbage").unwrap();
        let third = compiled(&spec, &cached_options).unwrap();
        assert_eq!(words(&fresh.1), words(&third.1));
    }

    #[test]
    fn a_shared_directory_is_not_trusted() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(!private_dir(dir.path()));
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(private_dir(dir.path()));
    }
}
