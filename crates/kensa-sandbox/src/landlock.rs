//! A Landlock ruleset that denies file access under given paths and allows
//! everything else.
//!
//! Landlock only allows: a ruleset *handles* access rights, and a handled
//! right is denied wherever no rule grants it. A rule grants rights on a
//! file, or on a directory and everything beneath it, and what is granted
//! on a directory cannot be taken back below it. So "deny ACCESS under P"
//! becomes: handle ACCESS, and grant it on every entry of every ancestor
//! directory of P except the one leading to P (the *siblings* along the
//! path from `/` to P). Everything outside P is then beneath a sibling,
//! except the ancestor directories themselves. Several deny rules compose:
//! each path gets every handled right that no deny rule above or at it
//! takes away, and a directory on the way to a denied path gets only what
//! no deny rule above, at or below it takes away (see [`ruleset`]).
//!
//! What each [`Access`] handles (rights the running kernel's ABI does not
//! know are left out):
//!
//! - [`Access::READ`]: `READ_FILE` and `READ_DIR` (opening a file for
//!   reading, listing a directory).
//! - [`Access::WRITE`]: `WRITE_FILE` (opening for writing), `TRUNCATE` (ABI
//!   3; `truncate(2)` and `O_TRUNC`), `MAKE_REG`, `MAKE_DIR`, `MAKE_SYM`,
//!   `MAKE_FIFO`, `MAKE_SOCK`, `MAKE_CHAR`, `MAKE_BLOCK` (creating, also as
//!   the target of a rename or link) and `REMOVE_FILE`, `REMOVE_DIR`
//!   (unlinking, also as the source of a rename). These are checked on the
//!   directory an entry is created in or removed from, so P itself cannot
//!   be removed or renamed either (its parent is an ancestor).
//! - [`Access::EXECUTE`]: `EXECUTE` (`execve` of a file).
//!
//! `REFER` (ABI 2, renaming or linking into another directory) is handled
//! by every ruleset and granted on `/`: every Landlock ruleset denies it
//! unless a rule grants it, so without that grant a cross-directory
//! `rename(2)` or `link(2)` would fail (`EXDEV`) anywhere, not only under
//! the denied paths. With it, the kernel still refuses (`EXDEV`) to move or
//! link a file to where it would have more rights, so nothing escapes a
//! denied path that way. On ABI 1 reparenting is always denied.
//!
//! Known limits:
//!
//! - The ancestor directories of a denied path get no handled right that
//!   any denied path below them loses: with READ denied under
//!   `/srv/data/secret`, `/`, `/srv` and `/srv/data` cannot be listed; with
//!   WRITE denied, nothing can be created in, removed from or renamed
//!   within them.
//! - The rules attach to the entries (inodes) that exist when [`ruleset`]
//!   runs, not to names. An entry created later in an ancestor directory
//!   is beneath no sibling's rule, so it is *denied* too: it has only what
//!   its directory keeps, which excludes everything denied below that
//!   directory (with WRITE denied under `/srv/data/secret`, a file created
//!   later in `/srv/data` cannot be written). The same holds for an entry
//!   removed and recreated. Entries created later inside a sibling are
//!   covered by the sibling's rule. A denied directory that another
//!   process moves into a sibling takes along only its own rule, which
//!   grants none of what it denies, so it gets the rights of its new place.
//! - Landlock restricts paths, not files: a hard link made beforehand
//!   outside P reaches the same file with the rights of its own place.
//! - A denial is `EACCES` ("Permission denied"), or `EXDEV` for a rename
//!   or link that would give a file more rights; the caller cannot choose
//!   the errno.
//! - Landlock cannot restrict some operations at all, whatever is handled:
//!   `stat`, `chmod`, `chown`, `setxattr`, `utime`, `chdir`, and on ABI 1
//!   and 2 truncating with `truncate(2)`.
//!
//! The ruleset restricts no one until a process applies it to itself
//! ([`restrict_self`], or [`crate::spawn::SpawnOptions::landlock`] for a
//! spawned child); a restriction cannot be undone and is inherited by the
//! process's children.

#![allow(unsafe_code)]

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::io;
use std::ops::{BitOr, BitOrAssign, Sub};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

// From <linux/landlock.h>.
const CREATE_RULESET_VERSION: libc::c_long = 1 << 0;
const RULE_PATH_BENEATH: libc::c_long = 1;

const FS_EXECUTE: u64 = 1 << 0;
const FS_WRITE_FILE: u64 = 1 << 1;
const FS_READ_FILE: u64 = 1 << 2;
const FS_READ_DIR: u64 = 1 << 3;
const FS_REMOVE_DIR: u64 = 1 << 4;
const FS_REMOVE_FILE: u64 = 1 << 5;
const FS_MAKE_CHAR: u64 = 1 << 6;
const FS_MAKE_DIR: u64 = 1 << 7;
const FS_MAKE_REG: u64 = 1 << 8;
const FS_MAKE_SOCK: u64 = 1 << 9;
const FS_MAKE_FIFO: u64 = 1 << 10;
const FS_MAKE_BLOCK: u64 = 1 << 11;
const FS_MAKE_SYM: u64 = 1 << 12;
/// ABI 2.
const FS_REFER: u64 = 1 << 13;
/// ABI 3.
const FS_TRUNCATE: u64 = 1 << 14;

/// The rights a rule on something other than a directory may grant; the
/// kernel refuses a rule on a file that grants more (`EINVAL`).
const FILE_RIGHTS: u64 = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE;

/// `struct landlock_ruleset_attr` up to `handled_access_fs`, all this crate
/// handles: the kernel accepts a shorter struct than its own and reads the
/// missing fields (network rights, scopes) as zero.
#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
}

/// `struct landlock_path_beneath_attr`, packed in the kernel's header too.
#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

/// A set of kinds of file access, combined with `|`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Access(u8);

impl Access {
    /// No access.
    pub const NONE: Self = Self(0);
    /// Reading files and listing directories.
    pub const READ: Self = Self(1 << 0);
    /// Writing, truncating, creating, removing and renaming files and
    /// directories.
    pub const WRITE: Self = Self(1 << 1);
    /// Executing files.
    pub const EXECUTE: Self = Self(1 << 2);
    /// All of the above.
    pub const ALL: Self = Self(Self::READ.0 | Self::WRITE.0 | Self::EXECUTE.0);

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every kind in `other` is in this set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The Landlock rights these kinds stand for, as far as kernel ABI
    /// `abi` knows them.
    fn rights(self, abi: u32) -> u64 {
        let mut rights = 0;
        if self.contains(Self::READ) {
            rights |= FS_READ_FILE | FS_READ_DIR;
        }
        if self.contains(Self::WRITE) {
            rights |= FS_WRITE_FILE
                | FS_REMOVE_DIR
                | FS_REMOVE_FILE
                | FS_MAKE_CHAR
                | FS_MAKE_DIR
                | FS_MAKE_REG
                | FS_MAKE_SOCK
                | FS_MAKE_FIFO
                | FS_MAKE_BLOCK
                | FS_MAKE_SYM;
            if abi >= 3 {
                rights |= FS_TRUNCATE;
            }
        }
        if self.contains(Self::EXECUTE) {
            rights |= FS_EXECUTE;
        }
        rights
    }
}

impl BitOr for Access {
    type Output = Self;
    fn bitor(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

impl BitOrAssign for Access {
    fn bitor_assign(&mut self, other: Self) {
        self.0 |= other.0;
    }
}

/// The kinds in `self` that are not in `other`.
impl Sub for Access {
    type Output = Self;
    fn sub(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }
}

impl fmt::Debug for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = [
            (Self::READ, "READ"),
            (Self::WRITE, "WRITE"),
            (Self::EXECUTE, "EXECUTE"),
        ]
        .into_iter()
        .filter(|(kind, _)| self.contains(*kind))
        .map(|(_, name)| name)
        .collect();
        if names.is_empty() {
            f.write_str("Access(NONE)")
        } else {
            write!(f, "Access({})", names.join(" | "))
        }
    }
}

/// Access to deny beneath a path (a directory and everything in it, or a
/// single file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenyRule {
    /// The path; it must exist. Symbolic links in it are resolved, so the
    /// rule covers what it points to.
    pub path: PathBuf,
    /// What to deny.
    pub access: Access,
}

impl DenyRule {
    /// Denies `access` beneath `path`.
    pub fn new(path: impl Into<PathBuf>, access: Access) -> Self {
        Self {
            path: path.into(),
            access,
        }
    }
}

/// A Landlock ruleset, ready for [`restrict_self`] or
/// [`crate::spawn::SpawnOptions::landlock`]. Its descriptor is close-on-exec.
#[derive(Debug)]
pub struct Ruleset {
    fd: OwnedFd,
    abi: u32,
}

impl Ruleset {
    /// The kernel's Landlock ABI version the ruleset was built for.
    pub fn abi(&self) -> u32 {
        self.abi
    }
}

impl AsFd for Ruleset {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// The kernel's Landlock ABI version (1 on Linux 5.13; each version adds
/// rights or features).
pub fn abi_version() -> Result<u32> {
    // SAFETY: with a null attribute and size 0 the kernel reads no memory;
    // the call only reports the version.
    let version = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<RulesetAttr>(),
            0 as libc::size_t,
            CREATE_RULESET_VERSION,
        )
    };
    if version < 0 {
        return Err(Error::LandlockUnavailable(io::Error::last_os_error()));
    }
    Ok(version as u32)
}

/// Builds a ruleset that denies each rule's access beneath its path and
/// allows everything else (see the module's documentation for how, and
/// what it cannot cover). Rules may overlap and nest; a path gets the
/// union of the denials of every rule at or above it.
///
/// Errors: [`Error::LandlockUnavailable`] without Landlock,
/// [`Error::NothingToDeny`] when the rules deny no access,
/// [`Error::DenyPath`] for a path that cannot be resolved (one that does
/// not exist), [`Error::Io`] for an ancestor directory that cannot be
/// listed or an entry that cannot be opened.
pub fn ruleset(rules: &[DenyRule]) -> Result<Ruleset> {
    let abi = abi_version()?;
    let denied = rules
        .iter()
        .filter(|rule| !rule.access.is_empty())
        .map(|rule| {
            fs::canonicalize(&rule.path)
                .map(|path| (path, rule.access))
                .map_err(|source| Error::DenyPath {
                    path: rule.path.clone(),
                    source,
                })
        })
        .collect::<Result<Vec<_>>>()?;
    if denied.is_empty() {
        return Err(Error::NothingToDeny);
    }
    let all = denied
        .iter()
        .fold(Access::NONE, |all, (_, access)| all | *access);
    let refer = if abi >= 2 { FS_REFER } else { 0 };
    let ruleset = create(all.rights(abi) | refer, abi)?;

    let grants =
        plan(&denied, list_directory).map_err(|(path, source)| Error::Io { path, source })?;
    for grant in grants {
        ruleset.allow(&grant.path, grant.access.rights(abi))?;
    }
    if refer != 0 {
        ruleset.allow(Path::new("/"), refer)?;
    }
    Ok(ruleset)
}

fn create(handled_access_fs: u64, abi: u32) -> Result<Ruleset> {
    let attr = RulesetAttr { handled_access_fs };
    // SAFETY: the kernel reads `size_of::<RulesetAttr>()` bytes from a live
    // struct of that size and returns a new descriptor, or -1.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            &attr as *const RulesetAttr,
            std::mem::size_of::<RulesetAttr>(),
            0 as libc::c_long,
        )
    };
    if fd < 0 {
        return Err(Error::LandlockRuleset(io::Error::last_os_error()));
    }
    // SAFETY: a new descriptor (close-on-exec) nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(fd as RawFd) };
    Ok(Ruleset { fd, abi })
}

impl Ruleset {
    /// Adds a rule granting `rights` beneath `path`. Symbolic links get no
    /// rule: the kernel checks the path a link resolves to, which has its
    /// own place among the rules. Entries gone since they were listed get
    /// none either (which denies their replacement, if any).
    fn allow(&self, path: &Path, rights: u64) -> Result<()> {
        let file = match fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_PATH | libc::O_NOFOLLOW)
            .open(path)
        {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(source) => {
                return Err(Error::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        // The type of what was opened, not of what was listed: an entry
        // replaced by a symbolic link in between must not get a rule.
        let kind = file
            .metadata()
            .map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })?
            .file_type();
        let rights = if kind.is_dir() {
            rights
        } else if kind.is_symlink() {
            0
        } else {
            rights & FILE_RIGHTS
        };
        if rights == 0 {
            return Ok(());
        }
        let attr = PathBeneathAttr {
            allowed_access: rights,
            parent_fd: file.as_raw_fd(),
        };
        // SAFETY: the kernel reads the packed attribute struct from a live
        // value; both descriptors are open for the duration of the call.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_landlock_add_rule,
                self.fd.as_raw_fd() as libc::c_long,
                RULE_PATH_BENEATH,
                &attr as *const PathBeneathAttr,
                0 as libc::c_long,
            )
        };
        if rc != 0 {
            return Err(Error::LandlockRule {
                path: path.to_path_buf(),
                source: io::Error::last_os_error(),
            });
        }
        Ok(())
    }
}

/// Restricts the calling thread, and what it later starts, with the ruleset
/// open as `ruleset`: sets `no_new_privs`, then `landlock_restrict_self`.
/// Async-signal-safe (no allocation), so it can run in a
/// `std::os::unix::process::CommandExt::pre_exec` hook. It affects only the
/// calling thread, so call it in a child, not in a multi-threaded process
/// that must stay unrestricted.
pub fn restrict_self(ruleset: BorrowedFd<'_>) -> io::Result<()> {
    if sys_no_new_privs() != 0 || sys_restrict_self(ruleset.as_raw_fd()) != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)` as a bare system call (0, or -1
/// with errno set), for the child between fork and exec.
pub(crate) fn sys_no_new_privs() -> libc::c_long {
    // SAFETY: takes no pointers; it only sets a flag of the calling thread.
    unsafe {
        libc::syscall(
            libc::SYS_prctl,
            libc::PR_SET_NO_NEW_PRIVS as libc::c_long,
            1 as libc::c_long,
            0 as libc::c_long,
            0 as libc::c_long,
            0 as libc::c_long,
        )
    }
}

/// `landlock_restrict_self(ruleset, 0)` as a bare system call (0, or -1
/// with errno set), for the child between fork and exec.
pub(crate) fn sys_restrict_self(ruleset: RawFd) -> libc::c_long {
    // SAFETY: takes no pointers; a descriptor that is not a ruleset is an
    // error (EBADF, EBADFD), not undefined behaviour.
    unsafe {
        libc::syscall(
            libc::SYS_landlock_restrict_self,
            ruleset as libc::c_long,
            0 as libc::c_long,
        )
    }
}

/// The names in directory `path`.
fn list_directory(path: &Path) -> io::Result<Vec<OsString>> {
    fs::read_dir(path)?
        .map(|entry| entry.map(|entry| entry.file_name()))
        .collect()
}

/// Access to grant beneath a path.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Grant {
    path: PathBuf,
    access: Access,
}

/// The grants that deny each `denied` access beneath its path and allow the
/// rest of what any of them denies. `denied` holds absolute paths without
/// `.`, `..` or symbolic links; `list` gives the names in a directory and
/// is asked only about strict ancestors of denied paths.
///
/// A grant on a directory covers everything beneath it, so a path gets
/// what no denied path at or above it takes away, and a directory on the
/// way to a denied path gets what no denied path above, at or below it
/// takes away. Every other entry of such a directory (a sibling) gets what
/// the denied paths above it leave.
fn plan(
    denied: &[(PathBuf, Access)],
    mut list: impl FnMut(&Path) -> io::Result<Vec<OsString>>,
) -> std::result::Result<Vec<Grant>, (PathBuf, io::Error)> {
    let all = denied
        .iter()
        .fold(Access::NONE, |all, (_, access)| all | *access);
    let on_the_way: BTreeSet<&Path> = denied
        .iter()
        .flat_map(|(path, _)| path.ancestors())
        .collect();
    let mut grants = Vec::new();
    let mut grant = |path: PathBuf, access: Access| {
        if !access.is_empty() {
            grants.push(Grant { path, access });
        }
    };
    for &node in &on_the_way {
        let mut above = Access::NONE;
        let mut below = Access::NONE;
        for (path, access) in denied {
            if node.starts_with(path) {
                above |= *access;
            } else if path.starts_with(node) {
                below |= *access;
            }
        }
        grant(node.to_path_buf(), all - above - below);
        if below.is_empty() {
            continue;
        }
        let mut names = list(node).map_err(|error| (node.to_path_buf(), error))?;
        names.sort();
        for name in names {
            let sibling = node.join(name);
            if !on_the_way.contains(sibling.as_path()) {
                grant(sibling, all - above);
            }
        }
    }
    Ok(grants)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A directory tree as `directory -> names`.
    fn tree(dirs: &[(&str, &[&str])]) -> BTreeMap<PathBuf, Vec<OsString>> {
        dirs.iter()
            .map(|(dir, names)| {
                (
                    PathBuf::from(dir),
                    names.iter().map(OsString::from).collect(),
                )
            })
            .collect()
    }

    /// The plan over `tree`, as (path, access) pairs, and the directories
    /// it listed.
    fn plan_in(
        tree: &BTreeMap<PathBuf, Vec<OsString>>,
        denied: &[(&str, Access)],
    ) -> (Vec<(String, Access)>, Vec<String>) {
        let denied: Vec<(PathBuf, Access)> = denied
            .iter()
            .map(|(path, access)| (PathBuf::from(path), *access))
            .collect();
        let mut listed = Vec::new();
        let grants = plan(&denied, |dir| {
            listed.push(dir.display().to_string());
            tree.get(dir)
                .cloned()
                .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
        })
        .expect("plan");
        let grants = grants
            .into_iter()
            .map(|grant| (grant.path.display().to_string(), grant.access))
            .collect();
        (grants, listed)
    }

    fn grants(pairs: &[(&str, Access)]) -> Vec<(String, Access)> {
        pairs
            .iter()
            .map(|(path, access)| (path.to_string(), *access))
            .collect()
    }

    const R: Access = Access::READ;
    const W: Access = Access::WRITE;
    const X: Access = Access::EXECUTE;

    #[test]
    fn one_denied_directory_allows_every_sibling_along_the_way() {
        let fs = tree(&[
            ("/", &["bin", "srv", "tmp"]),
            ("/srv", &["data", "www"]),
            ("/srv/data", &["secret", "public", "readme"]),
        ]);
        let (plan, listed) = plan_in(&fs, &[("/srv/data/secret", W)]);
        assert_eq!(
            plan,
            grants(&[
                ("/bin", W),
                ("/tmp", W),
                ("/srv/www", W),
                ("/srv/data/public", W),
                ("/srv/data/readme", W),
            ])
        );
        // Never the denied directory or anything beside the way.
        assert_eq!(listed, ["/", "/srv", "/srv/data"]);
    }

    #[test]
    fn directories_on_the_way_keep_what_nothing_below_denies() {
        let fs = tree(&[("/", &["a", "b"]), ("/a", &["p", "q"])]);
        let (plan, _) = plan_in(&fs, &[("/a/p", W), ("/b", R)]);
        assert_eq!(
            plan,
            grants(&[
                // `/` leads to both: neither right. `/a` leads only to the
                // write-denied path: reading it is fine.
                ("/a", R),
                ("/a/q", R | W),
                ("/a/p", R),
                ("/b", W),
            ])
        );
    }

    #[test]
    fn denials_beside_each_other_compose() {
        let fs = tree(&[("/", &["a", "etc"]), ("/a", &["b", "c", "d"])]);
        let (plan, _) = plan_in(&fs, &[("/a/b", W), ("/a/c", R)]);
        assert_eq!(
            plan,
            grants(&[("/etc", R | W), ("/a/d", R | W), ("/a/b", R), ("/a/c", W),])
        );
    }

    #[test]
    fn a_denial_inside_another_adds_to_it() {
        let fs = tree(&[
            ("/", &["a", "z"]),
            ("/a", &["b", "y"]),
            ("/a/b", &["c", "x"]),
        ]);
        let (plan, listed) = plan_in(&fs, &[("/a", W), ("/a/b/c", R | X)]);
        assert_eq!(
            plan,
            grants(&[("/z", R | W | X), ("/a/y", R | X), ("/a/b/x", R | X),])
        );
        assert_eq!(listed, ["/", "/a", "/a/b"]);
    }

    #[test]
    fn a_denied_file_is_a_leaf_like_a_directory() {
        let fs = tree(&[("/", &["etc"]), ("/etc", &["hosts", "passwd"])]);
        let (plan, listed) = plan_in(&fs, &[("/etc/passwd", W | X)]);
        assert_eq!(plan, grants(&[("/etc/hosts", W | X)]));
        assert_eq!(listed, ["/", "/etc"]);
    }

    #[test]
    fn the_same_path_twice_denies_the_union() {
        let fs = tree(&[("/", &["a", "b"])]);
        let (plan, _) = plan_in(&fs, &[("/a", W), ("/a", R), ("/b", X)]);
        assert_eq!(plan, grants(&[("/a", X), ("/b", R | W)]));
    }

    #[test]
    fn denying_under_the_root_lists_nothing() {
        let fs = tree(&[]);
        let (plan, listed) = plan_in(&fs, &[("/", W)]);
        assert!(plan.is_empty());
        assert!(listed.is_empty());
        let (plan, _) = plan_in(&fs, &[("/", W), ("/", R)]);
        assert!(plan.is_empty());
    }

    #[test]
    fn a_directory_that_cannot_be_listed_is_named() {
        let denied = [(PathBuf::from("/a/b"), W)];
        let error = plan(&denied, |dir| {
            if dir == Path::new("/a") {
                Err(io::Error::from(io::ErrorKind::PermissionDenied))
            } else {
                Ok(vec![OsString::from("a")])
            }
        })
        .expect_err("unlistable");
        assert_eq!(error.0, PathBuf::from("/a"));
    }

    #[test]
    fn access_sets_combine_and_map_to_rights_per_abi() {
        assert!((R | W).contains(W) && !(R | W).contains(X));
        assert_eq!(Access::ALL - W, R | X);
        assert!((W - W).is_empty());
        assert_eq!(format!("{:?}", R | X), "Access(READ | EXECUTE)");
        assert_eq!(format!("{:?}", Access::NONE), "Access(NONE)");
        assert_eq!(W.rights(2) & FS_TRUNCATE, 0);
        assert_eq!(W.rights(3) & FS_TRUNCATE, FS_TRUNCATE);
        assert_eq!(R.rights(7), FS_READ_FILE | FS_READ_DIR);
        assert_eq!(X.rights(1), FS_EXECUTE);
        // REFER is added once for the whole ruleset, never per kind.
        assert_eq!(Access::ALL.rights(7) & FS_REFER, 0);
    }
}
