//! The check model: what a check is, what it runs on, and what it reports.

use kensa_report::Severity;

use crate::context::{ClusterContext, ObjectContext};
use crate::dockerfile::Dockerfile;

/// One misconfiguration check. Every check lives in its own file under
/// `src/checks/` as a `pub static CHECK: Check` and is registered once in
/// [`crate::checks::all`].
#[derive(Debug)]
pub struct Check {
    /// kensa's own id: a stable, self-explaining slug such as
    /// `container-privilege-escalation`.
    pub id: &'static str,
    /// Other tools' ids for the same check: Trivy's `KSV-0001`, `KSV001` and
    /// `AVD-KSV-0001`, Checkov's `CKV_K8S_20`. Suppressions and compliance
    /// specs may name a check by any of them.
    pub aliases: &'static [&'static str],
    /// A short title (Trivy's title where the check has a Trivy alias).
    pub title: &'static str,
    /// How bad a failure is.
    pub severity: Severity,
    /// Why the check matters.
    pub description: &'static str,
    /// How to fix a failure.
    pub remediation: &'static str,
    /// Whether the check runs without being asked for. Checks that need
    /// site-specific settings (registry allow-lists) are off by default.
    pub default_enabled: bool,
    /// What the check looks at, and its code.
    pub run: Run,
}

/// What a check runs on.
#[derive(Debug, Clone, Copy)]
pub enum Run {
    /// One Kubernetes object at a time, for objects of the given kinds.
    Object {
        /// The kinds the check applies to.
        kinds: Kinds,
        /// The check: returns one [`Hit`] per problem, none when the object passes.
        check: fn(&ObjectContext<'_>) -> Vec<Hit>,
    },
    /// All loaded objects at once: checks that relate objects to each other.
    Cluster(fn(&ClusterContext<'_>) -> Vec<ClusterHit>),
    /// One Dockerfile.
    Dockerfile(fn(&Dockerfile) -> Vec<DockerfileHit>),
}

/// The kinds an object check applies to.
#[derive(Debug, Clone, Copy)]
pub enum Kinds {
    /// Kinds with a pod template: Pod, Deployment, ReplicaSet, StatefulSet,
    /// DaemonSet, Job, CronJob, ReplicationController, DeploymentConfig.
    Workloads,
    /// Exactly these kinds.
    Only(&'static [&'static str]),
    /// Every kind.
    Any,
}

impl Kinds {
    /// Whether `kind` is one of these kinds.
    pub fn matches(self, kind: &str) -> bool {
        match self {
            Kinds::Workloads => crate::context::is_workload_kind(kind),
            Kinds::Only(kinds) => kinds.contains(&kind),
            Kinds::Any => true,
        }
    }
}

/// One problem an object check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// What is wrong, naming the container or field, e.g.
    /// `Container 'app' of Deployment 'web' should set 'securityContext.allowPrivilegeEscalation' to false`.
    pub message: String,
    /// The field at fault, as a path from the object's root
    /// (`spec.template.spec.containers[0].securityContext`), used to point at
    /// the lines. When the field is absent, the path of the nearest parent
    /// that exists or should hold it; `None` for the object as a whole.
    pub path: Option<String>,
}

impl Hit {
    /// A hit at `path`.
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Hit {
        Hit {
            message: message.into(),
            path: Some(path.into()),
        }
    }

    /// A hit about the whole object.
    pub fn object(message: impl Into<String>) -> Hit {
        Hit {
            message: message.into(),
            path: None,
        }
    }
}

/// One problem a cluster check found, on one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterHit {
    /// The index of the object at fault in [`ClusterContext::objects`].
    pub object: usize,
    /// What is wrong and where.
    pub hit: Hit,
}

/// One problem a Dockerfile check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerfileHit {
    /// What is wrong.
    pub message: String,
    /// The first line (1-based) of the instruction at fault; 0 for the file as a whole.
    pub start_line: u32,
    /// The last line of the instruction (continuation lines included).
    pub end_line: u32,
}
