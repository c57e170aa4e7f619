//! seccomp profiles for Kubernetes workloads.
//!
//! - [`recording`]: what a recording of a workload saw (syscalls per
//!   architecture, and argument values of the syscalls whose arguments
//!   RuntimeDefault restricts), the input of profile advice.
//! - [`filter`]: an OCI `linux.seccomp` object compiled to a libseccomp
//!   filter and BPF, with runc's semantics.
//! - [`run`]: running a command under a profile; it never runs unconfined.
//! - [`install`]: writing a profile where the kubelet finds Localhost
//!   profiles, and the `securityContext` snippet that uses it.
//! - [`record`]: records the syscalls of a command, a cgroup or a process's
//!   cgroup with a BPF program on the raw tracepoint `sys_enter` filtered by
//!   cgroup (`kensa seccomp advise`).
//! - [`profile`]: the OCI `linux.seccomp` model and moby's template dialect,
//!   a parser whose errors name the field, JSON output, and
//!   [`profile::merge_profiles`].
//! - [`resolve`]: containerd's and Docker's RuntimeDefault, resolved for an
//!   architecture, a capability set and a kernel version.
//! - [`validate`]: schema, syscall-name and consistency findings for a
//!   profile file.
//! - [`diff`]: syscalls and argument rules added and removed.
//! - [`spo`]: a Security Profiles Operator `SeccompProfile`.
//! - [`advise`]: a minimal profile from a [`recording::Recording`].
//!
//! ```
//! use kensa_seccomp::resolve::{resolve_default, Runtime};
//! use kensa_seccomp::validate::{validate, Target};
//!
//! // Kubernetes' RuntimeDefault on a containerd amd64 node.
//! let profile = resolve_default(Runtime::Containerd, "amd64", None, (6, 8))?;
//! assert_eq!(profile.architectures.len(), 3);
//! let findings = validate(&profile.to_json(), Target::ContainerdLocalhost);
//! assert!(findings.iter().all(|f| f.severity != kensa_seccomp::validate::Severity::Error));
//! # Ok::<(), kensa_seccomp::Error>(())
//! ```
//!
//! This crate talks to the kernel (applying filters, BPF recording): every
//! `unsafe` block says why it is sound.

#![deny(unsafe_op_in_unsafe_fn)]

pub mod advise;
pub mod diff;
mod error;
pub mod filter;
pub mod install;
pub mod profile;
pub mod record;
pub mod recording;
pub mod resolve;
pub mod run;
pub mod spo;
pub mod validate;

pub use error::Error;

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
