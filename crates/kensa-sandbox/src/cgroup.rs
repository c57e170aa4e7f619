//! cgroup2 plumbing: finding the hierarchy, the cgroup of a process, the id
//! and level a BPF program identifies a cgroup by, and a throwaway cgroup
//! for one command.

use std::fs;
use std::io::{self, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::{Error, Result};

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where the cgroup2 hierarchy is mounted, from `/proc/self/mountinfo`
/// (prefers a mount of the hierarchy's root; on hybrid systems that is
/// usually `/sys/fs/cgroup/unified`, on unified ones `/sys/fs/cgroup`).
pub fn cgroup2_mount() -> Result<PathBuf> {
    let path = Path::new("/proc/self/mountinfo");
    let text = fs::read_to_string(path).map_err(io_error(path))?;
    parse_cgroup2_mount(&text).ok_or(Error::NoCgroup2)
}

/// The mount point of the first cgroup2 mount of the hierarchy's root in a
/// mountinfo text.
fn parse_cgroup2_mount(mountinfo: &str) -> Option<PathBuf> {
    mountinfo.lines().find_map(|line| {
        let (mount, fs) = line.split_once(" - ")?;
        if fs.split(' ').next()? != "cgroup2" {
            return None;
        }
        let mut fields = mount.split(' ');
        let root = fields.nth(3)?;
        let point = fields.next()?;
        (root == "/").then(|| PathBuf::from(unescape_mountinfo(point)))
    })
}

/// Undoes mountinfo's octal escapes (`\040` for a space, and so on).
fn unescape_mountinfo(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && let Some(code) = field
                .get(i + 1..i + 4)
                .and_then(|octal| u8::from_str_radix(octal, 8).ok())
        {
            out.push(code);
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A process's cgroup2 path relative to the hierarchy's root (the `0::`
/// line of `/proc/PID/cgroup`). `pid` is a process id or `self`.
pub fn relative_cgroup_of(pid: &str) -> Result<PathBuf> {
    let path = PathBuf::from(format!("/proc/{pid}/cgroup"));
    let text = fs::read_to_string(&path).map_err(io_error(&path))?;
    text.lines()
        .find_map(|line| line.strip_prefix("0::"))
        .map(PathBuf::from)
        .ok_or_else(|| Error::NotInCgroup2 {
            pid: pid.to_string(),
        })
}

/// A cgroup2 directory as a BPF program identifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// Its cgroup id (the directory's inode number).
    pub id: u64,
    /// Its depth below the hierarchy's root (the root is 0), the ancestor
    /// level `bpf_get_current_ancestor_cgroup_id` compares at.
    pub level: u32,
}

/// The id and level of `dir`, a directory of the cgroup2 hierarchy mounted
/// at `mount`.
pub fn target(mount: &Path, dir: &Path) -> Result<Target> {
    let not_a_cgroup = || Error::NotACgroup {
        path: dir.to_path_buf(),
    };
    let relative = dir.strip_prefix(mount).map_err(|_| not_a_cgroup())?;
    if !dir.join("cgroup.procs").is_file() {
        return Err(not_a_cgroup());
    }
    let level = relative
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .count() as u32;
    let id = fs::metadata(dir).map_err(io_error(dir))?.ino();
    Ok(Target { id, level })
}

/// Resolves what the user called a cgroup: a directory of the mounted
/// hierarchy, or a path relative to its root (`/kubepods/...`, as
/// `/proc/PID/cgroup` prints it).
pub fn resolve(mount: &Path, path: &Path) -> PathBuf {
    if path.starts_with(mount) {
        return path.to_path_buf();
    }
    let relative: PathBuf = path
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect();
    mount.join(relative)
}

/// A cgroup made for one command, removed when dropped (its leftover
/// processes, which the command started, are killed first: a cgroup with
/// processes cannot be removed).
#[derive(Debug)]
pub struct RunCgroup {
    path: PathBuf,
}

impl RunCgroup {
    /// Creates a fresh cgroup named `PREFIX-PID-N` (this process's id and a
    /// counter) under the current process's own cgroup, or under the
    /// hierarchy's root when that is not writable. The prefix tells whose
    /// cgroup it is to someone looking at the hierarchy (`kensa-record`,
    /// `kensa-run`).
    pub fn create(mount: &Path, prefix: &str) -> Result<Self> {
        if prefix.is_empty() || prefix.contains(['/', '\0']) {
            return Err(Error::InvalidPrefix(prefix.to_string()));
        }
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "{prefix}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let own = relative_cgroup_of("self").map(|relative| resolve(mount, &relative));
        let mut first_error = None;
        for parent in own.into_iter().chain([mount.to_path_buf()]) {
            let path = parent.join(&name);
            match fs::create_dir(&path) {
                Ok(()) => return Ok(Self { path }),
                Err(error) => {
                    first_error.get_or_insert((path, error));
                }
            }
        }
        let (path, source) = first_error.unwrap_or_else(|| {
            (
                mount.join(&name),
                io::Error::from(io::ErrorKind::PermissionDenied),
            )
        });
        Err(Error::Io { path, source })
    }

    /// The cgroup's directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the directory, for `clone3(CLONE_INTO_CGROUP)`.
    pub fn directory(&self) -> Result<OwnedFd> {
        use std::os::unix::fs::OpenOptionsExt;
        fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY)
            .open(&self.path)
            .map(OwnedFd::from)
            .map_err(io_error(&self.path))
    }

    /// Opens `cgroup.procs` for writing: a process that writes `0` to it
    /// moves itself into the cgroup.
    pub fn procs(&self) -> Result<fs::File> {
        let path = self.path.join("cgroup.procs");
        fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(io_error(&path))
    }

    /// Kills what is left in the cgroup and removes it.
    pub fn remove(&self) -> Result<()> {
        if self.populated() {
            // cgroup.kill (Linux 5.14) SIGKILLs every process inside; all of
            // them descend from the command this cgroup was made for.
            let kill = self.path.join("cgroup.kill");
            if let Ok(mut file) = fs::OpenOptions::new().write(true).open(&kill) {
                let _ = file.write_all(b"1");
            }
            let deadline = Instant::now() + Duration::from_secs(2);
            while self.populated() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        fs::remove_dir(&self.path).map_err(io_error(&self.path))
    }

    /// Whether any process is still in the cgroup (`cgroup.events`).
    fn populated(&self) -> bool {
        fs::read_to_string(self.path.join("cgroup.events"))
            .map(|events| events.lines().any(|line| line == "populated 1"))
            .unwrap_or(false)
    }
}

impl Drop for RunCgroup {
    fn drop(&mut self) {
        if self.path.exists() {
            let _ = self.remove();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_cgroup2_mount_of_a_hybrid_system() {
        let mountinfo = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";
        assert_eq!(
            parse_cgroup2_mount(mountinfo),
            Some(PathBuf::from("/sys/fs/cgroup/unified"))
        );
    }

    #[test]
    fn skips_bind_mounts_of_a_sub_cgroup_and_unescapes() {
        let mountinfo = "\
50 23 0:38 /kubepods /mnt/pods rw - cgroup2 cgroup2 rw
51 23 0:38 / /mnt/cgroup\\040two rw - cgroup2 cgroup2 rw
";
        assert_eq!(
            parse_cgroup2_mount(mountinfo),
            Some(PathBuf::from("/mnt/cgroup two"))
        );
        assert_eq!(
            parse_cgroup2_mount("1 2 0:1 / / rw - ext4 /dev/x rw\n"),
            None
        );
    }

    #[test]
    fn resolves_relative_and_mounted_paths() {
        let mount = Path::new("/sys/fs/cgroup");
        assert_eq!(
            resolve(mount, Path::new("/kubepods/pod1")),
            PathBuf::from("/sys/fs/cgroup/kubepods/pod1")
        );
        assert_eq!(
            resolve(mount, Path::new("/sys/fs/cgroup/a")),
            PathBuf::from("/sys/fs/cgroup/a")
        );
    }

    #[test]
    fn rejects_prefixes_that_are_not_names() {
        for prefix in ["", "a/b", "../x", "nul\0"] {
            assert!(
                matches!(
                    RunCgroup::create(Path::new("/nonexistent"), prefix),
                    Err(Error::InvalidPrefix(_))
                ),
                "{prefix:?}"
            );
        }
    }
}
