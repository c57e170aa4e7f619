//! Commands started in a cgroup of their own under Landlock rulesets, on
//! the real kernel. Needs root, cgroup2 and Landlock (a developer machine or
//! CI runner like this one): skipped with a printed line when any is
//! missing, and failing under `CI=true`. Every ruleset restricts only the
//! children these tests start; the test process itself stays unrestricted.
//!
//! The directories live under Cargo's per-target temporary directory, so
//! building a ruleset lists the directories down to it and not the shared
//! `/tmp`, where other jobs come and go.

mod common;

use std::ffi::{OsStr, OsString};
use std::fs;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::atomic::{AtomicU32, Ordering};

use kensa_sandbox::cgroup::RunCgroup;
use kensa_sandbox::landlock::{Access, DenyRule, Ruleset, abi_version, ruleset};
use kensa_sandbox::spawn::{SpawnOptions, Spawned, spawn_into_cgroup, wait};
use kensa_sandbox::{ChildStep, Error};

/// What a test works in: a fresh directory with `out/` for the children's
/// output, and the cgroup2 mount.
struct Fixture {
    dir: tempfile::TempDir,
    mount: PathBuf,
}

impl Fixture {
    fn base(&self) -> &Path {
        self.dir.path()
    }

    /// Creates directories and files (`name/` for a directory) under the
    /// base.
    fn layout(&self, entries: &[&str]) {
        for entry in entries {
            let path = self.base().join(entry);
            if entry.ends_with('/') {
                fs::create_dir_all(&path).expect("mkdir");
            } else {
                fs::write(&path, format!("content of {entry}\n")).expect("write");
            }
        }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.base().join(relative)
    }

    /// Denies `access` under each relative path.
    fn deny(&self, rules: &[(&str, Access)]) -> Ruleset {
        let rules: Vec<DenyRule> = rules
            .iter()
            .map(|(path, access)| DenyRule::new(self.path(path), *access))
            .collect();
        ruleset(&rules).expect("ruleset")
    }

    /// Runs `sh -c script` in the base directory, in a cgroup of its own,
    /// under `rules`, with stdout and stderr in one file under `out/`
    /// (created before any ruleset, so writable by every child).
    fn sh(&self, rules: Option<&Ruleset>, script: &str) -> Run {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let log = self
            .path("out")
            .join(NEXT.fetch_add(1, Ordering::Relaxed).to_string());
        let script = format!(
            "cd '{}' || exit 99\nexec >'{}' 2>&1 </dev/null || exit 98\n{script}",
            self.base().display(),
            log.display()
        );
        let args = [OsString::from("-c"), OsString::from(script)];
        let (status, cgroup) = self
            .spawn(OsStr::new("/bin/sh"), &args, rules)
            .expect("spawn");
        let output = fs::read_to_string(&log).unwrap_or_default();
        Run {
            status,
            output,
            cgroup,
        }
    }

    /// Starts a command in a fresh cgroup and waits for it; returns its exit
    /// status and the cgroup's path relative to the hierarchy's root.
    fn spawn(
        &self,
        program: &OsStr,
        args: &[OsString],
        rules: Option<&Ruleset>,
    ) -> Result<(ExitStatus, String), Error> {
        let run = RunCgroup::create(&self.mount, "kensa-sandbox-test")?;
        let options = SpawnOptions {
            landlock: rules.map(AsFd::as_fd),
            ..SpawnOptions::default()
        };
        let directory = run.directory()?;
        match spawn_into_cgroup(program, args, directory.as_fd(), &options)? {
            Spawned::Child(pid) => {
                let status = wait(pid).expect("wait");
                let relative = run.path().strip_prefix(&self.mount).expect("under mount");
                Ok((status, format!("/{}", relative.display())))
            }
            Spawned::Fallback => panic!("this kernel has clone3(CLONE_INTO_CGROUP)"),
        }
    }
}

struct Run {
    status: ExitStatus,
    output: String,
    cgroup: String,
}

/// A fixture, or `None` (with a printed line) where this machine cannot run
/// these tests.
fn fixture() -> Option<Fixture> {
    let (dir, mount) = common::kernel_workdir("sandbox-", "the sandbox tests", || {
        abi_version().err().map(|error| error.to_string())
    })?;
    let fixture = Fixture { dir, mount };
    fixture.layout(&["out/"]);
    Some(fixture)
}

/// Runs each `script` and checks its exit status (success or not) and that
/// its output contains `expected`.
fn check(fixture: &Fixture, rules: &Ruleset, cases: &[(&str, bool, &str)]) {
    for (script, succeeds, expected) in cases {
        let run = fixture.sh(Some(rules), script);
        println!("{script}: {}: {:?}", run.status, run.output);
        assert_eq!(
            run.status.success(),
            *succeeds,
            "{script}: {} {:?}",
            run.status,
            run.output
        );
        assert!(
            run.output.contains(expected),
            "{script}: {:?} lacks {expected:?}",
            run.output
        );
    }
}

const DENIED: &str = "Permission denied";

#[test]
fn writing_under_a_write_denied_directory_fails_and_elsewhere_works() {
    let Some(fx) = fixture() else { return };
    fx.layout(&[
        "protected/",
        "protected/existing",
        "open/",
        "open/existing",
        "open/f",
        "open2/",
    ]);
    let rules = fx.deny(&[("protected", Access::WRITE)]);

    let run = fx.sh(Some(&rules), "echo x > protected/x");
    assert!(!run.status.success(), "{}", run.status);
    assert!(run.output.contains(DENIED), "{:?}", run.output);
    assert!(!fx.path("protected/x").exists());

    check(
        &fx,
        &rules,
        &[
            ("echo x > open/x && cat open/x", true, "x"),
            (
                "cat protected/existing",
                true,
                "content of protected/existing",
            ),
            ("echo x >> protected/existing", false, DENIED),
            ("truncate -s 0 protected/existing", false, DENIED),
            ("rm protected/existing", false, DENIED),
            ("mkdir protected/d", false, DENIED),
            ("ln -s /etc protected/link", false, DENIED),
            ("mv protected/existing protected/renamed", false, DENIED),
            ("mv open/f protected/f", false, DENIED),
            ("truncate -s 0 open/existing && rm open/existing", true, ""),
            // A rename and a hard link into another directory (REFER).
            ("ln open/f open2/f && mv open/f open2/g", true, ""),
            ("mkdir open/d && rmdir open/d", true, ""),
        ],
    );
    // truncate(2) by path opens nothing: only TRUNCATE (ABI 3) denies it.
    if Path::new("/usr/bin/perl").exists() {
        let truncate =
            |path: &str| format!("perl -e 'truncate(\"{path}\", 0) or die \"truncate: $!\\n\"'");
        check(
            &fx,
            &rules,
            &[
                (&truncate("protected/existing"), false, DENIED),
                (&truncate("open2/f"), true, ""),
            ],
        );
    }
    assert_eq!(
        fs::read_to_string(fx.path("protected/existing")).expect("still there"),
        "content of protected/existing\n"
    );

    // The ruleset restricts only the children that applied it.
    fs::write(fx.path("protected/from-the-test"), "y").expect("the test process writes");
    fs::remove_file(fx.path("protected/from-the-test")).expect("and removes");
}

#[test]
fn reading_under_a_read_denied_directory_fails_and_elsewhere_works() {
    let Some(fx) = fixture() else { return };
    fx.layout(&[
        "secret/",
        "secret/file",
        "secret/sub/",
        "open/",
        "open/file",
    ]);
    let rules = fx.deny(&[("secret", Access::READ)]);
    check(
        &fx,
        &rules,
        &[
            ("cat secret/file", false, DENIED),
            ("ls secret", false, DENIED),
            ("ls secret/sub", false, DENIED),
            ("cat open/file", true, "content of open/file"),
            ("cat /etc/passwd /proc/self/status >/dev/null", true, ""),
            // Writing is not denied.
            ("echo new > secret/new && rm secret/file", true, ""),
            // Linking it out to where it could be read: the kernel refuses
            // a link or rename that gains rights, with EXDEV.
            ("ln secret/new open/new", false, "Invalid cross-device link"),
        ],
    );
    assert_eq!(
        fs::read_to_string(fx.path("secret/new")).expect("the test process reads"),
        "new\n"
    );
}

#[test]
fn the_child_runs_in_its_own_cgroup() {
    let Some(fx) = fixture() else { return };
    fx.layout(&["protected/"]);
    let rules = fx.deny(&[("protected", Access::WRITE)]);
    for rules in [None, Some(&rules)] {
        let run = fx.sh(rules, "cat /proc/self/cgroup");
        assert!(run.status.success(), "{} {:?}", run.status, run.output);
        let own = run
            .output
            .lines()
            .find_map(|line| line.strip_prefix("0::"))
            .unwrap_or_else(|| panic!("no 0:: line in {:?}", run.output));
        assert_eq!(own, run.cgroup);
        assert!(own.contains("/kensa-sandbox-test-"), "{own}");
    }
    let ours = fs::read_to_string("/proc/self/cgroup").expect("own cgroup");
    assert!(!ours.contains("kensa-sandbox-test-"), "{ours}");
}

#[test]
fn denials_of_different_access_under_siblings_compose() {
    let Some(fx) = fixture() else { return };
    fx.layout(&["a/b/", "a/b/file", "a/c/", "a/c/file", "a/d/", "a/d/file"]);
    let rules = fx.deny(&[("a/b", Access::WRITE), ("a/c", Access::READ)]);
    check(
        &fx,
        &rules,
        &[
            ("echo x > a/b/new", false, DENIED),
            ("cat a/b/file", true, "content of a/b/file"),
            ("cat a/c/file", false, DENIED),
            ("echo x > a/c/new", true, ""),
            (
                "cat a/d/file && echo x > a/d/new",
                true,
                "content of a/d/file",
            ),
            // `a` leads to both: neither listing it nor creating in it.
            ("ls a", false, DENIED),
            ("echo x > a/new", false, DENIED),
        ],
    );
}

#[test]
fn a_denied_path_inside_another_adds_to_its_denial() {
    let Some(fx) = fixture() else { return };
    fx.layout(&[
        "w/",
        "w/file",
        "w/r/",
        "w/r/file",
        "w/other/",
        "w/other/file",
    ]);
    let rules = fx.deny(&[("w", Access::WRITE), ("w/r", Access::READ)]);
    check(
        &fx,
        &rules,
        &[
            ("cat w/file w/other/file", true, "content of w/other/file"),
            ("echo x > w/other/new", false, DENIED),
            ("cat w/r/file", false, DENIED),
            ("echo x > w/r/new", false, DENIED),
        ],
    );
}

#[test]
fn a_denied_file_is_denied_and_its_neighbours_are_not() {
    let Some(fx) = fixture() else { return };
    fx.layout(&["dir/", "dir/config", "dir/other"]);
    let rules = fx.deny(&[("dir/config", Access::WRITE)]);
    check(
        &fx,
        &rules,
        &[
            ("echo x > dir/config", false, DENIED),
            ("cat dir/config", true, "content of dir/config"),
            ("rm dir/config", false, DENIED),
            ("echo x >> dir/other && cat dir/other", true, "x"),
        ],
    );
}

#[test]
fn executing_under_an_execute_denied_directory_is_an_exec_error() {
    let Some(fx) = fixture() else { return };
    fx.layout(&["bin/", "open/"]);
    for dir in ["bin", "open"] {
        fs::copy("/bin/true", fx.path(dir).join("true")).expect("copy true");
    }
    let rules = fx.deny(&[("bin", Access::EXECUTE)]);

    let program = fx.path("bin/true");
    match fx.spawn(program.as_os_str(), &[], Some(&rules)) {
        Err(Error::Spawn {
            program: name,
            source,
        }) => {
            assert_eq!(source.raw_os_error(), Some(libc::EACCES), "{source}");
            assert!(name.ends_with("bin/true"), "{name}");
        }
        other => panic!("expected an exec error, got {other:?}"),
    }
    let program = fx.path("open/true");
    let (status, _) = fx
        .spawn(program.as_os_str(), &[], Some(&rules))
        .expect("spawn");
    assert!(status.success(), "{status}");
    check(
        &fx,
        &rules,
        &[
            ("bin/true", false, DENIED),
            ("cat bin/true >/dev/null", true, ""),
        ],
    );
}

#[test]
fn a_failed_restriction_is_reported_and_the_command_never_runs() {
    let Some(fx) = fixture() else { return };
    let not_a_ruleset = fs::File::open(fx.base()).expect("open base");
    let marker = fx.path("ran");
    let run = RunCgroup::create(&fx.mount, "kensa-sandbox-test").expect("cgroup");
    let options = SpawnOptions {
        landlock: Some(not_a_ruleset.as_fd()),
        ..SpawnOptions::default()
    };
    let args = [OsString::from(&marker)];
    let result = spawn_into_cgroup(
        OsStr::new("touch"),
        &args,
        run.directory().expect("directory").as_fd(),
        &options,
    );
    match result {
        Err(
            ref error @ Error::Confine {
                step: ChildStep::LandlockRestrictSelf,
                ref source,
                ..
            },
        ) => {
            assert_eq!(source.raw_os_error(), Some(libc::EBADFD), "{error}");
            assert!(
                error.to_string().contains("landlock_restrict_self"),
                "{error}"
            );
        }
        other => panic!("expected a confinement error, got {other:?}"),
    }
    assert!(!marker.exists());
}

#[test]
fn rules_cover_the_entries_there_were_when_the_ruleset_was_built() {
    let Some(fx) = fixture() else { return };
    fx.layout(&["protected/", "open/"]);
    let rules = fx.deny(&[("protected", Access::WRITE)]);
    // After the ruleset: in the base (an ancestor of `protected`) and in
    // `open` (a sibling, whose rule covers what is created in it later).
    fx.layout(&["late", "open/late"]);
    check(
        &fx,
        &rules,
        &[
            ("echo x > late", false, DENIED),
            ("cat late", true, "content of late"),
            ("echo x > open/late", true, ""),
        ],
    );
    // The rules are on the directories, not on their places: moved into a
    // sibling, the denied directory is writable like the sibling.
    fs::write(fx.path("protected/file"), "").expect("write");
    fs::rename(fx.path("protected"), fx.path("open/protected")).expect("move");
    check(&fx, &rules, &[("echo x > open/protected/file", true, "")]);
}

#[test]
fn a_missing_path_is_an_error_naming_it() {
    let Some(fx) = fixture() else { return };
    let missing = fx.path("no/such/dir");
    let error = ruleset(&[DenyRule::new(&missing, Access::WRITE)]).expect_err("missing path");
    assert!(
        matches!(&error, Error::DenyPath { path, .. } if *path == missing),
        "{error:?}"
    );
    assert!(
        error.to_string().contains(&*missing.to_string_lossy()),
        "{error}"
    );
    assert!(matches!(
        ruleset(&[DenyRule::new(fx.base(), Access::NONE)]),
        Err(Error::NothingToDeny)
    ));
}

#[test]
fn the_ruleset_knows_the_kernel_abi() {
    let Some(fx) = fixture() else { return };
    let abi = abi_version().expect("abi");
    println!("Landlock ABI {abi}");
    assert!(abi >= 1);
    fx.layout(&["p/"]);
    assert_eq!(fx.deny(&[("p", Access::ALL)]).abi(), abi);
}
