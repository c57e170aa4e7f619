//! Container checks: the per-container settings of workloads (security
//! context, capabilities, resources, images, probes).
//!
//! Every check honours pod-level `securityContext` inheritance where the
//! field exists at both levels: a container that inherits a safe pod-level
//! setting passes (Trivy gets this wrong, trivy#4922).

use crate::check::Check;

mod support;

mod added_capabilities;
mod azure_registry;
mod cpu_limit;
mod cpu_request;
mod drop_all_capabilities;
mod drop_any_capability;
mod ecr_registry;
mod gcr_registry;
mod high_gid;
mod high_uid;
mod host_port;
mod image_digest;
mod image_pull_policy;
mod image_tag;
mod liveness_probe;
mod memory_limit;
mod memory_request;
mod net_bind_service_only;
mod net_raw;
mod net_raw_not_dropped;
mod privilege_escalation;
mod privileged;
mod privileged_port;
mod proc_mount;
mod public_registry;
mod read_only_root_filesystem;
mod readiness_probe;
mod run_as_root;
mod run_as_uid_zero;
mod seccomp_default;
mod seccomp_unconfined;
mod secrets_in_env;
mod security_context_missing;
mod selinux_options;
mod sys_admin;
mod sys_module;
mod trusted_registry;

/// The container checks, in registry order: Trivy's (by id), then the
/// Checkov-only ones.
pub(crate) static CHECKS: &[&Check] = &[
    &privilege_escalation::CHECK,
    &drop_all_capabilities::CHECK,
    &drop_any_capability::CHECK,
    &sys_admin::CHECK,
    &cpu_limit::CHECK,
    &run_as_root::CHECK,
    &image_tag::CHECK,
    &read_only_root_filesystem::CHECK,
    &cpu_request::CHECK,
    &memory_request::CHECK,
    &privileged::CHECK,
    &memory_limit::CHECK,
    &high_uid::CHECK,
    &high_gid::CHECK,
    &added_capabilities::CHECK,
    &host_port::CHECK,
    &selinux_options::CHECK,
    &proc_mount::CHECK,
    &seccomp_default::CHECK,
    &azure_registry::CHECK,
    &gcr_registry::CHECK,
    &public_registry::CHECK,
    &ecr_registry::CHECK,
    &seccomp_unconfined::CHECK,
    &run_as_uid_zero::CHECK,
    &net_bind_service_only::CHECK,
    &privileged_port::CHECK,
    &security_context_missing::CHECK,
    &net_raw::CHECK,
    &sys_module::CHECK,
    &trusted_registry::CHECK,
    &liveness_probe::CHECK,
    &readiness_probe::CHECK,
    &image_pull_policy::CHECK,
    &image_digest::CHECK,
    &secrets_in_env::CHECK,
    &net_raw_not_dropped::CHECK,
];
