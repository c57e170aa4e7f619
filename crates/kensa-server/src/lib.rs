//! kensa's HTTP side: Pod Security Admission as a ValidatingAdmissionWebhook
//! (`kensa serve --admission`), answering as the API server's built-in
//! PodSecurity plugin does, and vulnerability management (`kensa serve`):
//! an inventory of scans with a web UI and a REST API ([`vm`]).
//!
//! - [`admission`]: an AdmissionReview's bytes in, the answer's bytes out
//!   (pure apart from reading the [`state::Store`]); the decisions are
//!   `kensa_pss::admission`'s.
//! - [`state`]: namespaces and pods, from a snapshot file or (feature
//!   `cluster`) kube-rs watchers ([`watch`]).
//! - [`serve`]: HTTPS with rustls (ring), certificate reload, limits,
//!   timeouts, graceful shutdown; [`metrics`]: Prometheus.
//! - [`manifests`]: the Deployment, Service, PodDisruptionBudget and
//!   ValidatingWebhookConfiguration that run it in a cluster.
#![forbid(unsafe_code)]

pub mod admission;
mod error;
pub mod manifests;
pub mod metrics;
pub mod serve;
pub mod state;
pub mod tls;
pub mod vm;
#[cfg(feature = "cluster")]
pub mod watch;

pub use error::Error;
