//! What the sandbox's kernel tests share: whether this machine can run
//! them, and a fresh directory for one test.

use std::fs;
use std::path::PathBuf;

/// A fresh directory under Cargo's per-target temporary directory (not the
/// shared `/tmp`, where other jobs come and go) and the cgroup2 mount; or
/// `None`, with a printed line, where the tests cannot run (root, cgroup2,
/// or `unavailable` from the caller's own check). Under `CI=true` that is a
/// failure instead.
pub fn kernel_workdir(
    prefix: &str,
    what: &str,
    unavailable: impl FnOnce() -> Option<String>,
) -> Option<(tempfile::TempDir, PathBuf)> {
    let missing = if !is_root() {
        "not root".to_string()
    } else if let Some(reason) = unavailable() {
        reason
    } else {
        match kensa_sandbox::cgroup::cgroup2_mount() {
            Err(error) => error.to_string(),
            Ok(mount) => {
                let dir = tempfile::Builder::new()
                    .prefix(prefix)
                    .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
                    .expect("tempdir");
                return Some((dir, mount));
            }
        }
    };
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("cannot run {what} on this machine: {missing}");
    }
    println!("skipped: cannot run {what} on this machine: {missing}");
    None
}

fn is_root() -> bool {
    fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|line| line.strip_prefix("Uid:"))
            .and_then(|uids| uids.split_whitespace().nth(1))
            == Some("0")
    })
}
