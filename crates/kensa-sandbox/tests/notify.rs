//! Opens refused with a chosen errno by the seccomp user-notification
//! supervisor, on the real kernel, with commands this test starts in
//! cgroups of their own. Needs root and cgroup2: skipped with a printed
//! line otherwise, and failing under `CI=true`. The filter confines only
//! the children started here.

mod common;

use std::ffi::{OsStr, OsString};
use std::fs;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::{Arc, Mutex};

use kensa_sandbox::cgroup::RunCgroup;
use kensa_sandbox::landlock::{self, Access, DenyRule};
use kensa_sandbox::notify::{Denial, Rule, Rules, Supervisor};
use kensa_sandbox::spawn::{Notified, SpawnOptions, spawn_into_cgroup_notified, wait};

const EPERM_TEXT: &str = "Operation not permitted";
const EACCES_TEXT: &str = "Permission denied";

struct Fixture {
    dir: tempfile::TempDir,
    mount: PathBuf,
}

struct Run {
    status: ExitStatus,
    output: String,
    denials: Vec<Denial>,
}

impl Fixture {
    fn base(&self) -> PathBuf {
        fs::canonicalize(self.dir.path()).expect("canonical base")
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.base().join(relative)
    }

    fn layout(&self, entries: &[&str]) {
        for entry in entries {
            let path = self.path(entry);
            if entry.ends_with('/') {
                fs::create_dir_all(&path).expect("mkdir");
            } else {
                fs::write(&path, "original\n").expect("write");
            }
        }
    }

    /// Runs `program args` in the base directory under `rules` (and, with
    /// `landlock`, a Landlock ruleset denying the same), output in `out`.
    fn run(&self, rules: &[Rule], landlock: bool, program: &str, args: &[&str]) -> Run {
        let log = self.path("out/log");
        let script = format!(
            "cd '{}' || exit 99\nexec >'{}' 2>&1 </dev/null || exit 98\nexec \"$@\"",
            self.base().display(),
            log.display()
        );
        let mut argv = vec![
            OsString::from("-c"),
            OsString::from(script),
            OsString::from("sh"),
            OsString::from(program),
        ];
        argv.extend(args.iter().map(OsString::from));
        let rules = Rules::new(rules).expect("rules");
        let filter = rules.filter().expect("filter");
        let ruleset = landlock.then(|| {
            let deny: Vec<DenyRule> = rules
                .rules()
                .iter()
                .map(|r| DenyRule::new(&r.path, r.access))
                .collect();
            landlock::ruleset(&deny).expect("ruleset")
        });
        let cgroup = RunCgroup::create(&self.mount, "kensa-notify-test").expect("cgroup");
        let options = SpawnOptions {
            landlock: ruleset.as_ref().map(AsFd::as_fd),
            ..SpawnOptions::default()
        };
        let directory = cgroup.directory().expect("cgroup directory");
        let (pid, listener) = match spawn_into_cgroup_notified(
            OsStr::new("/bin/sh"),
            &argv,
            directory.as_fd(),
            &options,
            &filter,
        )
        .expect("spawn")
        {
            Notified::Child { pid, listener } => (pid, listener),
            Notified::Fallback => panic!("this kernel has clone3(CLONE_INTO_CGROUP)"),
        };
        let denials = Arc::new(Mutex::new(Vec::new()));
        let supervisor = {
            let denials = Arc::clone(&denials);
            Supervisor::start(listener, rules, move |d| {
                denials.lock().expect("denials").push(d.clone())
            })
            .expect("supervisor")
        };
        let status = wait(pid).expect("wait");
        // The filter's last user is gone: the supervisor ends by itself.
        let stats = supervisor.wait().expect("supervisor result");
        let denials = denials.lock().expect("denials").clone();
        assert_eq!(stats.denied, denials.len() as u64);
        Run {
            status,
            output: fs::read_to_string(&log).unwrap_or_default(),
            denials,
        }
    }

    fn sh(&self, rules: &[Rule], script: &str) -> Run {
        self.run(rules, false, "sh", &["-c", script])
    }
}

fn fixture() -> Option<Fixture> {
    let (dir, mount) = common::kernel_workdir("notify-", "the notify tests", || None)?;
    let fixture = Fixture { dir, mount };
    fixture.layout(&["out/", "protected/", "protected/existing", "open/"]);
    Some(fixture)
}

fn write_denied(fx: &Fixture, errno: i32) -> Vec<Rule> {
    vec![Rule::new(fx.path("protected"), Access::WRITE, errno)]
}

fn assert_refused(run: &Run, text: &str, path: &Path) {
    assert!(run.output.contains(text), "{:?}", run.output);
    assert!(
        run.denials.iter().any(|d| d.path == path),
        "no denial for {}: {:?}",
        path.display(),
        run.denials
    );
}

#[test]
fn a_write_under_the_protected_directory_fails_with_the_rules_errno() {
    let Some(fx) = fixture() else { return };
    let run = fx.sh(
        &write_denied(&fx, libc::EPERM),
        "echo changed > protected/existing; echo write=$?; echo new > protected/new; echo new=$?",
    );
    println!("{run:?}", run = run.output);
    assert!(run.status.success(), "{}", run.status);
    assert!(run.output.contains("write=2"), "{:?}", run.output);
    assert!(run.output.contains("new=2"), "{:?}", run.output);
    assert_refused(&run, EPERM_TEXT, &fx.path("protected/existing"));
    assert_refused(&run, EPERM_TEXT, &fx.path("protected/new"));
    assert!(!run.output.contains(EACCES_TEXT), "{:?}", run.output);
    let first = &run.denials[0];
    assert_eq!(first.errno, libc::EPERM);
    assert_eq!(first.rule, 0);
    assert_eq!(first.access, Access::WRITE);
    assert!(["open", "openat"].contains(&first.syscall), "{first:?}");
    assert_eq!(
        fs::read_to_string(fx.path("protected/existing")).unwrap(),
        "original\n"
    );
    assert!(!fx.path("protected/new").exists());
}

#[test]
fn reading_the_protected_directory_and_writing_elsewhere_still_work() {
    let Some(fx) = fixture() else { return };
    let run = fx.sh(
        &write_denied(&fx, libc::EPERM),
        "cat protected/existing; echo read=$?; echo ok > open/f; echo other=$?; \
         echo ok > protected2; echo sibling=$?",
    );
    assert!(run.output.contains("original"), "{:?}", run.output);
    assert!(run.output.contains("read=0"), "{:?}", run.output);
    assert!(run.output.contains("other=0"), "{:?}", run.output);
    assert!(run.output.contains("sibling=0"), "{:?}", run.output);
    assert!(run.denials.is_empty(), "{:?}", run.denials);
    assert_eq!(fs::read_to_string(fx.path("open/f")).unwrap(), "ok\n");
}

#[test]
fn relative_paths_dot_dot_and_symbolic_links_into_the_protected_directory_are_caught() {
    let Some(fx) = fixture() else { return };
    std::os::unix::fs::symlink(fx.path("protected"), fx.path("open/link")).unwrap();
    std::os::unix::fs::symlink(fx.path("protected/existing"), fx.path("open/file-link")).unwrap();
    let run = fx.sh(
        &write_denied(&fx, libc::EPERM),
        "(cd protected && echo x > relative); echo relative=$?; \
         echo x > open/../protected/dotdot; echo dotdot=$?; \
         echo x > open/link/via-link; echo link=$?; \
         echo x > open/file-link; echo file-link=$?; \
         echo x > /proc/self/cwd/protected/proc-self; echo proc-self=$?",
    );
    for (label, file) in [
        ("relative", "protected/relative"),
        ("dotdot", "protected/dotdot"),
        ("link", "protected/via-link"),
        ("file-link", "protected/existing"),
        ("proc-self", "protected/proc-self"),
    ] {
        assert!(
            run.output.contains(&format!("{label}=2")),
            "{label}: {:?}",
            run.output
        );
        assert_refused(&run, EPERM_TEXT, &fx.path(file));
    }
    assert!(!run.output.contains(EACCES_TEXT), "{:?}", run.output);
}

#[test]
fn an_openat_relative_to_a_directory_descriptor_is_caught() {
    let Some(fx) = fixture() else { return };
    // A descriptor on the protected directory, and openat relative to it,
    // also through /proc/self/fd.
    let script = "\
import os
d = os.open('protected', os.O_RDONLY | os.O_DIRECTORY)
for name, how in [('dirfd', lambda: os.open('via-dirfd', os.O_WRONLY | os.O_CREAT, dir_fd=d)),
                  ('procfd', lambda: os.open('/proc/self/fd/%d/via-procfd' % d, os.O_WRONLY | os.O_CREAT)),
                  ('read', lambda: os.open('existing', os.O_RDONLY, dir_fd=d))]:
    try:
        how()
        print(name, 'ok')
    except OSError as e:
        print(name, e.strerror)
";
    if !Path::new("/usr/bin/python3").exists() {
        println!("skipped: no /usr/bin/python3");
        return;
    }
    let run = fx.run(
        &write_denied(&fx, libc::EPERM),
        false,
        "/usr/bin/python3",
        &["-c", script],
    );
    assert!(
        run.output.contains(&format!("dirfd {EPERM_TEXT}")),
        "{:?}",
        run.output
    );
    assert!(
        run.output.contains(&format!("procfd {EPERM_TEXT}")),
        "{:?}",
        run.output
    );
    assert!(run.output.contains("read ok"), "{:?}", run.output);
    assert_refused(&run, EPERM_TEXT, &fx.path("protected/via-dirfd"));
    assert_refused(&run, EPERM_TEXT, &fx.path("protected/via-procfd"));
}

#[test]
fn the_errno_is_the_rules_and_landlock_behind_does_not_change_it() {
    let Some(fx) = fixture() else { return };
    let run = fx.run(
        &write_denied(&fx, libc::EACCES),
        false,
        "sh",
        &["-c", "echo x > protected/existing"],
    );
    assert_refused(&run, EACCES_TEXT, &fx.path("protected/existing"));
    // With Landlock denying the same, the supervisor answers first.
    let run = fx.run(
        &write_denied(&fx, libc::EPERM),
        true,
        "sh",
        &[
            "-c",
            "echo x > protected/existing; : > protected/existing; echo ok > open/f",
        ],
    );
    assert_refused(&run, EPERM_TEXT, &fx.path("protected/existing"));
    assert!(!run.output.contains(EACCES_TEXT), "{:?}", run.output);
    assert_eq!(run.denials.len(), 2, "{:?}", run.denials);
}

#[test]
fn truncate_and_reads_are_refused_when_the_rules_say_so() {
    let Some(fx) = fixture() else { return };
    let rules = [
        Rule::new(fx.path("protected"), Access::WRITE, libc::EPERM),
        Rule::new(fx.path("open"), Access::READ, libc::EACCES),
    ];
    fs::write(fx.path("open/secret"), "secret\n").unwrap();
    let run = fx.run(
        &rules,
        false,
        "sh",
        &[
            "-c",
            "truncate -s 0 protected/existing; echo truncate=$?; cat open/secret; echo read=$?; \
             cat protected/existing",
        ],
    );
    assert!(run.output.contains("truncate=1"), "{:?}", run.output);
    assert!(run.output.contains("read=1"), "{:?}", run.output);
    assert!(!run.output.contains("secret\n"), "{:?}", run.output);
    assert!(run.output.contains("original"), "{:?}", run.output);
    let read = run
        .denials
        .iter()
        .find(|d| d.path == fx.path("open/secret"))
        .expect("the read is reported");
    assert_eq!(
        (read.errno, read.rule, read.access),
        (libc::EACCES, 1, Access::READ)
    );
    assert_eq!(
        fs::read_to_string(fx.path("protected/existing")).unwrap(),
        "original\n"
    );
}
