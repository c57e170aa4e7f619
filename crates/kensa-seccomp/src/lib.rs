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
//!
//! This crate talks to the kernel (applying filters, BPF recording): every
//! `unsafe` block says why it is sound.

#![deny(unsafe_op_in_unsafe_fn)]

mod error;
pub mod filter;
pub mod install;
pub mod record;
pub mod recording;
pub mod run;

pub use error::Error;

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
