//! The pure layer of kensa's runtime engine: Tetragon `TracingPolicy`
//! resources read from YAML ([`policy`]), checked against Tetragon's
//! semantics and limits ([`validate`]), and mapped onto the attachment
//! points this kernel actually offers ([`hooks`]).
//!
//! Nothing here touches the kernel: the BPF side consumes a [`hooks::Plan`].
#![deny(unsafe_code)]

pub mod policy;
mod syscalls;

pub use policy::{Policy, PolicyError, PolicyKind, parse_policies};
pub mod validate;
pub use validate::{ValidationError, validate};
pub mod events;
pub mod hooks;
pub use hooks::{Plan, UnsupportedHook, plan};
pub mod compile;
pub mod kernel;
pub mod metrics;
pub mod namespaces;
pub mod pods;
pub mod process_cache;
pub mod stream;
