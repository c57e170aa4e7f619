//! The crate's error type.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// What can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory that cannot be read, written or created.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },

    // --- cgroup ---
    /// No cgroup2 hierarchy is mounted.
    #[error(
        "no cgroup2 hierarchy is mounted (see /proc/self/mountinfo): mount one with `mount -t cgroup2 none DIR`"
    )]
    NoCgroup2,
    /// A path that is not a directory of the cgroup2 hierarchy.
    #[error("{}: not a cgroup2 directory", path.display())]
    NotACgroup {
        /// The path.
        path: PathBuf,
    },
    /// A process with no cgroup2 membership (no `0::` line in
    /// `/proc/PID/cgroup`).
    #[error("process {pid}: not in a cgroup2 hierarchy (no 0:: line in /proc/{pid}/cgroup)")]
    NotInCgroup2 {
        /// The process.
        pid: String,
    },
    /// A name prefix for [`crate::cgroup::RunCgroup::create`] that is not a
    /// plain file name.
    #[error("invalid cgroup name prefix {0:?}: use a non-empty name without `/`")]
    InvalidPrefix(String),

    // --- spawn ---
    /// The command could not be started: the parent's preparation or
    /// `clone3` failed, or the child's `execve` did (no such program, no
    /// permission, or Landlock denying execution).
    #[error("{program}: {source}")]
    Spawn {
        /// The command.
        program: String,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The child could not confine itself, so it exited without running the
    /// command.
    #[error("{program}: not started: {step} failed in the child: {source}")]
    Confine {
        /// The command.
        program: String,
        /// The step that failed.
        step: ChildStep,
        /// Why.
        #[source]
        source: io::Error,
    },

    // --- landlock ---
    /// The kernel has no Landlock (before Linux 5.13, not built in, or not
    /// in the `lsm=` list).
    #[error("Landlock is not available on this kernel: {0}")]
    LandlockUnavailable(#[source] io::Error),
    /// `landlock_create_ruleset` refused the ruleset.
    #[error("landlock_create_ruleset: {0}")]
    LandlockRuleset(#[source] io::Error),
    /// `landlock_add_rule` refused the rule for a path.
    #[error("{}: landlock_add_rule: {source}", path.display())]
    LandlockRule {
        /// The path the rule allows access under.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A path to deny access under that cannot be resolved (it does not
    /// exist, for instance).
    #[error("cannot deny access under {}: {source}", path.display())]
    DenyPath {
        /// The path as given.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// Deny rules that together deny nothing.
    #[error("no access to deny: the deny rules are empty")]
    NothingToDeny,

    // --- notify ---
    /// An errno a refused call cannot fail with (the kernel passes back
    /// 1..=4095).
    #[error("errno {0} is not one a system call can fail with (1-4095)")]
    InvalidErrno(i32),
    /// No seccomp user-notification filter for this architecture.
    #[error(
        "refusing file access with a chosen errno needs a seccomp filter for this architecture ({0}); kensa has them for x86_64 and aarch64"
    )]
    NotifyUnsupportedArch(&'static str),
    /// The supervisor thread could not start, or failed.
    #[error("seccomp notification supervisor: {0}")]
    Supervisor(#[source] io::Error),
}

/// What the child does between `clone3` and `execve` that can fail with
/// the command not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChildStep {
    /// `prctl(PR_SET_NO_NEW_PRIVS, 1)`.
    NoNewPrivs,
    /// `landlock_restrict_self`.
    LandlockRestrictSelf,
    /// `seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER)`.
    SeccompListener,
    /// Passing the seccomp listener to the parent (`sendmsg`).
    SendListener,
}

impl fmt::Display for ChildStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NoNewPrivs => "prctl(PR_SET_NO_NEW_PRIVS)",
            Self::LandlockRestrictSelf => "landlock_restrict_self",
            Self::SeccompListener => "seccomp(SECCOMP_FILTER_FLAG_NEW_LISTENER)",
            Self::SendListener => "sendmsg(SCM_RIGHTS) of the seccomp listener",
        })
    }
}
