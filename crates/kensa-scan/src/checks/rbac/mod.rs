//! RBAC checks: Roles, ClusterRoles and their bindings.
//!
//! Object checks read the rules or subjects of one Role, ClusterRole,
//! RoleBinding or ClusterRoleBinding from its JSON body (odd shapes are
//! skipped, never fatal). Cluster checks follow bindings to the roles they
//! refer to (loaded, aggregated, or built-in) and to the ServiceAccounts and
//! workloads behind their subjects, which single-object scanners cannot do.
//! Shared rule matching and binding resolution live in `support`.

use crate::check::Check;

mod support;

mod admission_webhook_control;
mod approve_csr;
mod attach_pods;
mod bind_anonymous;
mod bind_permission;
mod bind_system_authenticated;
mod bind_system_masters;
mod binding_to_admin_role;
mod clusterrole_all_resources;
mod create_clusterrolebinding_bind_any;
mod create_rolebinding_bind_any;
mod dangerous_grant_to_subject;
mod default_serviceaccount_bound;
mod delete_pod_logs;
mod escalate_permission;
mod escalate_via_rbac;
mod exec_pods;
mod impersonate_groups;
mod manage_aws_auth;
mod manage_configmaps;
mod manage_namespace_secrets;
mod manage_networking;
mod manage_secrets;
mod manage_webhooks;
mod manage_workloads;
mod node_proxy;
mod patch_rolebindings;
mod role_all_resources;
mod sa_can_bind;
mod sa_can_exec_or_node_proxy;
mod sa_can_impersonate;
mod sa_can_read_secrets;
mod sa_can_update_service_status;
mod serviceaccount_cluster_admin;
mod wildcard_everything;
mod wildcard_rules;
mod wildcard_verb;

/// The RBAC checks, in registry order: Trivy's object checks by id, then
/// Checkov-only object checks, then the cross-resource checks.
pub(crate) static CHECKS: &[&Check] = &[
    &manage_secrets::CHECK,
    &delete_pod_logs::CHECK,
    &impersonate_groups::CHECK,
    &wildcard_everything::CHECK,
    &wildcard_verb::CHECK,
    &clusterrole_all_resources::CHECK,
    &node_proxy::CHECK,
    &manage_workloads::CHECK,
    &manage_configmaps::CHECK,
    &escalate_via_rbac::CHECK,
    &create_rolebinding_bind_any::CHECK,
    &create_clusterrolebinding_bind_any::CHECK,
    &exec_pods::CHECK,
    &attach_pods::CHECK,
    &patch_rolebindings::CHECK,
    &manage_networking::CHECK,
    &binding_to_admin_role::CHECK,
    &role_all_resources::CHECK,
    &manage_namespace_secrets::CHECK,
    &manage_webhooks::CHECK,
    &manage_aws_auth::CHECK,
    &bind_anonymous::CHECK,
    &bind_system_masters::CHECK,
    &bind_system_authenticated::CHECK,
    &wildcard_rules::CHECK,
    &admission_webhook_control::CHECK,
    &approve_csr::CHECK,
    &bind_permission::CHECK,
    &escalate_permission::CHECK,
    &default_serviceaccount_bound::CHECK,
    &serviceaccount_cluster_admin::CHECK,
    &dangerous_grant_to_subject::CHECK,
    &sa_can_bind::CHECK,
    &sa_can_exec_or_node_proxy::CHECK,
    &sa_can_impersonate::CHECK,
    &sa_can_read_secrets::CHECK,
    &sa_can_update_service_status::CHECK,
];
