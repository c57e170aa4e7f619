//! The rules, one file each, and the list that registers them.
//!
//! Falco's rules come first, in the order of Falco's file, then kensa's own.

use super::Rule;

mod admission_webhook_changed;
mod admission_webhook_external_url;
mod all_events;
mod anonymous_request_allowed;
mod cluster_admin_binding;
mod clusterrole_created;
mod clusterrole_deleted;
mod clusterrolebinding_created;
mod clusterrolebinding_deleted;
mod configmap_created;
mod configmap_credentials;
mod configmap_deleted;
mod deployment_created;
mod deployment_deleted;
mod disallowed_namespace_created;
mod disallowed_pod_created;
mod disallowed_user;
mod ephemeral_container_created;
mod events_deleted;
mod forbidden_burst;
mod full_admin_access;
mod host_ipc_pod_created;
mod host_network_pod_created;
mod host_pid_pod_created;
mod ingress_without_tls;
mod kube_system_token_request;
mod namespace_created;
mod namespace_deleted;
mod node_proxy;
mod nodeport_service_created;
mod pod_exec_attach;
mod pod_exec_role_created;
mod pod_in_kube_namespace;
mod pod_port_forward;
mod privileged_impersonation;
mod privileged_pod_blocked;
mod privileged_pod_created;
mod role_created;
mod role_deleted;
mod rolebinding_created;
mod rolebinding_deleted;
mod sa_permission_enumeration;
mod secret_created;
mod secret_deleted;
mod secret_get;
mod secret_get_failed;
mod secrets_listed_cluster_wide;
mod sensitive_mount_pod_created;
mod service_created;
mod service_deleted;
mod serviceaccount_created;
mod serviceaccount_deleted;
mod serviceaccount_in_kube_namespace;
mod system_role_modified;
mod unauthenticated_burst;
mod untrusted_node_join_failed;
mod untrusted_node_joined;
mod wildcard_role_created;
mod write_role_created;

/// Every rule kensa knows, enabled by default or not.
pub static RULES: &[&Rule] = &[
    &disallowed_user::RULE,
    &disallowed_pod_created::RULE,
    &privileged_pod_created::RULE,
    &sensitive_mount_pod_created::RULE,
    &host_network_pod_created::RULE,
    &host_pid_pod_created::RULE,
    &host_ipc_pod_created::RULE,
    &nodeport_service_created::RULE,
    &configmap_credentials::RULE,
    &anonymous_request_allowed::RULE,
    &pod_exec_attach::RULE,
    &pod_port_forward::RULE,
    &ephemeral_container_created::RULE,
    &disallowed_namespace_created::RULE,
    &pod_in_kube_namespace::RULE,
    &serviceaccount_in_kube_namespace::RULE,
    &system_role_modified::RULE,
    &cluster_admin_binding::RULE,
    &wildcard_role_created::RULE,
    &write_role_created::RULE,
    &pod_exec_role_created::RULE,
    &deployment_created::RULE,
    &deployment_deleted::RULE,
    &service_created::RULE,
    &service_deleted::RULE,
    &configmap_created::RULE,
    &configmap_deleted::RULE,
    &namespace_created::RULE,
    &namespace_deleted::RULE,
    &serviceaccount_created::RULE,
    &serviceaccount_deleted::RULE,
    &role_created::RULE,
    &role_deleted::RULE,
    &clusterrole_created::RULE,
    &clusterrole_deleted::RULE,
    &rolebinding_created::RULE,
    &rolebinding_deleted::RULE,
    &clusterrolebinding_created::RULE,
    &clusterrolebinding_deleted::RULE,
    &secret_created::RULE,
    &secret_deleted::RULE,
    &secret_get::RULE,
    &secret_get_failed::RULE,
    &all_events::RULE,
    &full_admin_access::RULE,
    &ingress_without_tls::RULE,
    &untrusted_node_joined::RULE,
    &untrusted_node_join_failed::RULE,
    &privileged_pod_blocked::RULE,
    &sa_permission_enumeration::RULE,
    &forbidden_burst::RULE,
    &unauthenticated_burst::RULE,
    &kube_system_token_request::RULE,
    &privileged_impersonation::RULE,
    &events_deleted::RULE,
    &node_proxy::RULE,
    &admission_webhook_changed::RULE,
    &admission_webhook_external_url::RULE,
    &secrets_listed_cluster_wide::RULE,
];
