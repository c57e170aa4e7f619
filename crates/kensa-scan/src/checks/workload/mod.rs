//! Workload checks: the pod-level settings of Pods and of the pod templates
//! of Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, ReplicaSets,
//! ReplicationControllers and DeploymentConfigs (host namespaces, volumes,
//! sysctls, service-account tokens, namespaces, annotations).

use crate::check::Check;

/// The workload checks, in registry order.
pub(crate) static CHECKS: &[&Check] = &[];
