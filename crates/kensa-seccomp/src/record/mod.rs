//! Recording the syscalls of a workload with BPF (`kensa seccomp advise`).
//!
//! The mechanism, chosen for the lowest overhead: one BPF program on the raw
//! tracepoint `sys_enter` (the hook behind `raw_syscalls:sys_enter`, attached
//! without the perf-event layer, so no tracefs is needed; see
//! `bpf/record.bpf.c`), filtered by cgroup. The workload runs in a cgroup2
//! cgroup of its own (a command this module starts is created inside it,
//! see [`kensa_sandbox::spawn`], so its first syscall, every thread and
//! every descendant is inside); the program returns at once for any task
//! not in that cgroup or below it, and otherwise marks the syscall number in
//! a per-architecture bitmap. ptrace (strace) stops the tracee twice per
//! syscall and seccomp user notification once; this costs a helper call and
//! a compare, so the workload runs at close to full speed.
//!
//! While attached, the program runs for every syscall on the machine (a few
//! hundred nanoseconds each), so it is attached only for the recording.
//!
//! The recording holds:
//! - syscall names per architecture (libseccomp's tables): compat syscalls of
//!   32-bit processes and x32 syscalls on x86_64 under `x86` and `x32`;
//!   numbers libseccomp cannot name are reported in
//!   [`RecordStats::unnamed`], never made up;
//! - the distinct values of clone's flags, personality's persona and
//!   socket's family ([`crate::recording::ObservedArgument`]).
//!
//! Needs root (or CAP_BPF, CAP_PERFMON and write access to the cgroup2
//! hierarchy), a kernel with BTF, and cgroup2 mounted.

mod arch;
mod bpf;

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::fd::AsFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use kensa_sandbox::{cgroup, spawn};

use crate::recording::{ObservedArgument, Recording};
use crate::{Error, Result};

/// How to record.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RecordOptions {
    /// For [`record_cgroup`]: stop after this long even if the stop flag is
    /// never set. `None`: only the stop flag ends the recording.
    pub duration: Option<Duration>,
    /// For [`record_command`]: send the command's standard output to this
    /// process's standard error, so the advised profile can own stdout.
    pub command_stdout_to_stderr: bool,
}

impl RecordOptions {
    /// Options that stop a cgroup recording after `duration`.
    pub fn with_duration(duration: Duration) -> Self {
        Self {
            duration: Some(duration),
            ..Self::default()
        }
    }
}

/// A recording, and how complete it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordReport {
    /// What the workload did.
    pub recording: Recording,
    /// What the recorder could not record or name.
    pub stats: RecordStats,
}

/// What the recorder could not record or name. All empty or zero in a
/// complete recording; the CLI should warn otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordStats {
    /// Syscalls seen whose number libseccomp has no name for, as
    /// (architecture, number): a kernel newer than libseccomp.
    pub unnamed: Vec<(String, u32)>,
    /// Syscalls lost because the map for numbers ≥ 1024 was full.
    pub lost_syscalls: u64,
    /// Argument values lost because their map was full.
    pub lost_arguments: u64,
}

/// Runs `command` (program and arguments) in a fresh cgroup, records the
/// syscalls of it, its threads and all its descendants, and returns its exit
/// status with the recording. The command inherits stdin, stdout and stderr.
///
/// Processes the command leaves behind in its cgroup when it exits are
/// killed (the cgroup is removed).
pub fn record_command(
    command: &[OsString],
    options: &RecordOptions,
) -> Result<(ExitStatus, RecordReport)> {
    record_command_via(command, options, Entry::CreatedInside)
}

/// How the recorded command gets into its cgroup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    /// `clone3(CLONE_INTO_CGROUP)`, migrating when the kernel lacks it.
    CreatedInside,
    /// Always the migration (to test that path on any kernel).
    #[cfg_attr(not(test), allow(dead_code))]
    Migrated,
}

fn record_command_via(
    command: &[OsString],
    options: &RecordOptions,
    entry: Entry,
) -> Result<(ExitStatus, RecordReport)> {
    let (program, args) = command.split_first().ok_or(Error::NoCommand)?;
    let mount = cgroup::cgroup2_mount()?;
    let run = cgroup::RunCgroup::create(&mount, "kensa-record")?;
    let target = cgroup::target(&mount, run.path())?;
    let directory = run.directory()?;
    let spawn_options = spawn::SpawnOptions {
        stdout_to_stderr: options.command_stdout_to_stderr,
        landlock: None,
    };

    // Both ways of starting the child exec with the native execve.
    let execve = libc::SYS_execve as u32;
    let (status, raw) = bpf::with_recorder(
        target.id,
        target.level,
        &arch::watches(),
        Some(execve),
        || {
            let spawned = match entry {
                Entry::CreatedInside => {
                    spawn::spawn_into_cgroup(program, args, directory.as_fd(), &spawn_options)?
                }
                Entry::Migrated => spawn::Spawned::Fallback,
            };
            match spawned {
                spawn::Spawned::Child(pid) => spawn::wait(pid).map_err(|source| Error::Spawn {
                    what: program.to_string_lossy().into_owned(),
                    source,
                }),
                spawn::Spawned::Fallback => run_migrating(program, args, &run, options),
            }
        },
    )?;
    run.remove()?;
    Ok((status, report(raw)))
}

/// Runs the command with a child that moves itself into `run` before exec:
/// for kernels without `clone3(CLONE_INTO_CGROUP)`.
fn run_migrating(
    program: &OsStr,
    args: &[OsString],
    run: &cgroup::RunCgroup,
    options: &RecordOptions,
) -> Result<ExitStatus> {
    let what = || program.to_string_lossy().into_owned();
    let procs = run.procs()?;
    let mut child = Command::new(program);
    child.args(args);
    if options.command_stdout_to_stderr {
        let stderr = std::io::stderr()
            .as_fd()
            .try_clone_to_owned()
            .map_err(|source| Error::Spawn {
                what: "duplicating stderr for the command's output".into(),
                source,
            })?;
        child.stdout(std::process::Stdio::from(stderr));
    }
    #[allow(unsafe_code)]
    // SAFETY: the hook runs in the forked child before exec, where only
    // async-signal-safe work is sound: it does one write(2) on a file opened
    // (with O_CLOEXEC) before the fork, with a static buffer, and builds its
    // error from errno without allocating.
    unsafe {
        child.pre_exec(move || (&procs).write(b"0").map(drop));
    }
    let mut process = child.spawn().map_err(|source| Error::Spawn {
        what: what(),
        source,
    })?;
    process.wait().map_err(|source| Error::Spawn {
        what: what(),
        source,
    })
}

/// Records the syscalls of the processes in the cgroup `path` and its
/// descendants until `stop` is set (checked every 50 ms; a Ctrl-C handler
/// sets it) or `options.duration` has passed. `path` is a directory of the
/// mounted cgroup2 hierarchy or a path relative to its root, as
/// `/proc/PID/cgroup` and [`cgroup_of_pid`] give it. The hierarchy's root
/// records the whole machine.
pub fn record_cgroup(
    path: &Path,
    stop: &AtomicBool,
    options: &RecordOptions,
) -> Result<RecordReport> {
    let mount = cgroup::cgroup2_mount()?;
    let dir = cgroup::resolve(&mount, path);
    let target = cgroup::target(&mount, &dir)?;
    let started = Instant::now();
    let ((), raw) = bpf::with_recorder(target.id, target.level, &arch::watches(), None, || {
        while !stop.load(Ordering::Relaxed)
            && options
                .duration
                .is_none_or(|limit| started.elapsed() < limit)
        {
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    })?;
    Ok(report(raw))
}

/// The cgroup2 directory process `pid` is in (for `--pid`): the `0::` line
/// of `/proc/PID/cgroup` under the hierarchy's mount point.
pub fn cgroup_of_pid(pid: u32) -> Result<PathBuf> {
    let mount = cgroup::cgroup2_mount()?;
    let relative = cgroup::relative_cgroup_of(&pid.to_string())?;
    Ok(cgroup::resolve(&mount, &relative))
}

/// Names the numbers the program recorded.
fn report(raw: bpf::Raw) -> RecordReport {
    let slots = arch::slots();
    let mut report = RecordReport::default();
    let mut unnamed = BTreeSet::new();
    for (slot, nr) in raw.syscalls {
        let Some(Some(arch)) = slots.get(slot as usize) else {
            continue;
        };
        match arch::syscall_name(*arch, nr) {
            Some(name) => {
                report
                    .recording
                    .syscalls
                    .entry(arch::name(*arch))
                    .or_default()
                    .insert(name);
            }
            None => {
                unnamed.insert((arch::name(*arch), nr));
            }
        }
    }
    for (slot, nr, value) in raw.arguments {
        let Some(Some(arch)) = slots.get(slot as usize) else {
            continue;
        };
        let Some(syscall) = arch::syscall_name(*arch, nr) else {
            continue;
        };
        let Some(&(_, index)) = arch::WATCHED.iter().find(|(name, _)| *name == syscall) else {
            continue;
        };
        let index = if syscall == "clone"
            && matches!(
                arch,
                libseccomp::ScmpArch::S390 | libseccomp::ScmpArch::S390X
            ) {
            1
        } else {
            index as u8
        };
        // Compat processes pass 32-bit values; the kernel zero-extends them.
        report.recording.arguments.insert(ObservedArgument {
            syscall,
            index,
            value,
        });
    }
    report.stats.unnamed = unnamed.into_iter().collect();
    report.stats.lost_syscalls = raw.lost_syscalls;
    report.stats.lost_arguments = raw.lost_arguments;
    report
}

/// A flag that Ctrl-C (SIGINT) sets instead of killing the process, so a
/// recording can end cleanly: [`record_cgroup`] stops and returns what it
/// saw, and while [`record_command`] waits, the command (which gets the
/// signal too) ends and the recorder still removes its cgroup.
pub fn stop_on_interrupt() -> &'static AtomicBool {
    static STOP: AtomicBool = AtomicBool::new(false);
    extern "C" fn on_interrupt(_: libc::c_int) {
        STOP.store(true, Ordering::Relaxed);
    }
    #[allow(unsafe_code)]
    // SAFETY: the handler only stores to a static atomic, which is
    // async-signal-safe; replacing SIGINT's disposition affects only this
    // process.
    unsafe {
        libc::signal(
            libc::SIGINT,
            on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
    }
    &STOP
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both ways into the cgroup record the same command the same way.
    #[test]
    fn created_inside_and_migrated_record_alike() {
        let command: Vec<OsString> = ["sh", "-c", "cat /dev/null; exit 3"]
            .iter()
            .map(OsString::from)
            .collect();
        let mut seen = Vec::new();
        for entry in [Entry::CreatedInside, Entry::Migrated] {
            match record_command_via(&command, &RecordOptions::default(), entry) {
                Ok((status, report)) => {
                    assert_eq!(status.code(), Some(3), "{entry:?}");
                    let native = report.recording.syscalls.values().next().cloned();
                    let native = native.unwrap_or_default();
                    for name in ["execve", "wait4", "exit_group"] {
                        assert!(native.contains(name), "{entry:?}: no {name} in {native:?}");
                    }
                    seen.push(native);
                }
                Err(error) if std::env::var("CI").as_deref() != Ok("true") => {
                    println!("skipped: cannot record on this machine: {error}");
                    return;
                }
                Err(error) => panic!("{entry:?}: {error}"),
            }
        }
        // The recording starts at the command's execve, so the two ways of
        // setting up the child before it leave no trace.
        assert_eq!(seen[0], seen[1]);
    }
}
