//! `kensa runtime run` on this kernel with real processes: each rule of
//! the issue proven by a workload kensa starts, and processes outside the
//! workload untouched. Needs root (BPF, cgroups, Landlock); without it the
//! tests say so and skip, except under CI=true.
//!
//! The tests run one at a time: the detach checks count kensa's programs
//! in the kernel, which another test's run would add to.

mod support;

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// Whether the kernel tests can run; skips (or fails under CI) when not.
fn can_enforce() -> bool {
    if is_root() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("kensa runtime needs root; CI runs as root");
    }
    eprintln!("SKIP: kensa runtime needs root (BPF, cgroups)");
    false
}

/// A scratch directory under the target dir (not /tmp, which other
/// processes share).
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("runtime")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `policy.yaml` in `dir`: a security_file_permission policy.
fn write_policy(dir: &Path, name: &str, selectors: &str) -> PathBuf {
    let policy = dir.join("policy.yaml");
    write(&policy, &file_policy(name, selectors));
    policy
}

/// One test at a time, and a scratch directory; `None` when the test
/// cannot run here (and says so).
fn kernel_test(name: &str) -> Option<(MutexGuard<'static, ()>, PathBuf)> {
    let serial = serial();
    can_enforce().then(|| (serial, scratch(name)))
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    events: Vec<Value>,
}

fn kensa_run(dir: &Path, policies: &[&Path], command: &[&str]) -> Run {
    let events = dir.join("events.jsonl");
    let mut cmd = std::process::Command::cargo_bin("kensa").unwrap();
    cmd.env_remove("CI")
        .args(["runtime", "run", "-o", "json", "--events"])
        .arg(&events);
    for p in policies {
        cmd.arg("--policy").arg(p);
    }
    let output = cmd.arg("--").args(command).output().unwrap();
    let text = std::fs::read_to_string(&events).unwrap_or_default();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        events: text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect(),
    }
}

fn kprobes(events: &[Value]) -> Vec<&Value> {
    events
        .iter()
        .filter_map(|e| e.get("process_kprobe"))
        .collect()
}

fn file_policy(name: &str, selectors: &str) -> String {
    format!(
        "apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: {name}
spec:
  kprobes:
  - call: security_file_permission
    syscall: false
    args:
    - index: 0
      type: file
    - index: 1
      type: int
    selectors:
{selectors}"
    )
}

fn prefix_selector(prefix: &Path, mask: u32, action: &str) -> String {
    format!(
        "    - matchArgs:
      - index: 0
        operator: Prefix
        values: [\"{}\"]
      - index: 1
        operator: Equal
        values: [\"{mask}\"]
      matchActions:
      - action: {action}
",
        prefix.display()
    )
}

/// Programs of kensa's runtime in the kernel now (their names start with
/// `kensa_`), from the kernel's own list of loaded programs (bpftool).
fn kensa_programs_loaded() -> usize {
    let output = std::process::Command::new("bpftool")
        .args(["-j", "prog", "show"])
        .output()
        .expect("bpftool (Debian package bpftool) lists the loaded BPF programs");
    let programs: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "bpftool -j prog show: {e}: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    programs
        .iter()
        .filter(|p| p["name"].as_str().is_some_and(|n| n.starts_with("kensa_")))
        .count()
}

/// The number of kensa programs once it reaches `expected` (or after 10 s).
fn settle(expected: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = kensa_programs_loaded();
        if now == expected || Instant::now() > deadline {
            return now;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn links_by_kensa(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fdinfo"))
        .map(|fds| {
            fds.flatten()
                .filter(|fd| {
                    std::fs::read_to_string(fd.path())
                        .is_ok_and(|i| i.contains("link_type:") || i.contains("prog_id:"))
                })
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn reading_under_a_denied_prefix_kills_the_reader_and_the_event_names_the_rule() {
    let Some((_serial, dir)) = kernel_test("deny-read") else {
        return;
    };
    let secret = dir.join("secret/key");
    write(&secret, "topsecret\n");
    write(&dir.join("open/file"), "hello\n");
    let policy = write_policy(
        &dir,
        "deny-secret-reads",
        &prefix_selector(&dir.join("secret"), 4, "Sigkill"),
    );

    let run = kensa_run(&dir, &[&policy], &["cat", secret.to_str().unwrap()]);
    assert_eq!(run.code, 137, "stderr: {}", run.stderr);
    assert!(
        !run.stdout.contains("topsecret"),
        "the secret was printed: {}",
        run.stdout
    );
    let hits = kprobes(&run.events);
    assert_eq!(hits.len(), 1, "{:#?}", run.events);
    let k = hits[0];
    assert_eq!(k["policy_name"], "deny-secret-reads");
    assert_eq!(k["function_name"], "security_file_permission");
    assert_eq!(k["action"], "KPROBE_ACTION_SIGKILL");
    assert_eq!(k["args"][0]["file_arg"]["path"], secret.to_str().unwrap());
    assert_eq!(k["args"][1]["int_arg"], 4);
    assert_eq!(k["process"]["binary"], "/usr/bin/cat");
    let exit = run
        .events
        .iter()
        .find_map(|e| {
            e.get("process_exit")
                .filter(|x| x["process"]["binary"] == "/usr/bin/cat")
        })
        .expect("an exit event for cat");
    assert_eq!(exit["signal"], "SIGKILL");

    // cp copies inside the kernel (copy_file_range): the source is still
    // checked for reading.
    let copy = dir.join("copy");
    let run = kensa_run(
        &dir,
        &[&policy],
        &["cp", secret.to_str().unwrap(), copy.to_str().unwrap()],
    );
    assert_eq!(run.code, 137, "stderr: {}", run.stderr);
    assert!(
        std::fs::read_to_string(&copy)
            .unwrap_or_default()
            .is_empty()
    );

    // A file outside the prefix is read normally.
    let run = kensa_run(
        &dir,
        &[&policy],
        &["cat", dir.join("open/file").to_str().unwrap()],
    );
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "hello\n"),
        "{}",
        run.stderr
    );
    assert!(kprobes(&run.events).is_empty());
}

/// Runs `echo changed > protected/config` and friends in `dir` under an
/// Override with `arg_error` on writes under `protected/`.
fn override_write(dir: &Path, arg_error: i32) -> (PathBuf, Run) {
    let protected = dir.join("protected/config");
    write(&protected, "original\n");
    let policy = write_policy(
        dir,
        "protect-config",
        &prefix_selector(
            &dir.join("protected"),
            2,
            &format!("Override\n        argError: {arg_error}"),
        ),
    );
    // Landlock, behind the supervisor, can only allow what exists when the
    // ruleset is made: a new file goes in an existing directory beside the
    // protected one.
    std::fs::create_dir_all(dir.join("open")).unwrap();
    let script = format!(
        "echo changed > {p}; echo write=$?; echo ok > {o}; echo other=$?; cat {p}",
        p = protected.display(),
        o = dir.join("open/new").display()
    );
    let run = kensa_run(dir, &[&policy], &["sh", "-c", &script]);
    (protected, run)
}

/// The Override events naming `path`.
fn overrides_of<'a>(run: &'a Run, path: &Path) -> Vec<&'a Value> {
    kprobes(&run.events)
        .into_iter()
        .filter(|k| {
            k["action"] == "KPROBE_ACTION_OVERRIDE"
                && k["args"][0]["file_arg"]["path"] == path.to_str().unwrap()
        })
        .collect()
}

#[test]
fn override_makes_a_write_under_a_protected_path_fail() {
    let Some((_serial, dir)) = kernel_test("override-write") else {
        return;
    };
    let (protected, run) = override_write(&dir, -1);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // argError -1: the open for writing fails with EPERM, the shell's
    // "Operation not permitted" (dash exits 2 from a failed redirection).
    assert!(run.stdout.contains("write=2"), "{}", run.stdout);
    assert!(
        run.stderr.contains("Operation not permitted"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("Permission denied"), "{}", run.stderr);
    assert!(run.stdout.contains("other=0"), "{}", run.stdout);
    assert!(
        run.stdout.contains("original"),
        "reading still works: {}",
        run.stdout
    );
    assert_eq!(std::fs::read_to_string(&protected).unwrap(), "original\n");
    // The refusal is reported as the policy's hook with the Override
    // action, naming the file, the write mask and the shell.
    let overrides = overrides_of(&run, &protected);
    assert_eq!(overrides.len(), 1, "{:?}", run.events);
    let event = overrides[0];
    assert_eq!(event["function_name"], "security_file_permission");
    assert_eq!(event["policy_name"], "protect-config");
    assert_eq!(event["args"][1]["int_arg"], 2, "{event}");
    assert!(
        event["process"]["binary"]
            .as_str()
            .is_some_and(|b| b.ends_with("sh") || b.ends_with("dash")),
        "{event}"
    );
    // Only the workload is confined: this process can still write there.
    std::fs::write(&protected, "by the test\n").unwrap();
}

#[test]
fn override_with_arg_error_minus_13_fails_the_write_with_eacces() {
    let Some((_serial, dir)) = kernel_test("override-eacces") else {
        return;
    };
    let (protected, run) = override_write(&dir, -13);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("write=2"), "{}", run.stdout);
    assert!(run.stderr.contains("Permission denied"), "{}", run.stderr);
    assert!(run.stdout.contains("other=0"), "{}", run.stdout);
    assert_eq!(std::fs::read_to_string(&protected).unwrap(), "original\n");
    assert_eq!(overrides_of(&run, &protected).len(), 1, "{:?}", run.events);
}

#[test]
fn a_connect_to_a_denied_address_fails_before_any_packet_and_an_allowed_one_works() {
    let Some((_serial, dir)) = kernel_test("connect") else {
        return;
    };
    let allowed = TcpListener::bind("127.0.0.1:0").unwrap();
    let denied = TcpListener::bind("127.0.0.2:0").unwrap();
    denied.set_nonblocking(true).unwrap();
    let allowed_port = allowed.local_addr().unwrap().port();
    let denied_port = denied.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        // Answer one connection on 127.0.0.1 and close it.
        let (mut stream, _) = allowed.accept().unwrap();
        let mut buf = [0u8; 512];
        let _ = stream.read(&mut buf);
    });
    let policy = dir.join("policy.yaml");
    write(
        &policy,
        "apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: deny-egress
spec:
  kprobes:
  - call: tcp_connect
    syscall: false
    args:
    - index: 0
      type: sock
    selectors:
    - matchArgs:
      - index: 0
        operator: DAddr
        values: [\"127.0.0.2/32\"]
      matchActions:
      - action: Override
        argError: -1
",
    );
    let script = format!(
        "curl -s -o /dev/null --max-time 5 http://127.0.0.1:{allowed_port}/; echo allowed=$?; \
         curl -s -o /dev/null --max-time 5 http://127.0.0.2:{denied_port}/; echo denied=$?"
    );
    let run = kensa_run(&dir, &[&policy], &["sh", "-c", &script]);
    server.join().unwrap();
    // 52: connected, empty reply. 7: could not connect.
    assert!(
        run.stdout.contains("allowed=52"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(
        run.stdout.contains("denied=7"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    // No handshake reached the denied listener: nothing to accept.
    match denied.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("a connection reached 127.0.0.2: {other:?}"),
    }
    let hits = kprobes(&run.events);
    assert_eq!(hits.len(), 1, "{:#?}", run.events);
    assert_eq!(hits[0]["action"], "KPROBE_ACTION_OVERRIDE");
    assert_eq!(hits[0]["args"][0]["sock_arg"]["daddr"], "127.0.0.2");
    assert_eq!(hits[0]["args"][0]["sock_arg"]["dport"], denied_port);
}

#[test]
fn a_binary_in_match_binaries_is_killed_on_its_first_file_backed_mmap() {
    let Some((_serial, dir)) = kernel_test("mmap") else {
        return;
    };
    // Named through a symlink: kensa matches the resolved binary too.
    let link = dir.join("the-cat");
    std::os::unix::fs::symlink("/usr/bin/cat", &link).unwrap();
    let policy = dir.join("policy.yaml");
    write(
        &policy,
        &format!(
            "apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: no-cat
spec:
  kprobes:
  - call: security_mmap_file
    syscall: false
    args:
    - index: 0
      type: file
    - index: 1
      type: uint32
    - index: 2
      type: uint32
    selectors:
    - matchBinaries:
      - operator: In
        values: [\"{}\"]
      matchActions:
      - action: Sigkill
",
            link.display()
        ),
    );
    let run = kensa_run(
        &dir,
        &[&policy],
        &[
            "sh",
            "-c",
            "head -c0 /etc/hostname; echo head=$?; cat /etc/hostname; echo cat=$?",
        ],
    );
    assert!(
        run.stdout.contains("head=0"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(
        run.stdout.contains("cat=137"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    let hits = kprobes(&run.events);
    assert_eq!(hits.len(), 1, "{:#?}", run.events);
    assert_eq!(hits[0]["process"]["binary"], "/usr/bin/cat");
    assert_eq!(hits[0]["function_name"], "security_mmap_file");
    // The first mmap with a file (an anonymous one does not count).
    assert!(
        hits[0]["args"][0]["file_arg"]["path"]
            .as_str()
            .is_some_and(|p| !p.is_empty()),
        "{:#?}",
        hits[0]
    );
}

#[test]
fn the_first_matching_selector_decides() {
    let Some((_serial, dir)) = kernel_test("first-match") else {
        return;
    };
    let inner = dir.join("data/public/readme");
    let other = dir.join("data/private/key");
    write(&inner, "public\n");
    write(&other, "private\n");
    // Selector 0 posts reads under data/public; selector 1 kills any read
    // under data. A read under data/public matches both: the first wins.
    let post_then_kill = dir.join("post-then-kill.yaml");
    write(
        &post_then_kill,
        &file_policy(
            "post-then-kill",
            &(prefix_selector(&dir.join("data/public"), 4, "Post")
                + &prefix_selector(&dir.join("data"), 4, "Sigkill")),
        ),
    );
    let run = kensa_run(&dir, &[&post_then_kill], &["cat", inner.to_str().unwrap()]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "public\n"),
        "{}",
        run.stderr
    );
    assert!(
        kprobes(&run.events)
            .iter()
            .all(|k| k["action"] == "KPROBE_ACTION_POST")
    );
    let run = kensa_run(&dir, &[&post_then_kill], &["cat", other.to_str().unwrap()]);
    assert_eq!(run.code, 137, "{}", run.stderr);

    // The same selectors in the other order: the kill comes first.
    let kill_then_post = dir.join("kill-then-post.yaml");
    write(
        &kill_then_post,
        &file_policy(
            "kill-then-post",
            &(prefix_selector(&dir.join("data"), 4, "Sigkill")
                + &prefix_selector(&dir.join("data/public"), 4, "Post")),
        ),
    );
    let run = kensa_run(&dir, &[&kill_then_post], &["cat", inner.to_str().unwrap()]);
    assert_eq!(run.code, 137, "{}", run.stderr);
}

#[test]
fn processes_outside_the_workload_are_never_touched() {
    let Some((_serial, dir)) = kernel_test("outside") else {
        return;
    };
    let secret = dir.join("secret/key");
    write(&secret, "topsecret\n");
    let policy = write_policy(
        &dir,
        "deny-secret-reads",
        &prefix_selector(&dir.join("secret"), 4, "Sigkill"),
    );
    let flag = dir.join("go");
    let script = format!(
        "while [ ! -e {f} ]; do sleep 0.05; done; cat {s}",
        f = flag.display(),
        s = secret.display()
    );
    let events = dir.join("events.jsonl");
    let mut child = std::process::Command::cargo_bin("kensa")
        .unwrap()
        .args(["runtime", "run", "-o", "json", "--events"])
        .arg(&events)
        .arg("--policy")
        .arg(&policy)
        .args(["--", "sh", "-c", &script])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // While the policy is loaded: the same binary reads the same file, from
    // outside the workload, and is not touched.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !events.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..3 {
        let outside = std::process::Command::new("/usr/bin/cat")
            .arg(&secret)
            .output()
            .unwrap();
        assert_eq!(outside.status.code(), Some(0));
        assert_eq!(String::from_utf8_lossy(&outside.stdout), "topsecret\n");
    }
    std::fs::write(&flag, "").unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(137), "the workload's cat is killed");
}

#[test]
fn programs_are_detached_on_exit_on_sigterm_and_when_kensa_is_killed() {
    let Some((_serial, dir)) = kernel_test("detach") else {
        return;
    };
    let policy = write_policy(
        &dir,
        "detach",
        &prefix_selector(&dir.join("nothing"), 4, "Sigkill"),
    );
    // The kernel frees a program shortly after its last reference goes;
    // earlier tests' programs may still be on their way out.
    let before = settle(0);

    // A normal exit.
    let run = kensa_run(&dir, &[&policy], &["true"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(settle(before), before, "programs left after a normal exit");

    let mut killed = Vec::new();
    for signal in ["TERM", "KILL"] {
        let mut child = std::process::Command::cargo_bin("kensa")
            .unwrap()
            .args(["runtime", "run", "--events"])
            .arg(dir.join("events.txt"))
            .arg("--policy")
            .arg(&policy)
            .args(["--", "sleep", "60"])
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while kensa_programs_loaded() == before && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let now = kensa_programs_loaded();
        assert!(
            now > before,
            "kensa attached nothing ({before} before, {now} now, {:?})",
            child.try_wait()
        );
        assert!(links_by_kensa(child.id()) > 0);
        let status = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let pid = child.id();
        let exit = child.wait().unwrap();
        if signal == "KILL" {
            killed.push(pid);
        }
        if signal == "TERM" {
            // Forwarded to the workload, which died of it: 128 + 15.
            assert_eq!(exit.code(), Some(143), "SIGTERM");
        }
        assert_eq!(settle(before), before, "programs left after SIG{signal}");
    }
    // A SIGKILLed kensa cannot clean up after itself: its workload, the
    // `sleep 60` this test started through it, still runs in kensa's cgroup.
    end_leftover_workloads(&killed);
}

/// Kills what is left in the cgroups of the given (dead) kensa processes
/// and removes them.
fn end_leftover_workloads(kensa_pids: &[u32]) {
    let own = own_cgroup();
    let root = std::iter::successors(Some(own.as_path()), |p| p.parent())
        .find(|p| {
            p.join("cgroup.procs").exists()
                && !p.parent().is_some_and(|q| q.join("cgroup.procs").exists())
        })
        .unwrap_or(&own)
        .to_path_buf();
    for parent in [own.clone(), root] {
        let Ok(entries) = std::fs::read_dir(&parent) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if kensa_pids
                .iter()
                .any(|pid| name.starts_with(&format!("kensa-run-{pid}-")))
            {
                let _ = std::fs::write(entry.path().join("cgroup.kill"), "1");
                let deadline = Instant::now() + Duration::from_secs(5);
                while std::fs::remove_dir(entry.path()).is_err() && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
    }
}

#[test]
fn policies_that_cannot_be_carried_out_are_refused_by_field() {
    let _serial = serial();
    let dir = scratch("refuse");
    let policy = dir.join("policy.yaml");
    write(
        &policy,
        &file_policy(
            "ns",
            "    - matchNamespaceChanges:
      - operator: In
        values: [Mnt]
      matchActions:
      - action: Sigkill
",
        ),
    );
    let run = kensa_run(&dir, &[&policy], &["true"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("spec.kprobes[0].selectors[0].matchNamespaceChanges"),
        "{}",
        run.stderr
    );

    let kprobe = dir.join("kprobe.yaml");
    write(
        &kprobe,
        "apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: fd-install
spec:
  kprobes:
  - call: fd_install
    syscall: false
",
    );
    let run = kensa_run(&dir, &[&kprobe], &["true"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("fd_install"), "{}", run.stderr);
    assert!(run.stderr.contains("no kprobes"), "{}", run.stderr);
}

/// The cgroup2 mount and this process's own cgroup directory in it.
fn own_cgroup() -> PathBuf {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let mount = mountinfo
        .lines()
        .find_map(|l| {
            let (left, right) = l.split_once(" - ")?;
            let f: Vec<&str> = left.split(' ').collect();
            (right.starts_with("cgroup2 ") && f.get(3) == Some(&"/")).then(|| PathBuf::from(f[4]))
        })
        .expect("a cgroup2 mount");
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    let own = own
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .unwrap_or("/")
        .trim_start_matches('/')
        .to_owned();
    mount.join(own)
}

/// Removes a cgroup tree made by a test, deepest first.
fn remove_cgroup_tree(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            remove_cgroup_tree(&entry.path());
        }
    }
    let _ = std::fs::remove_dir(dir);
}

/// Runs `cat file` inside cgroup `cgroup` (the shell moves itself in first).
fn cat_in(cgroup: &Path, file: &Path) -> (i32, String) {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "echo $$ > {}/cgroup.procs && exec cat {}",
            cgroup.display(),
            file.display()
        ))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or_else(|| {
            128 + std::os::unix::process::ExitStatusExt::signal(&out.status).unwrap_or(0)
        }),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_agent_enforces_on_the_pods_it_selects_reloads_policies_and_streams_events() {
    let Some((_serial, dir)) = kernel_test("agent") else {
        return;
    };
    let secret = dir.join("secret/key");
    write(&secret, "topsecret\n");
    let other = dir.join("other/key");
    write(&other, "other\n");
    let policies = dir.join("policies");
    write(
        &policies.join("web.yaml"),
        &file_policy(
            "web-only",
            &prefix_selector(&dir.join("secret"), 4, "Sigkill"),
        )
        .replace("kind: TracingPolicy\n", "kind: TracingPolicyNamespaced\n")
        .replace(
            "  name: web-only\n",
            "  name: web-only\n  namespace: shop\n",
        )
        .replace(
            "spec:\n",
            "spec:\n  podSelector:\n    matchLabels:\n      app: web\n",
        ),
    );
    // A kubelet-like pod cgroup tree of our own.
    let uid_web = "0f6d1c2e-9a3b-4c5d-8e7f-001122334455";
    let uid_db = "1a2b3c4d-5e6f-4a0b-9c8d-aabbccddeeff";
    let root = own_cgroup().join(format!("kensa-test-kubepods-{}", std::process::id()));
    remove_cgroup_tree(&root);
    let web = root.join(format!("kubepods/besteffort/pod{uid_web}/ctr"));
    let db = root.join(format!("kubepods/besteffort/pod{uid_db}/ctr"));
    std::fs::create_dir_all(&web).unwrap();
    std::fs::create_dir_all(&db).unwrap();
    let pods = dir.join("pods.json");
    write(
        &pods,
        &serde_json::json!({"apiVersion": "v1", "kind": "List", "items": [
            {"metadata": {"uid": uid_web, "namespace": "shop", "name": "web-1", "labels": {"app": "web"}}},
            {"metadata": {"uid": uid_db, "namespace": "shop", "name": "db-1", "labels": {"app": "db"}}},
        ]})
        .to_string(),
    );
    let metrics_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let socket = dir.join("events.sock");
    let mut agent = std::process::Command::cargo_bin("kensa")
        .unwrap()
        .args(["runtime", "agent", "--rescan", "0.2", "--policy-dir"])
        .arg(&policies)
        .arg("--pods")
        .arg(&pods)
        .arg("--cgroup-root")
        .arg(&root)
        .arg("--listen")
        .arg(format!("unix:{}", socket.display()))
        .args(["--metrics", &format!("127.0.0.1:{metrics_port}")])
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !socket.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(socket.exists(), "the agent serves no socket");
    let mut client = std::process::Command::cargo_bin("kensa")
        .unwrap()
        .args([
            "runtime",
            "events",
            "-o",
            "json",
            "--namespace",
            "shop",
            "--server",
        ])
        .arg(format!("unix:{}", socket.display()))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let client_out = client.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(client_out)
            .lines()
            .map_while(Result::ok)
        {
            if let Ok(v) = serde_json::from_str(&line)
                && tx.send(v).is_err()
            {
                break;
            }
        }
    });
    std::thread::sleep(Duration::from_millis(300));

    // The web pod is selected: its reader dies. The db pod is not.
    assert_eq!(cat_in(&web, &secret).0, 137);
    assert_eq!(cat_in(&db, &secret), (0, "topsecret\n".to_owned()));
    // Nor is this process, outside every pod.
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), "topsecret\n");

    let deadline = Instant::now() + Duration::from_secs(20);
    let mut kill_event = None;
    while kill_event.is_none() && Instant::now() < deadline {
        if let Ok(e) = rx.recv_timeout(Duration::from_millis(200))
            && let Some(k) = e.get("process_kprobe")
        {
            kill_event = Some(k.clone());
        }
    }
    let k = kill_event.expect("the events client got the kill");
    assert_eq!(k["policy_name"], "web-only");
    assert_eq!(k["action"], "KPROBE_ACTION_SIGKILL");
    assert_eq!(k["process"]["pod"]["name"], "web-1");
    assert_eq!(k["process"]["pod"]["namespace"], "shop");

    let metrics = {
        use std::io::Write;
        let mut s = std::net::TcpStream::connect(("127.0.0.1", metrics_port)).unwrap();
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        text
    };
    assert!(
        metrics.contains("kensa_runtime_policy_actions_total{"),
        "{metrics}"
    );
    assert!(metrics.contains("web-only"), "{metrics}");
    assert!(
        metrics.contains("kensa_runtime_lost_events_total"),
        "{metrics}"
    );

    // A new file in the directory: a node-wide policy, in force soon after.
    write(
        &policies.join("everywhere.yaml"),
        &file_policy(
            "everywhere",
            &prefix_selector(&dir.join("other"), 4, "Sigkill"),
        ),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut reloaded = false;
    while !reloaded && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        reloaded = cat_in(&db, &other).0 == 137;
    }
    assert!(reloaded, "the new policy never took effect");

    let _ = std::process::Command::new("kill")
        .args(["-TERM", &agent.id().to_string()])
        .status();
    let status = agent.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(settle(0), 0, "programs left after the agent stopped");
    let _ = client.kill();
    let _ = client.wait();
    remove_cgroup_tree(&root);
}

#[test]
fn a_monitoring_hook_with_return_reports_the_return_value() {
    let Some((_serial, dir)) = kernel_test("return") else {
        return;
    };
    let file = dir.join("watched/data");
    write(&file, "twelve bytes");
    let policy = dir.join("policy.yaml");
    write(
        &policy,
        &file_policy("watch-reads", &prefix_selector(&dir.join("watched"), 4, "Post")).replace(
            "    syscall: false\n",
            "    syscall: false\n    return: true\n    returnArg:\n      index: 0\n      type: int\n",
        ),
    );
    let run = kensa_run(&dir, &[&policy], &["cat", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let returns: Vec<&Value> = kprobes(&run.events).iter().map(|k| &k["return"]).collect();
    // cat reads the 12 bytes, then 0 at the end of the file.
    assert_eq!(
        returns,
        vec![
            &serde_json::json!({"int_arg": 12}),
            &serde_json::json!({"int_arg": 0})
        ],
        "{:#?}",
        run.events
    );
}

/// The program caches each open file's string-filter results (the path
/// verdict cache); a file that moves under a denied prefix after many
/// allowed reads must still be denied at its next read, whether the file
/// itself moved, a directory above it moved, or a new name was linked.
#[test]
fn a_file_moved_or_linked_under_a_denied_prefix_after_cached_reads_is_denied() {
    let Some((_serial, dir)) = kernel_test("verdict-cache") else {
        return;
    };
    let open = dir.join("open");
    let secret = dir.join("secret");
    std::fs::create_dir_all(&secret).unwrap();
    let policy = write_policy(
        &dir,
        "deny-secret-reads",
        &prefix_selector(&secret, 4, "Sigkill"),
    );
    let reads = 20;
    let cases = [
        // (what, file read while allowed, how it moves, where it is read after)
        (
            "the file renamed",
            "moved",
            "mv open/moved secret/moved",
            "secret/moved",
        ),
        (
            "its directory renamed",
            "dir/inner",
            "mv open/dir secret/dir",
            "secret/dir/inner",
        ),
        (
            "a hard link",
            "linked",
            "ln open/linked secret/linked",
            "secret/linked",
        ),
    ];
    for (what, name, change, after) in cases {
        write(&open.join(name), "allowed\n");
        let script = format!(
            "cd {} && for i in $(seq {reads}); do cat open/{name} || exit 3; done && {change} && exec cat {after}",
            dir.display()
        );
        let run = kensa_run(&dir, &[&policy], &["sh", "-c", &script]);
        assert_eq!(
            run.stdout.matches("allowed").count(),
            reads,
            "{what}: the reads before the change: {}",
            run.stderr
        );
        assert_eq!(run.code, 137, "{what}: stderr: {}", run.stderr);
        let hits = kprobes(&run.events);
        assert_eq!(hits.len(), 1, "{what}: {:#?}", run.events);
        assert_eq!(
            hits[0]["args"][0]["file_arg"]["path"],
            dir.join(after).to_str().unwrap(),
            "{what}"
        );
    }
}

/// A read-kill selector on `secret`'s directory, limited by `filters`
/// (selector fields, indented as `prefix_selector` writes them).
fn limited_read_kill(dir: &Path, name: &str, secret: &Path, filters: &str) -> PathBuf {
    let selector = prefix_selector(secret.parent().unwrap(), 4, "Sigkill").replace(
        "      matchActions:",
        &format!("{filters}      matchActions:"),
    );
    write_policy(dir, name, &selector)
}

fn secret_in(dir: &Path) -> PathBuf {
    let secret = dir.join("secret/key");
    write(&secret, "topsecret\n");
    secret
}

#[test]
fn match_namespaces_tells_the_host_mount_namespace_from_a_new_one() {
    let Some((_serial, dir)) = kernel_test("namespaces") else {
        return;
    };
    let secret = secret_in(&dir);
    let s = secret.to_str().unwrap();
    let policy = limited_read_kill(
        &dir,
        "outside-host-mnt",
        &secret,
        "      matchNamespaces:
      - namespace: Mnt
        operator: NotIn
        values: [host_ns]
",
    );
    // The workload runs in the host's mount namespace: not matched.
    let run = kensa_run(&dir, &[&policy], &["cat", s]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "topsecret\n"),
        "{}",
        run.stderr
    );
    assert!(kprobes(&run.events).is_empty(), "{:#?}", run.events);
    // The same read from a new mount namespace is killed.
    let run = kensa_run(&dir, &[&policy], &["unshare", "-m", "cat", s]);
    assert_eq!(run.code, 137, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("topsecret"));
    let hits = kprobes(&run.events);
    assert_eq!(hits.len(), 1, "{:#?}", run.events);
    assert_eq!(hits[0]["process"]["binary"], "/usr/bin/cat");

    // In with the host's: the other way round.
    let policy = limited_read_kill(
        &dir,
        "in-host-mnt",
        &secret,
        "      matchNamespaces:
      - namespace: Mnt
        operator: In
        values: [host_ns]
",
    );
    let run = kensa_run(&dir, &[&policy], &["cat", s]);
    assert_eq!(run.code, 137, "{}", run.stderr);
    let run = kensa_run(&dir, &[&policy], &["unshare", "-m", "cat", s]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn match_capabilities_kills_a_privileged_reader_and_spares_one_without_capabilities() {
    let Some((_serial, dir)) = kernel_test("capabilities") else {
        return;
    };
    let secret = secret_in(&dir);
    let s = secret.to_str().unwrap();
    let policy = limited_read_kill(
        &dir,
        "sys-admin-reads",
        &secret,
        "      matchCapabilities:
      - type: Effective
        operator: In
        values: [CAP_SYS_ADMIN]
",
    );
    let run = kensa_run(&dir, &[&policy], &["cat", s]);
    assert_eq!(run.code, 137, "{}", run.stderr);
    // Still uid 0 (the file is root's), but with every capability dropped
    // before the exec.
    let run = kensa_run(
        &dir,
        &[&policy],
        &[
            "setpriv",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "cat",
            s,
        ],
    );
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "topsecret\n"),
        "{}",
        run.stderr
    );

    // isNamespaceCapability: only outside the host's user namespace, where
    // root's capabilities reach only that namespace.
    let policy = limited_read_kill(
        &dir,
        "userns-admin-reads",
        &secret,
        "      matchCapabilities:
      - operator: In
        isNamespaceCapability: true
        values: [CAP_SYS_ADMIN]
",
    );
    let run = kensa_run(&dir, &[&policy], &["cat", s]);
    assert_eq!(run.code, 0, "host root is not matched: {}", run.stderr);
    let run = kensa_run(&dir, &[&policy], &["unshare", "-U", "-r", "cat", s]);
    assert_eq!(run.code, 137, "{}\n{}", run.stdout, run.stderr);
}

#[test]
fn follow_forks_extends_match_pids_to_the_descendants() {
    let Some((_serial, dir)) = kernel_test("follow-forks") else {
        return;
    };
    let secret = secret_in(&dir);
    // In a new pid namespace the shell is pid 1 and cat is its child.
    let script = format!("cat {}; echo cat=$?", secret.display());
    let in_new_pid_ns = [
        "unshare",
        "-p",
        "-f",
        "--mount-proc",
        "sh",
        "-c",
        script.as_str(),
    ];
    let pid_one = |follow: bool| {
        format!(
            "      matchPIDs:
      - operator: In
        isNamespacePID: true
        followForks: {follow}
        values: [1]
"
        )
    };
    let policy = limited_read_kill(&dir, "pid-one-tree", &secret, &pid_one(true));
    let run = kensa_run(&dir, &[&policy], &in_new_pid_ns);
    assert!(
        run.stdout.contains("cat=137"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    // The same shell in the host's pid namespace is no descendant of pid 1
    // that kensa saw fork.
    let run = kensa_run(&dir, &[&policy], &["sh", "-c", &script]);
    assert!(
        run.stdout.contains("cat=0"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    // Without followForks only pid 1 itself matches, not its child.
    let policy = limited_read_kill(&dir, "pid-one", &secret, &pid_one(false));
    let run = kensa_run(&dir, &[&policy], &in_new_pid_ns);
    assert!(
        run.stdout.contains("cat=0"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
}

#[test]
fn match_parent_binaries_looks_at_the_parent_process() {
    let Some((_serial, dir)) = kernel_test("parent-binaries") else {
        return;
    };
    let secret = secret_in(&dir);
    // /bin/sh as written; the kernel sees the resolved /usr/bin/dash.
    let policy = limited_read_kill(
        &dir,
        "read-from-sh",
        &secret,
        "      matchParentBinaries:
      - operator: In
        values: [/bin/sh]
",
    );
    let script = format!("cat {}; echo cat=$?", secret.display());
    let run = kensa_run(&dir, &[&policy], &["sh", "-c", &script]);
    assert!(
        run.stdout.contains("cat=137"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    let hits = kprobes(&run.events);
    assert_eq!(hits.len(), 1, "{:#?}", run.events);
    assert_eq!(hits[0]["process"]["binary"], "/usr/bin/cat");
    // Another parent: bash, or kensa itself.
    let run = kensa_run(&dir, &[&policy], &["bash", "-c", &script]);
    assert!(
        run.stdout.contains("cat=0"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    let run = kensa_run(&dir, &[&policy], &["cat", secret.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Processes a test started and the cgroup tree it made, stopped and
/// removed even when an assertion fails, so a failed run leaves no agent
/// holding programs (which every later detach check would count).
struct Started {
    children: Vec<std::process::Child>,
    cgroups: PathBuf,
}

impl Drop for Started {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        remove_cgroup_tree(&self.cgroups);
    }
}

/// A pod as the API server serves it, with two started containers.
fn api_pod(uid: &str, name: &str, app_id: &str, sidecar_id: &str) -> Value {
    let status = |container: &str, id: &str| {
        serde_json::json!({"name": container, "ready": true, "restartCount": 0,
            "image": "busybox:1.36", "imageID": "docker.io/library/busybox@sha256:0f",
            "containerID": format!("containerd://{id}"),
            "state": {"running": {"startedAt": "2026-11-29T09:00:00Z"}}})
    };
    serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"uid": uid, "namespace": "shop", "name": name, "labels": {"app": "web"}},
        "spec": {"nodeName": "kensa-test-node",
                 "containers": [{"name": "app", "image": "busybox:1.36"},
                                {"name": "sidecar", "image": "busybox:1.36"}]},
        "status": {"phase": "Running",
                   "containerStatuses": [status("app", app_id), status("sidecar", sidecar_id)]}
    })
}

#[test]
fn the_agent_scopes_container_selectors_to_their_containers_in_pods_it_watches() {
    let Some((_serial, dir)) = kernel_test("agent-containers") else {
        return;
    };
    let secret = dir.join("secret/key");
    write(&secret, "topsecret\n");
    let policies = dir.join("policies");
    write(
        &policies.join("app.yaml"),
        &file_policy(
            "app-only",
            &prefix_selector(&dir.join("secret"), 4, "Sigkill"),
        )
        .replace(
            "spec:\n",
            "spec:\n  containerSelector:\n    matchLabels:\n      name: app\n",
        ),
    );
    // One pod laid out as the cgroupfs driver does, one (arriving later) as
    // the systemd driver does with containerd.
    let (uid_1, uid_2) = (
        "0f6d1c2e-9a3b-4c5d-8e7f-001122334455",
        "1a2b3c4d-5e6f-4a0b-9c8d-aabbccddeeff",
    );
    let ids: Vec<String> = (1..=4).map(|i| format!("{i}").repeat(64)).collect();
    let root = own_cgroup().join(format!("kensa-test-kubepods-ctr-{}", std::process::id()));
    remove_cgroup_tree(&root);
    let pod_1 = root.join(format!("kubepods/besteffort/pod{uid_1}"));
    let (app_1, sidecar_1) = (pod_1.join(&ids[0]), pod_1.join(&ids[1]));
    let pod_2 = root.join(format!(
        "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{}.slice",
        uid_2.replace('-', "_")
    ));
    let app_2 = pod_2.join(format!("cri-containerd-{}.scope", ids[2]));
    let sidecar_2 = pod_2.join(format!("cri-containerd-{}.scope", ids[3]));
    for cgroup in [&app_1, &sidecar_1] {
        std::fs::create_dir_all(cgroup).unwrap();
    }
    let list = |items: Vec<Value>| support::Answer::List {
        kind: "PodList",
        items,
        page: 500,
    };
    let api = support::start(vec![(
        "/api/v1/pods",
        list(vec![api_pod(uid_1, "web-1", &ids[0], &ids[1])]),
    )]);
    let kube = tempfile::tempdir().unwrap();
    let kubeconfig = support::kubeconfig(&kube, &api.url);

    let socket = dir.join("events.sock");
    let mut started = Started {
        children: Vec::new(),
        cgroups: root.clone(),
    };
    let agent = std::process::Command::cargo_bin("kensa")
        .unwrap()
        .env("KUBECONFIG", &kubeconfig)
        .args(["runtime", "agent", "--rescan", "0.2", "--policy-dir"])
        .arg(&policies)
        .args(["--context", "local-ctx", "--node", "kensa-test-node"])
        .arg("--cgroup-root")
        .arg(&root)
        .arg("--listen")
        .arg(format!("unix:{}", socket.display()))
        .spawn()
        .unwrap();
    let agent_pid = agent.id();
    started.children.push(agent);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !socket.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(socket.exists(), "the agent serves no socket");
    let mut client = std::process::Command::cargo_bin("kensa")
        .unwrap()
        .args(["runtime", "events", "-o", "json", "--server"])
        .arg(format!("unix:{}", socket.display()))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let client_out = client.stdout.take().unwrap();
    started.children.push(client);
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(client_out)
            .lines()
            .map_while(Result::ok)
        {
            if let Ok(v) = serde_json::from_str(&line)
                && tx.send(v).is_err()
            {
                break;
            }
        }
    });

    // The app container is selected; its sidecar, in the same pod, is not.
    assert_eq!(cat_in(&sidecar_1, &secret), (0, "topsecret\n".to_owned()));
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), "topsecret\n");
    // Killed every time; read again until the events client, which may not
    // have subscribed yet on a busy machine, reports a kill.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut kill_event = None;
    while kill_event.is_none() && Instant::now() < deadline {
        assert_eq!(cat_in(&app_1, &secret).0, 137);
        while let Ok(e) = rx.recv_timeout(Duration::from_millis(300)) {
            if let Some(k) = e.get("process_kprobe") {
                kill_event = Some(k.clone());
                break;
            }
        }
    }
    let k = kill_event.expect("the events client got the kill");
    assert_eq!(k["policy_name"], "app-only");
    assert_eq!(k["process"]["pod"]["name"], "web-1");
    assert_eq!(k["process"]["pod"]["container"]["name"], "app");

    // A pod scheduled later reaches the agent through its watch.
    for cgroup in [&app_2, &sidecar_2] {
        std::fs::create_dir_all(cgroup).unwrap();
    }
    api.set(
        "/api/v1/pods",
        list(vec![
            api_pod(uid_1, "web-1", &ids[0], &ids[1]),
            api_pod(uid_2, "web-2", &ids[2], &ids[3]),
        ]),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut enforced = false;
    while !enforced && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        enforced = cat_in(&app_2, &secret).0 == 137;
    }
    assert!(enforced, "the new pod's app container was never scoped");
    assert_eq!(cat_in(&sidecar_2, &secret), (0, "topsecret\n".to_owned()));

    let requests = api.seen.lock().unwrap().clone();
    assert!(
        requests.iter().all(|r| r.contains("/api/v1/pods?")
            && r.contains("fieldSelector=spec.nodeName%3Dkensa-test-node")
            && r.contains("Bearer kensa-test-token")),
        "{requests:#?}"
    );
    assert!(
        requests.iter().any(|r| r.contains("watch=true")),
        "{requests:#?}"
    );

    let _ = std::process::Command::new("kill")
        .args(["-TERM", &agent_pid.to_string()])
        .status();
    let status = started.children[0].wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(settle(0), 0, "programs left after the agent stopped");
}

/// A program with a function to probe, built here (`cc -O0` keeps its
/// symbol and its calls): calls `kensa_check_token(n, name, 0, n + 7)` for
/// each `n:name` argument, saying so before and after.
fn build_uprobe_target(dir: &Path) -> PathBuf {
    let source = dir.join("target.c");
    write(
        &source,
        r#"#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) long kensa_check_token(long token, const char *name, long unused, long fourth)
{
    return token + (long)strlen(name) + unused + fourth;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        long token = strtol(argv[i], NULL, 10);
        const char *name = strchr(argv[i], ':');
        name = name ? name + 1 : "";
        printf("call %ld\n", token);
        fflush(stdout);
        kensa_check_token(token, name, 0, token + 7);
        printf("after %ld\n", token);
        fflush(stdout);
    }
    return 0;
}
"#,
    );
    let binary = dir.join("uprobe-target");
    let status = std::process::Command::new("cc")
        .args(["-O0", "-g", "-o"])
        .arg(&binary)
        .arg(&source)
        .status()
        .expect("cc (the test builds a small C program to probe)");
    assert!(status.success(), "cc failed");
    binary
}

#[test]
fn a_uprobe_on_a_user_function_posts_its_arguments_and_kills_on_a_match() {
    let Some((_serial, dir)) = kernel_test("uprobe") else {
        return;
    };
    let binary = build_uprobe_target(&dir);
    let policy = dir.join("uprobe.yaml");
    write(
        &policy,
        &format!(
            "apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: token-check
spec:
  uprobes:
  - path: {binary}
    symbols:
    - kensa_check_token
    args:
    - index: 0
      type: int64
    - index: 1
      type: string
    - index: 3
      type: int64
    selectors:
    - matchArgs:
      - index: 1
        operator: Prefix
        values:
        - secret
      matchActions:
      - action: Sigkill
    - matchArgs:
      - index: 0
        operator: GT
        values:
        - \"0\"
",
            binary = binary.display()
        ),
    );
    // The workload signals it runs (kensa attaches before it starts it),
    // waits while this test calls the same function outside, then calls it
    // itself.
    let ready = dir.join("ready");
    let go = dir.join("go");
    let script = format!(
        "touch {ready}; while [ ! -e {go} ]; do sleep 0.02; done; exec {bin} 1:public 42:secret-key 3:after",
        ready = ready.display(),
        go = go.display(),
        bin = binary.display()
    );
    let events = dir.join("events.jsonl");
    let mut kensa = std::process::Command::cargo_bin("kensa")
        .unwrap()
        .env_remove("CI")
        .args(["runtime", "run", "-o", "json", "--events"])
        .arg(&events)
        .arg("--policy")
        .arg(&policy)
        .args(["--", "sh", "-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready.exists() {
        if let Ok(Some(status)) = kensa.try_wait() {
            let mut stderr = String::new();
            kensa
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .ok();
            panic!("kensa ended early ({status}): {stderr}");
        }
        assert!(Instant::now() < deadline, "the workload never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Outside the workload, the same binary with the same argument is not
    // touched.
    let outside = std::process::Command::new(&binary)
        .arg("42:secret-key")
        .output()
        .unwrap();
    assert_eq!(outside.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&outside.stdout).contains("after 42"));
    std::fs::write(&go, "").unwrap();
    let output = kensa.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(137), "{stdout}\n{stderr}");
    assert!(stdout.contains("after 1"), "{stdout}");
    assert!(stdout.contains("call 42"), "{stdout}");
    assert!(!stdout.contains("after 42"), "killed in the call: {stdout}");
    assert!(!stdout.contains("call 3"), "{stdout}");

    let text = std::fs::read_to_string(&events).unwrap();
    let uprobes: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter_map(|e| e.get("process_uprobe").cloned())
        .collect();
    assert_eq!(uprobes.len(), 2, "{text}");
    let (posted, killed) = (&uprobes[0], &uprobes[1]);
    for u in [posted, killed] {
        assert_eq!(u["path"], binary.display().to_string());
        assert_eq!(u["symbol"], "kensa_check_token");
        assert_eq!(u["policy_name"], "token-check");
        assert_eq!(u["process"]["binary"], binary.display().to_string());
    }
    assert_eq!(posted["action"], "KPROBE_ACTION_POST");
    // The fourth argument comes from rcx, not the syscall convention's r10.
    assert_eq!(
        posted["args"],
        serde_json::json!([{"int_arg": 1}, {"string_arg": "public"}, {"int_arg": 8}])
    );
    assert_eq!(killed["action"], "KPROBE_ACTION_SIGKILL");
    assert_eq!(
        killed["args"][1],
        serde_json::json!({"string_arg": "secret-key"})
    );
}

#[test]
fn a_syscall_tracepoint_reads_the_fields_tetragon_numbers_and_kills_on_a_match() {
    let Some((_serial, dir)) = kernel_test("tracepoint") else {
        return;
    };
    write(&dir.join("data/secret.txt"), "secret\n");
    write(&dir.join("data/plain.txt"), "plain\n");
    // Fields 0-3 are the common ones, 4 __syscall_nr, 5 dfd, 6 filename,
    // 7 flags; selectors name args by position.
    let policy = dir.join("tracepoint.yaml");
    write(
        &policy,
        "apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: opens
spec:
  tracepoints:
  - subsystem: syscalls
    event: sys_enter_openat
    args:
    - index: 6
      type: string
    - index: 7
      type: int
    selectors:
    - matchArgs:
      - index: 0
        operator: Postfix
        values:
        - secret.txt
      matchActions:
      - action: Sigkill
    - matchArgs:
      - index: 0
        operator: Postfix
        values:
        - plain.txt
",
    );
    let script = format!(
        "cd {}; cat plain.txt; cat secret.txt; echo after=$?",
        dir.join("data").display()
    );
    let run = kensa_run(&dir, &[&policy], &["sh", "-c", &script]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("plain"), "{}", run.stdout);
    assert!(!run.stdout.contains("secret"), "{}", run.stdout);
    assert!(run.stdout.contains("after=137"), "{}", run.stdout);
    let tracepoints: Vec<&Value> = run
        .events
        .iter()
        .filter_map(|e| e.get("process_tracepoint"))
        .collect();
    assert_eq!(tracepoints.len(), 2, "{:?}", run.events);
    for (t, file, action) in [
        (tracepoints[0], "plain.txt", "KPROBE_ACTION_POST"),
        (tracepoints[1], "secret.txt", "KPROBE_ACTION_SIGKILL"),
    ] {
        assert_eq!(t["subsys"], "syscalls");
        assert_eq!(t["event"], "sys_enter_openat");
        assert_eq!(t["action"], action);
        assert_eq!(t["policy_name"], "opens");
        // The path as passed to openat; flags O_RDONLY (0) is omitted.
        assert_eq!(t["args"][0], serde_json::json!({"string_arg": file}));
        assert!(t["process"]["binary"].as_str().unwrap().ends_with("/cat"));
    }
}

#[test]
fn match_return_args_posts_only_the_reads_whose_return_value_matches() {
    let Some((_serial, dir)) = kernel_test("return-args") else {
        return;
    };
    let file = dir.join("watched/data");
    write(&file, "twelve bytes");
    let selector = prefix_selector(&dir.join("watched"), 4, "Post").replace(
        "      matchActions:",
        "      matchReturnArgs:
      - index: 0
        operator: GT
        values: [\"0\"]
      matchActions:",
    );
    let policy = write_policy(&dir, "non-empty-reads", &selector);
    let text = std::fs::read_to_string(&policy).unwrap().replace(
        "    syscall: false\n",
        "    syscall: false\n    return: true\n    returnArg:\n      index: 0\n      type: int\n",
    );
    write(&policy, &text);
    let run = kensa_run(&dir, &[&policy], &["cat", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // cat reads the 12 bytes, then 0 at the end of the file: only the
    // first is posted.
    let returns: Vec<&Value> = kprobes(&run.events).iter().map(|k| &k["return"]).collect();
    assert_eq!(
        returns,
        vec![&serde_json::json!({"int_arg": 12})],
        "{:#?}",
        run.events
    );
}
