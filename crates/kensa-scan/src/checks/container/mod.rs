//! Container checks: the per-container settings of workloads (security
//! context, capabilities, resources, images, probes).
//!
//! Every check honours pod-level `securityContext` inheritance where the
//! field exists at both levels: a container that inherits a safe pod-level
//! setting passes (Trivy gets this wrong, trivy#4922).

use crate::check::Check;

mod privilege_escalation;

/// The container checks, in registry order.
pub(crate) static CHECKS: &[&Check] = &[&privilege_escalation::CHECK];
