//! Kubernetes API server audit events, read at disk speed.
//!
//! - [`event`]: the typed audit event (`audit.k8s.io/v1` and `v1beta1`), borrowed
//!   from the line it was read from, and its timestamps.
//! - [`detect`]: detections (Falco's k8saudit rules and kensa's own) over
//!   events, as a mergeable report.
//! - [`generate`]: a seeded generator of realistic audit logs, for benchmarks.
//!
//! The query core (parsing, filtering, aggregating, detections, the policy
//! evaluator) is pure: it works on bytes and typed values and does no I/O, so
//! it can be fuzzed and benchmarked alone. Reading files, gzip, rotated sets
//! and `--follow` live in the `read` module at the edge.
//!
//! ```
//! use kensa_audit::event::{Event, Stage};
//!
//! let line = br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/web/pods","verb":"create","user":{"username":"alice"},"objectRef":{"resource":"pods","namespace":"web","apiVersion":"v1"},"responseStatus":{"code":201},"stageTimestamp":"2025-03-14T08:51:07.000022Z"}"#;
//! let event = Event::from_json(line).unwrap();
//! assert_eq!(event.verb, "create");
//! assert_eq!(event.stage, Some(Stage::ResponseComplete));
//! assert_eq!(event.resource(), Some("pods"));
//! assert_eq!(event.code(), Some(201));
//! ```
#![forbid(unsafe_code)]

pub mod detect;
mod error;
pub mod event;
pub mod generate;
pub mod line;
pub mod policy;
pub mod query;
pub mod read;
pub mod report;
pub mod time;
pub(crate) mod uri;

pub use error::Error;

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
