//! Misconfiguration checks for Kubernetes objects and Dockerfiles.
//!
//! `kensa-scan` is the engine behind `kensa scan` and `kensa fix`:
//!
//! - [`checks`]: every check, one file each, in one registry ([`checks::all`]);
//!   each carries kensa's id and the Trivy and Checkov ids as aliases;
//! - [`scan_objects`] and [`scan_dockerfile`]: run the selected checks;
//! - [`dockerfile`]: the Dockerfile parser;
//!
//! The engine is pure: it takes loaded objects ([`kensa_k8s::Object`]) and
//! parsed Dockerfiles and returns findings. Files, terminals and clusters
//! are the caller's business.
//!
//! ```
//! use kensa_scan::{Selection, Settings, scan_objects};
//!
//! let yaml = br#"
//! apiVersion: v1
//! kind: Pod
//! metadata: {name: web, namespace: shop}
//! spec:
//!   containers:
//!   - name: app
//!     image: nginx:1.27
//! "#;
//! let loaded = kensa_k8s::parse_bytes("pod.yaml", yaml);
//! let scan = scan_objects(&loaded.objects, &Settings::default(), &Selection::default());
//! assert!(scan.findings.iter().any(|f| f.check.is_named("KSV-0001")));
//! ```
#![forbid(unsafe_code)]

pub mod check;
pub mod checks;
pub mod compliance;
pub mod context;
pub mod dockerfile;
mod engine;
mod error;
pub mod fix;
pub mod kinds;
pub mod report;
pub mod suppress;
#[cfg(test)]
pub(crate) mod testing;

pub use check::{Check, ClusterHit, DockerfileHit, Hit, Kinds, Run};
pub use context::{ClusterContext, ContainerList, ContainerRef, ObjectContext, Settings};
pub use engine::{
    DockerfileFinding, ObjectFinding, ObjectScan, Selection, scan_dockerfile, scan_objects,
    scan_objects_observed,
};
pub use error::{Error, Result};
