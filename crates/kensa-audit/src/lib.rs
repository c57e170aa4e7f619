//! Kubernetes API server audit events, read at disk speed.
//!
//! - [`event`], [`time`]: the typed audit event (`audit.k8s.io/v1` and
//!   `v1beta1`), borrowed from the line it was read from, and its timestamps.
//! - [`line`]: one line of a log, decoded tolerantly (JSON, EventList, legacy
//!   text, CRI-wrapped), and the counts of what was skipped.
//! - [`read`] (the only I/O): files, stdin, gzip, rotated sets, several API
//!   servers merged by time, `--follow`; a parallel block pipeline.
//! - [`query`]: `--where` conditions, the byte prefilter, projections,
//!   counts and `--dedupe`.
//! - [`report`]: summary, pss, authz, exec, secrets and rbac reports, each a
//!   mergeable aggregator.
//! - [`detect`]: detections (Falco's k8saudit rules and kensa's own).
//! - [`policy`]: the audit policy: first-match evaluation, lint, simulation.
//! - [`generate`]: a seeded generator of realistic audit logs, for benchmarks.
//!
//! Everything but [`read`] is pure: it works on bytes and typed values and
//! does no I/O, so it can be fuzzed and benchmarked alone.
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
