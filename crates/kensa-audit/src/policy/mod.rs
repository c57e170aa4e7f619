//! The audit policy (`audit.k8s.io/v1` `Policy`): what the API server records
//! for a request, decided by its first-match rules.
//!
//! - [`Policy::from_yaml`] parses and checks a policy file (YAML or JSON);
//! - [`Policy::evaluate`] decides a request ([`Attributes`]) exactly as the
//!   API server does;
//! - [`lint()`] finds rules that load fine and still do the wrong thing;
//! - [`Simulation`] replays a real log through a policy to show what it
//!   would keep.
//!
//! ```
//! use kensa_audit::event::{Level, Stage};
//! use kensa_audit::policy::{Attributes, Policy, lint};
//!
//! let source = "\
//! apiVersion: audit.k8s.io/v1
//! kind: Policy
//! omitStages: [RequestReceived]
//! rules:
//!   - level: Metadata
//!     resources: [{group: \"\", resources: [secrets]}]
//!   - level: Request
//! ";
//! let policy = Policy::from_yaml(source).unwrap();
//! let request = Attributes::from_cli(
//!     "alice", &["system:authenticated".to_string()], "get",
//!     Some("secrets"), Some("web"), Some("db"), None,
//! ).unwrap();
//! let decision = policy.evaluate(&request);
//! assert_eq!(decision.level, Level::Metadata);
//! assert_eq!(decision.omit_stages, vec![Stage::RequestReceived]);
//! assert_eq!(decision.rule_index, Some(0));
//! // The catch-all logs configmap bodies (KA002).
//! assert!(lint(&policy, source).iter().any(|l| l.code == "KA002" && l.line == Some(7)));
//! ```

use crate::event::{Level, Stage};

mod eval;
pub mod lint;
mod model;
pub mod simulate;

pub use lint::{Lint, Severity, lint};
pub use model::{GroupResources, Policy, PolicyRule, UnknownField};
pub use simulate::{Simulation, SimulationReport};

/// The attributes of a request that an audit policy looks at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attributes {
    /// The user name.
    pub user: String,
    /// The user's groups.
    pub groups: Vec<String>,
    /// The verb: `get`, `list`, `create`, ... (or the HTTP method in lower
    /// case for non-resource requests).
    pub verb: String,
    /// For resource requests: the resource, e.g. `pods`.
    pub resource: Option<String>,
    /// The API group, `""` for the core group.
    pub api_group: String,
    /// The subresource, e.g. `exec`.
    pub subresource: Option<String>,
    /// The namespace, for namespaced requests.
    pub namespace: Option<String>,
    /// The object's name.
    pub name: Option<String>,
    /// For non-resource requests: the path, e.g. `/healthz`.
    pub path: Option<String>,
}

/// What a policy decides for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The level recorded (`None`: nothing is written).
    pub level: Level,
    /// The stages not written: the policy-wide ones and the rule's own.
    pub omit_stages: Vec<Stage>,
    /// Whether managed fields are left out of request and response bodies.
    pub omit_managed_fields: bool,
    /// The index (0-based) of the rule that matched, `None` when none did.
    pub rule_index: Option<usize>,
}
