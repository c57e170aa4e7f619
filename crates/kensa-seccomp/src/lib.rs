//! seccomp profiles for Kubernetes workloads.
//!
//! - [`recording`]: what a recording of a workload saw (syscalls per
//!   architecture, and argument values of the syscalls whose arguments
//!   RuntimeDefault restricts), the input of profile advice.
//!
//! This crate talks to the kernel (applying filters, BPF recording): every
//! `unsafe` block says why it is sound.

mod error;
pub mod recording;

pub use error::Error;

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
