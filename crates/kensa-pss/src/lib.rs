//! Pod Security Standards, evaluated exactly as the Kubernetes API server's
//! Pod Security Admission (`k8s.io/pod-security-admission`) does.
//!
//! - [`checks`]: one file per upstream check, registered in [`checks::ALL`],
//!   each with its versioned implementations and remedies.
//! - [`Evaluator`]: runs the checks of a level and version in upstream's order and
//!   aggregates reasons and details into the API server's messages.
//! - [`api`]: levels, versions, namespace labels and policies.
//! - [`message`]: the enforce and warn/audit messages read back into level,
//!   version and each check's reason and detail (for audit logs).
//! - [`namespace`]: what the API server says when a namespace's enforce label is
//!   changed (the `kubectl label --dry-run=server` warnings), and exemptions.
//!
//! The crate is pure: no I/O, no async. Inputs are `k8s-openapi` types; pods read
//! from manifests should first get the API server's defaulting ([`defaults::apply`]).
//!
//! ```
//! use kensa_pss::{Evaluator, api::{Level, LevelVersion, Version}};
//! use k8s_openapi::api::core::v1::{Container, PodSpec};
//! use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
//!
//! let spec = PodSpec {
//!     containers: vec![Container { name: "web".into(), ..Default::default() }],
//!     host_network: Some(true),
//!     ..Default::default()
//! };
//! let result = Evaluator::global().evaluate(
//!     LevelVersion::new(Level::Baseline, Version::Latest),
//!     &ObjectMeta::default(),
//!     &spec,
//! );
//! assert_eq!(
//!     result.enforce_message(),
//!     "violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true)"
//! );
//! ```
#![forbid(unsafe_code)]

pub mod admission;
pub mod api;
pub mod checks;
pub mod defaults;
mod error;
mod evaluate;
pub mod message;
pub mod namespace;

pub use error::Error;
pub use evaluate::{Evaluation, Evaluator, Failure};

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
