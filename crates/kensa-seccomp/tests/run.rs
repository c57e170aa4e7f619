//! Running commands under profiles. Every filter here is loaded only into
//! children these tests start.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Output;

use kensa_seccomp::filter::{BuildOptions, FilterSpec};
use kensa_seccomp::install::install;
use kensa_seccomp::run::{RunOptions, confined_command, run};

/// The reference folder, or `None` (with a printed line) when absent; absent
/// data fails the test on CI.
fn reference() -> Option<PathBuf> {
    kensa_reference::dir("", "seccomp")
}

/// containerd's RuntimeDefault for amd64 and its 14 default capabilities.
fn runtime_default() -> Option<FilterSpec> {
    let path = reference()?.join("seccomp/resolved/containerd-default.amd64.default-caps.json");
    let json = std::fs::read_to_string(&path).expect("read resolved profile");
    Some(FilterSpec::from_json(&json).expect("parse resolved profile"))
}

fn args(a: &[&str]) -> Vec<OsString> {
    a.iter().map(OsString::from).collect()
}

/// Runs under `spec`, capturing output.
fn output(spec: &FilterSpec, a: &[&str]) -> Output {
    confined_command(spec, &args(a), &RunOptions::default())
        .expect("build command")
        .output()
        .expect("spawn")
}

fn have(program: &str) -> bool {
    std::process::Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null")])
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn unshare_is_denied_under_runtime_default() {
    let Some(spec) = runtime_default() else {
        return;
    };
    let out = output(&spec, &["unshare", "-rmC", "true"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("unshare failed: Operation not permitted"),
        "stderr: {stderr}"
    );
    // Sanity check: without the filter the same command works here, so the
    // failure above is the filter's doing. (Skipped where user namespaces
    // are off.)
    let free = std::process::Command::new("unshare")
        .args(["-rmC", "true"])
        .output()
        .expect("unshare");
    if !free.status.success() {
        println!("note: unshare -rmC fails without a filter too on this machine");
    }
}

#[test]
fn ordinary_programs_run_under_runtime_default() {
    let Some(spec) = runtime_default() else {
        return;
    };
    let out = output(&spec, &["ls", "/"]);
    assert!(out.status.success(), "ls: {out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("usr"));

    let out = output(&spec, &["sh", "-c", "echo hi | tr a-z A-Z"]);
    assert!(out.status.success(), "sh: {out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "HI\n");

    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a.txt"), "alpha").expect("write");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    std::fs::write(dir.path().join("sub/b.txt"), "beta").expect("write");
    let script = format!("tar -C '{}' -cf - . | tar -tf -", dir.path().display());
    let out = output(&spec, &["sh", "-c", &script]);
    assert!(out.status.success(), "tar: {out:?}");
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.contains("./sub/b.txt"), "{listing}");
}

#[test]
fn python_files_and_loopback_sockets_under_runtime_default() {
    let Some(spec) = runtime_default() else {
        return;
    };
    if !have("python3") {
        println!("skipping: no python3");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let script = format!(
        r#"
import os, socket, threading
p = os.path.join({dir:?}, "f")
with open(p, "w") as f: f.write("data")
assert open(p).read() == "data"
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0)); srv.listen(1)
def serve():
    c, _ = srv.accept(); c.sendall(c.recv(10).upper()); c.close()
t = threading.Thread(target=serve); t.start()
cl = socket.create_connection(srv.getsockname())
cl.sendall(b"ping"); assert cl.recv(10) == b"PING"
t.join(); print("ok")
"#,
        dir = dir.path().display().to_string()
    );
    let out = output(&spec, &["python3", "-c", &script]);
    assert!(out.status.success(), "python: {out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ok\n");
}

#[test]
fn argument_conditions_are_enforced() {
    let Some(spec) = runtime_default() else {
        return;
    };
    if !have("python3") {
        println!("skipping: no python3");
        return;
    }
    // socket(AF_VSOCK) has no allowing rule (only < AF_ALG, == 39, > 40): the
    // default action, ERRNO with EPERM. AF_UNIX and AF_INET6 are allowed.
    // personality: querying (0xffffffff) and the four listed personas are
    // allowed, ADDR_NO_RANDOMIZE is not. clone with CLONE_NEWUSER fails the
    // masked-equal rule; clone3 gets ENOSYS so libc falls back to clone.
    let script = r#"
import ctypes, errno, os, socket
libc = ctypes.CDLL(None, use_errno=True)
def err(rc):
    return 0 if rc >= 0 else ctypes.get_errno()
try:
    socket.socket(40, socket.SOCK_STREAM); print("vsock allowed")
except OSError as e:
    print("vsock", errno.errorcode[e.errno])
socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()
socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close()
print("query", err(libc.personality(ctypes.c_ulong(0xffffffff))))
print("linux32", err(libc.personality(ctypes.c_ulong(0x0008))))
print("linux", err(libc.personality(ctypes.c_ulong(0))))
print("norandom", errno.errorcode.get(err(libc.personality(ctypes.c_ulong(0x0040000))), 0))
CLONE_NEWUSER = 0x10000000
rc = libc.syscall(56, ctypes.c_ulong(CLONE_NEWUSER | 17), 0, 0, 0, 0)
if rc == 0:
    os._exit(0)
print("clone_newuser", errno.errorcode.get(err(rc), 0))
pid = os.fork()
if pid == 0:
    os._exit(3)
print("fork", os.WEXITSTATUS(os.waitpid(pid, 0)[1]))
print("clone3", errno.errorcode.get(err(libc.syscall(435, 0, 0)), 0))
"#;
    let out = output(&spec, &["python3", "-c", script]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "python: {out:?}");
    let expected = "vsock EPERM\nquery 0\nlinux32 0\nlinux 0\nnorandom EPERM\nclone_newuser EPERM\nfork 3\nclone3 ENOSYS\n";
    assert_eq!(stdout, expected);

    let out = output(&spec, &["unshare", "-U", "true"]);
    assert!(!out.status.success(), "unshare -U: {out:?}");
}

#[test]
fn binary_tree_filter_behaves_the_same() {
    let Some(spec) = runtime_default() else {
        return;
    };
    let options = RunOptions {
        build: BuildOptions { binary_tree: true },
        ..RunOptions::default()
    };
    let out = confined_command(&spec, &args(&["unshare", "-rmC", "true"]), &options)
        .expect("command")
        .output()
        .expect("spawn");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unshare failed: Operation not permitted")
    );
    let out = confined_command(
        &spec,
        &args(&["sh", "-c", "echo hi | tr a-z A-Z"]),
        &options,
    )
    .expect("command")
    .output()
    .expect("spawn");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "HI\n");
}

#[test]
fn exit_status_is_propagated() {
    let spec = FilterSpec::from_json(r#"{"defaultAction":"SCMP_ACT_ALLOW"}"#).expect("spec");
    let status = run(&spec, &args(&["sh", "-c", "exit 7"])).expect("run");
    assert_eq!(status.code(), Some(7));
    if let Some(spec) = runtime_default() {
        let status = run(&spec, &args(&["sh", "-c", "exit 7"])).expect("run");
        assert_eq!(status.code(), Some(7));
    }
}

#[test]
fn a_profile_that_does_not_build_never_runs_the_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("ran");
    let cmd = args(&["touch", &marker.display().to_string()]);
    // An argument index past 5.
    let bad = r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mount"],"action":"SCMP_ACT_ERRNO","args":[{"index":6,"value":0,"op":"SCMP_CMP_EQ"}]}]}"#;
    let err = FilterSpec::from_json(bad).expect_err("index 6");
    assert!(
        err.to_string().contains("syscalls[0].args[0].index"),
        "{err}"
    );
    // Notify is refused by run: nobody would answer.
    let notify = FilterSpec::from_json(r#"{"defaultAction":"SCMP_ACT_NOTIFY"}"#).expect("spec");
    assert!(run(&notify, &cmd).is_err());
    assert!(!marker.exists());
}

#[test]
fn a_failure_after_fork_never_runs_the_command() {
    // The child loads the filter, then its execve is refused: spawn reports
    // the error and the command's first instruction never runs.
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("ran");
    let spec = FilterSpec::from_json(
        r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["execve","execveat"],"action":"SCMP_ACT_ERRNO"}]}"#,
    )
    .expect("spec");
    let result = run(&spec, &args(&["touch", &marker.display().to_string()]));
    assert!(result.is_err(), "{result:?}");
    assert!(!marker.exists());
}

#[test]
fn bad_input_names_the_field() {
    let cases = [
        ("not json", "profile"),
        (r#"{"defaultAction":"SCMP_ACT_NOPE"}"#, "defaultAction"),
        (
            r#"{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_VAX"]}"#,
            "architectures[0]",
        ),
        (
            r#"{"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_NOPE"]}"#,
            "flags[0]",
        ),
        (
            r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},{"names":["x"],"action":"SCMP_ACT_MAYBE"}]}"#,
            "syscalls[1].action",
        ),
        (
            r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_SIMILAR"}]}]}"#,
            "syscalls[0].args[0].op",
        ),
        (
            r#"{"defaultAction":"SCMP_ACT_ALLOW","defaultErrnoRet":1}"#,
            "defaultErrnoRet",
        ),
    ];
    for (json, field) in cases {
        let err = FilterSpec::from_json(json).expect_err(json);
        assert!(err.to_string().contains(field), "{json}: {err}");
    }
}

#[test]
fn unknown_syscalls_are_skipped_and_listed() {
    let spec = FilterSpec::from_json(
        r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","no_such_syscall","write"],"action":"SCMP_ACT_ALLOW"}]}"#,
    )
    .expect("spec");
    let filter = spec.build().expect("build");
    assert_eq!(filter.skipped(), ["no_such_syscall".to_owned()]);
}

#[test]
fn several_conditions_on_one_index_are_alternatives() {
    // runc's rule: two conditions on arg 0 become two rules (either
    // suffices); conditions on different indexes must all hold.
    if !have("python3") {
        println!("skipping: no python3");
        return;
    }
    let spec = FilterSpec::from_json(
        r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
            {"names":["personality"],"action":"SCMP_ACT_ERRNO","errnoRet":1,
             "args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"},{"index":0,"value":131072,"op":"SCMP_CMP_EQ"}]},
            {"names":["socket"],"action":"SCMP_ACT_ERRNO","errnoRet":13,
             "args":[{"index":0,"value":2,"op":"SCMP_CMP_EQ"},{"index":1,"value":2,"op":"SCMP_CMP_EQ"}]}]}"#,
    )
    .expect("spec");
    let script = r#"
import ctypes, errno, socket
libc = ctypes.CDLL(None, use_errno=True)
def p(v):
    rc = libc.personality(ctypes.c_ulong(v)); return 0 if rc >= 0 else errno.errorcode[ctypes.get_errno()]
print(p(8), p(131072), p(0xffffffff))
# libc directly: Python adds SOCK_CLOEXEC to the type argument.
def s(f, t):
    fd = libc.socket(f, t, 0)
    if fd < 0:
        return errno.errorcode[ctypes.get_errno()]
    libc.close(fd); return 0
print(s(2, 2), s(2, 1), s(10, 2))
"#;
    let out = output(&spec, &["python3", "-c", script]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "EPERM EPERM 0\nEACCES 0 0\n"
    );
}

#[test]
fn install_writes_atomically_and_prints_the_snippet() {
    let root = tempfile::tempdir().expect("tempdir");
    let json = r#"{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}"#;
    let installed = install(json, root.path(), "my-app").expect("install");
    assert_eq!(installed.path, root.path().join("profiles/my-app.json"));
    assert_eq!(installed.localhost_profile, "profiles/my-app.json");
    assert!(installed.snippet.contains("type: Localhost"));
    assert!(
        installed
            .snippet
            .contains("localhostProfile: profiles/my-app.json")
    );
    let written = std::fs::read_to_string(&installed.path).expect("read");
    assert_eq!(written.trim_end(), json);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&installed.path)
        .expect("stat")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644);
    // Replacing keeps one file, no temporaries left behind.
    install(json, root.path(), "my-app.json").expect("reinstall");
    let entries: Vec<_> = std::fs::read_dir(root.path().join("profiles"))
        .expect("ls")
        .collect();
    assert_eq!(entries.len(), 1);

    for bad in ["", "..", ".", "a/b", "../x", ".hidden"] {
        assert!(install(json, root.path(), bad).is_err(), "{bad:?}");
    }
    assert!(install("{", root.path(), "broken").is_err());
    assert!(!root.path().join("profiles/broken.json").exists());
}

#[test]
fn caps_narrow_the_child_to_the_default_set() {
    let Some(spec) = runtime_default() else {
        return;
    };
    let default_caps = kensa_seccomp::resolve::DEFAULT_CAPS;
    let options = RunOptions {
        caps: Some(default_caps.iter().map(|c| (*c).to_owned()).collect()),
        ..RunOptions::default()
    };
    let out = confined_command(
        &spec,
        &args(&["grep", "^Cap", "/proc/self/status"]),
        &options,
    )
    .expect("command")
    .output()
    .expect("spawn");
    assert!(out.status.success(), "{out:?}");
    let status = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| u64::from_str_radix(v.trim(), 16).expect("hex"))
            .expect("field")
    };
    // The 14 default capabilities are bits 0,1,3-8,10,13,18,27,29,31.
    const DEFAULT: u64 = 0xa804_25fb;
    assert_eq!(field("CapEff:") & !DEFAULT, 0, "{status}");
    assert_eq!(field("CapPrm:") & !DEFAULT, 0, "{status}");
    // As root (which has CAP_SETPCAP) the bounding set shrinks too, and exec
    // grants root exactly the kept set.
    let own = std::fs::read_to_string("/proc/self/status").expect("status");
    if own.lines().any(|l| l.starts_with("Uid:\t0\t")) {
        assert_eq!(field("CapBnd:"), DEFAULT, "{status}");
        assert_eq!(field("CapEff:"), DEFAULT, "{status}");
    }
    let bad = RunOptions {
        caps: Some(vec!["CAP_NOPE".to_owned()]),
        ..RunOptions::default()
    };
    assert!(confined_command(&spec, &args(&["true"]), &bad).is_err());
}
