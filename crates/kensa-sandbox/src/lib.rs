//! Starting a command in a cgroup of its own, optionally confined by
//! Landlock.
//!
//! - [`cgroup`]: the cgroup2 hierarchy: where it is mounted, which cgroup a
//!   process is in, the id and level a BPF program compares, and
//!   [`cgroup::RunCgroup`], a throwaway cgroup for one command.
//! - [`spawn`]: starts a command directly inside a cgroup with
//!   `clone3(CLONE_INTO_CGROUP)`, optionally under a Landlock ruleset that
//!   the child applies to itself before `execve`.
//! - [`landlock`]: a Landlock ruleset that denies reading, writing or
//!   executing under given paths and allows everything else.
//! - [`notify`]: refusing opens under given paths with a chosen errno,
//!   through a seccomp user-notification supervisor in the parent.
//!
//! ```no_run
//! use std::ffi::{OsStr, OsString};
//! use std::os::fd::AsFd;
//! use kensa_sandbox::cgroup::{RunCgroup, cgroup2_mount};
//! use kensa_sandbox::landlock::{Access, DenyRule, ruleset};
//! use kensa_sandbox::spawn::{SpawnOptions, Spawned, spawn_into_cgroup, wait};
//!
//! let run = RunCgroup::create(&cgroup2_mount()?, "kensa-run")?;
//! let rules = ruleset(&[DenyRule::new("/etc", Access::WRITE)])?;
//! let options = SpawnOptions {
//!     landlock: Some(rules.as_fd()),
//!     ..SpawnOptions::default()
//! };
//! let args = [OsString::from("-c"), OsString::from("touch /etc/x")];
//! match spawn_into_cgroup(OsStr::new("sh"), &args, run.directory()?.as_fd(), &options)? {
//!     Spawned::Child(pid) => assert!(!wait(pid)?.success()),
//!     Spawned::Fallback => { /* an old kernel: see `Spawned::Fallback` */ }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(unsafe_op_in_unsafe_fn)]

pub mod cgroup;
mod error;
pub mod landlock;
pub mod notify;
pub mod spawn;

pub use error::{ChildStep, Error};

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
pub mod signals;
