//! The BPF recorder against real commands this test starts. Needs root, BPF
//! and cgroup2 (a developer machine or CI runner like this one): skipped with
//! a printed line when the recorder cannot load, and failing under `CI=true`.

use std::ffi::OsString;
use std::process::Command;

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use kensa_seccomp::record::{
    RecordOptions, RecordReport, cgroup_of_pid, record_cgroup, record_command,
};
use kensa_seccomp::recording::ObservedArgument;

/// Records `sh -c script`, or `None` when this machine cannot record.
fn record_sh(script: &str) -> Option<RecordReport> {
    record(&["sh", "-c", script])
}

fn record(argv: &[&str]) -> Option<RecordReport> {
    let command: Vec<OsString> = argv.iter().map(OsString::from).collect();
    match record_command(&command, &RecordOptions::default()) {
        Ok((status, report)) => {
            assert!(status.success(), "{argv:?} failed: {status}");
            Some(report)
        }
        Err(error) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("recording {argv:?}: {error}");
            }
            println!("skipped: cannot record on this machine: {error}");
            None
        }
    }
}

fn native(report: &RecordReport) -> &std::collections::BTreeSet<String> {
    let arch = if cfg!(target_arch = "x86_64") {
        "x86_64"
    } else {
        "aarch64"
    };
    report
        .recording
        .syscalls
        .get(arch)
        .unwrap_or_else(|| panic!("no {arch} syscalls in {:?}", report.recording))
}

fn has_python() -> bool {
    Command::new("python3")
        .arg("-c")
        .arg("1")
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_pipeline_is_recorded_and_nothing_else() {
    let Some(report) = record_sh("ls / | wc -l > /dev/null") else {
        return;
    };
    let seen = native(&report);
    for syscall in ["execve", "read", "write", "wait4", "exit_group"] {
        assert!(seen.contains(syscall), "{syscall} missing from {seen:?}");
    }
    assert!(seen.contains("openat") || seen.contains("open"), "{seen:?}");
    assert!(seen.contains("pipe") || seen.contains("pipe2"), "{seen:?}");
    for syscall in ["unshare", "ptrace", "mount", "bpf"] {
        assert!(!seen.contains(syscall), "{syscall} recorded: {seen:?}");
    }
    assert_eq!(report.stats.lost_syscalls, 0);
    assert!(
        report.stats.unnamed.is_empty(),
        "{:?}",
        report.stats.unnamed
    );
}

/// The recorder's own set-up of the child between fork and exec (signal
/// mask, SIGPIPE, stdout) is not the workload's and is not recorded.
#[test]
fn the_recording_starts_at_the_commands_exec() {
    let command = vec![OsString::from("true")];
    let mut options = RecordOptions::default();
    options.command_stdout_to_stderr = true;
    let report = match record_command(&command, &options) {
        Ok((status, report)) => {
            assert!(status.success());
            report
        }
        Err(error) if std::env::var("CI").as_deref() != Ok("true") => {
            println!("skipped: cannot record on this machine: {error}");
            return;
        }
        Err(error) => panic!("{error}"),
    };
    let seen = native(&report);
    assert!(seen.contains("execve"), "{seen:?}");
    for syscall in ["dup2", "dup3", "rt_sigprocmask", "rt_sigaction"] {
        assert!(!seen.contains(syscall), "{syscall} recorded: {seen:?}");
    }
}

#[test]
fn a_grandchild_is_recorded() {
    let dir = tempfile_dir();
    let target = dir.join("made-by-grandchild");
    let script = format!("sh -c 'mkdir {}'", target.display());
    let Some(report) = record_sh(&script) else {
        return;
    };
    assert!(target.is_dir());
    let seen = native(&report);
    assert!(
        seen.contains("mkdir") || seen.contains("mkdirat"),
        "{seen:?}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn threads_and_socket_families_are_recorded() {
    if !has_python() {
        println!("skipped: no python3");
        return;
    }
    let script = r#"
import os, socket, threading
def work():
    os.getppid()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.close()
t = threading.Thread(target=work); t.start(); t.join()
u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); u.close()
"#;
    let Some(report) = record(&["python3", "-c", script]) else {
        return;
    };
    let seen = native(&report);
    // getppid only runs in the thread.
    assert!(seen.contains("getppid"), "{seen:?}");
    assert!(seen.contains("socket"), "{seen:?}");
    let args = &report.recording.arguments;
    for family in [1, 2] {
        let observed = ObservedArgument {
            syscall: "socket".into(),
            index: 0,
            value: family,
        };
        assert!(
            args.contains(&observed),
            "family {family} missing: {args:?}"
        );
    }
    // Starting a thread is clone (or clone3) with CLONE_THREAD.
    let clone_thread = args
        .iter()
        .any(|a| a.syscall == "clone" && a.value & 0x0001_0000 != 0);
    assert!(clone_thread || seen.contains("clone3"), "{args:?} {seen:?}");
}

#[test]
fn fork_clone_flags_are_recorded() {
    // A subshell is a fork: clone (glibc's fork) with SIGCHLD and no
    // CLONE_THREAD. (dash starts plain commands with vfork.)
    let Some(report) = record_sh("(echo forked > /dev/null); /bin/true") else {
        return;
    };
    let seen = native(&report);
    let clones: Vec<_> = report
        .recording
        .arguments
        .iter()
        .filter(|a| a.syscall == "clone")
        .collect();
    assert!(!clones.is_empty(), "{seen:?}");
    for clone in clones {
        assert_eq!(clone.index, 0);
        assert_eq!(clone.value & 0x0001_0000, 0, "a fork is not a thread");
        assert_eq!(clone.value & 0xff, 17, "a fork signals SIGCHLD");
    }
}

#[test]
fn the_exit_status_is_the_commands() {
    let command: Vec<OsString> = ["sh", "-c", "exit 3"].iter().map(OsString::from).collect();
    match record_command(&command, &RecordOptions::default()) {
        Ok((status, _)) => assert_eq!(status.code(), Some(3)),
        Err(error) => println!("skipped: {error}"),
    }
}

#[test]
fn a_missing_program_is_an_error() {
    let command = vec![OsString::from("/nonexistent/kensa-no-such-program")];
    let Err(error) = record_command(&command, &RecordOptions::default()) else {
        panic!("a missing program must not record");
    };
    assert!(
        error.to_string().contains("kensa-no-such-program"),
        "{error}"
    );
    assert!(record_command(&[], &RecordOptions::default()).is_err());
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kensa-record-test-{}-{}",
        std::process::id(),
        std::thread::current()
            .name()
            .unwrap_or("main")
            .replace("::", "-")
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A 64-bit program making an i386 syscall (`int 0x80`: getpid is 20) and an
/// x32 one (getpid is 39 with bit 30), compiled with gcc when there is one.
/// x32 needs CONFIG_X86_X32_ABI to succeed, but the recorder sees the attempt
/// either way (the tracepoint fires before dispatch).
#[cfg(target_arch = "x86_64")]
#[test]
fn compat_and_x32_syscalls_land_under_their_arch() {
    let dir = tempfile_dir();
    let source = dir.join("compat.c");
    let program = dir.join("compat");
    std::fs::write(
        &source,
        r#"#include <unistd.h>
int main(void) {
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
    if (r != getpid()) return 2;
    __asm__ volatile("syscall" : "=a"(r) : "a"(39L | 0x40000000L) : "rcx", "r11", "memory");
    return 0;
}
"#,
    )
    .expect("write source");
    let built = Command::new("gcc")
        .arg("-O2")
        .arg("-o")
        .arg(&program)
        .arg(&source)
        .status();
    if !built.is_ok_and(|s| s.success()) {
        println!("skipped: no gcc to build the compat test program");
        return;
    }
    if !Command::new(&program).status().is_ok_and(|s| s.success()) {
        println!("skipped: this kernel has no i386 emulation (int 0x80)");
        return;
    }
    let Some(report) = record(&[program.to_str().expect("utf-8 temp path")]) else {
        return;
    };
    let syscalls = &report.recording.syscalls;
    assert!(
        syscalls.get("x86").is_some_and(|s| s.contains("getpid")),
        "{syscalls:?}"
    );
    assert!(
        syscalls.get("x32").is_some_and(|s| s.contains("getpid")),
        "{syscalls:?}"
    );
    // The native getpid() call of the check above.
    assert!(syscalls["x86_64"].contains("getpid"), "{syscalls:?}");
    let _ = std::fs::remove_dir_all(dir);
}

/// `--pid` and `--cgroup`: a process this test starts moves itself into a
/// cgroup this test makes, and the recorder watches that cgroup for a while.
#[test]
fn a_running_cgroup_is_recorded_by_pid() {
    let Some(mount) = std::fs::read_to_string("/proc/self/mountinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|line| {
                let (mount, fs) = line.split_once(" - ")?;
                let mut fields = mount.split(' ');
                (fs.starts_with("cgroup2 ") && fields.nth(3)? == "/")
                    .then(|| std::path::PathBuf::from(fields.next().unwrap_or("/")))
            })
        })
    else {
        println!("skipped: no cgroup2 mount");
        return;
    };
    let cgroup = mount.join(format!("kensa-record-test-pid-{}", std::process::id()));
    if let Err(error) = std::fs::create_dir(&cgroup) {
        assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "{error}");
        println!("skipped: cannot make a cgroup: {error}");
        return;
    }
    // The shell enters the cgroup, then loops: reading a file and sleeping.
    let script = format!(
        "echo $$ > {}/cgroup.procs && exec sh -c 'while :; do cat /proc/version > /dev/null; sleep 0.02; done'",
        cgroup.display()
    );
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .spawn()
        .expect("start sh");
    // Wait until it is inside.
    let mut found = None;
    for _ in 0..200 {
        if let Ok(path) = cgroup_of_pid(child.id())
            && path == cgroup
        {
            found = Some(path);
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let stop = AtomicBool::new(false);
    let outcome = found.map(|path| {
        record_cgroup(
            &path,
            &stop,
            &RecordOptions::with_duration(Duration::from_millis(300)),
        )
    });
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::write(cgroup.join("cgroup.kill"), "1");
    for _ in 0..200 {
        if std::fs::remove_dir(&cgroup).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let Some(outcome) = outcome else {
        panic!("the child never showed up in {}", cgroup.display());
    };
    let report = match outcome {
        Ok(report) => report,
        Err(error) => {
            assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "{error}");
            println!("skipped: cannot record on this machine: {error}");
            return;
        }
    };
    let seen = native(&report);
    for syscall in ["execve", "read", "wait4"] {
        assert!(seen.contains(syscall), "{syscall} missing from {seen:?}");
    }
    assert!(
        seen.contains("clock_nanosleep") || seen.contains("nanosleep"),
        "{seen:?}"
    );
    // Nothing of this test process itself.
    assert!(!seen.contains("bpf"), "{seen:?}");
}
