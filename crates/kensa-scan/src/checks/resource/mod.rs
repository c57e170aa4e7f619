//! The resource checks: single objects other than workloads (Services,
//! Ingresses, ConfigMaps, NetworkPolicies, quotas, ServiceAccounts,
//! Gatekeeper constraints), read from the object's JSON body, plus the
//! API-version check that applies to every kind.

use crate::check::Check;

mod configmap;
mod configmap_secrets;
mod configmap_sensitive;
mod default_service_account;
mod deprecated_api;
mod gatekeeper_repos;
mod ingress_nginx_injection;
mod ingress_snippet;
mod ingress_snippet_alias;
mod ingress_snippet_lua;
mod limit_range;
mod network_policy_selector;
mod resource_quota;
mod service_external_ips;
mod support;
mod tiller_service;

/// The resource checks, in registry order.
pub(crate) static CHECKS: &[&Check] = &[
    &network_policy_selector::CHECK,
    &limit_range::CHECK,
    &resource_quota::CHECK,
    &deprecated_api::CHECK,
    &service_external_ips::CHECK,
    &configmap_secrets::CHECK,
    &configmap_sensitive::CHECK,
    &gatekeeper_repos::CHECK,
    &ingress_nginx_injection::CHECK,
    &default_service_account::CHECK,
    &tiller_service::CHECK,
    &ingress_snippet_lua::CHECK,
    &ingress_snippet::CHECK,
    &ingress_snippet_alias::CHECK,
];
