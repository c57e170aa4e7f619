//! Workload checks: the pod-level settings of Pods and of the pod templates
//! of Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, ReplicaSets,
//! ReplicationControllers and DeploymentConfigs (host namespaces, volumes,
//! sysctls, service-account tokens, namespaces, annotations), plus the
//! checks for well-known risky workloads (Tiller, the dashboard, git-sync).

use crate::check::Check;

mod apparmor;
mod dashboard;
mod default_namespace;
mod docker_socket;
mod git_sync;
mod host_aliases;
mod host_ipc;
mod host_network;
mod host_path;
mod host_pid;
mod host_process;
mod kube_system;
mod non_core_volumes;
mod root_group;
mod sensitive_host_path;
mod service_account_token;
mod support;
mod tiller;
mod tiller_listener;
mod unsafe_sysctls;

/// The workload checks, in registry order.
pub(crate) static CHECKS: &[&Check] = &[
    &apparmor::CHECK,
    &docker_socket::CHECK,
    &host_aliases::CHECK,
    &host_ipc::CHECK,
    &host_network::CHECK,
    &host_pid::CHECK,
    &host_path::CHECK,
    &unsafe_sysctls::CHECK,
    &non_core_volumes::CHECK,
    &service_account_token::CHECK,
    &kube_system::CHECK,
    &tiller::CHECK,
    &host_process::CHECK,
    &default_namespace::CHECK,
    &root_group::CHECK,
    &sensitive_host_path::CHECK,
    &dashboard::CHECK,
    &tiller_listener::CHECK,
    &git_sync::CHECK,
];
