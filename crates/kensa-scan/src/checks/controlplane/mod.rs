//! Control-plane checks: the command-line flags of the static pods that
//! run kube-apiserver, kube-controller-manager, kube-scheduler and etcd
//! (kubeadm's `/etc/kubernetes/manifests`, or the mirror pods that
//! `kubectl get pods -n kube-system -o yaml` shows), after the CIS
//! Kubernetes Benchmark as Trivy's KCV-0001..KCV-0047 implement it, plus
//! four API server checks only Checkov has (basic-auth file, insecure port
//! and bind address, weak TLS cipher suites).
//!
//! Every check applies to Pods only and looks only at containers that run
//! its component (see [`support`] for how a container is recognised and
//! how flags are parsed). Where a flag is absent, the component's default
//! decides: each check's documentation says what that default is and
//! whether it passes.

use crate::check::Check;

mod support;

mod apiserver_always_admit;
mod apiserver_always_pull_images;
mod apiserver_anonymous_auth;
mod apiserver_audit_log_maxage;
mod apiserver_audit_log_maxbackup;
mod apiserver_audit_log_maxsize;
mod apiserver_audit_log_path;
mod apiserver_authorization_always_allow;
mod apiserver_authorization_node;
mod apiserver_authorization_rbac;
mod apiserver_basic_auth_file;
mod apiserver_client_ca_file;
mod apiserver_deny_service_external_ips;
mod apiserver_encryption_provider_config;
mod apiserver_etcd_cafile;
mod apiserver_etcd_client_certificate;
mod apiserver_event_rate_limit;
mod apiserver_insecure_bind_address;
mod apiserver_insecure_port;
mod apiserver_kubelet_certificate_authority;
mod apiserver_kubelet_client_certificate;
mod apiserver_kubelet_https;
mod apiserver_namespace_lifecycle_plugin;
mod apiserver_node_restriction_plugin;
mod apiserver_profiling;
mod apiserver_secure_port;
mod apiserver_security_context_deny;
mod apiserver_service_account_key_file;
mod apiserver_service_account_lookup;
mod apiserver_service_account_plugin;
mod apiserver_tls_certificate;
mod apiserver_tls_cipher_suites;
mod apiserver_token_auth_file;
mod controller_manager_bind_address;
mod controller_manager_profiling;
mod controller_manager_root_ca_file;
mod controller_manager_rotate_kubelet_server_certificate;
mod controller_manager_service_account_credentials;
mod controller_manager_service_account_private_key_file;
mod controller_manager_terminated_pod_gc_threshold;
mod etcd_auto_tls;
mod etcd_client_cert_auth;
mod etcd_peer_auto_tls;
mod etcd_peer_client_cert_auth;
mod etcd_peer_tls_certificate;
mod etcd_tls_certificate;
mod scheduler_bind_address;
mod scheduler_profiling;

/// The control-plane checks, in registry order.
pub(crate) static CHECKS: &[&Check] = &[
    &apiserver_anonymous_auth::CHECK,
    &apiserver_token_auth_file::CHECK,
    &apiserver_deny_service_external_ips::CHECK,
    &apiserver_kubelet_https::CHECK,
    &apiserver_kubelet_client_certificate::CHECK,
    &apiserver_kubelet_certificate_authority::CHECK,
    &apiserver_authorization_always_allow::CHECK,
    &apiserver_authorization_node::CHECK,
    &apiserver_authorization_rbac::CHECK,
    &apiserver_event_rate_limit::CHECK,
    &apiserver_always_admit::CHECK,
    &apiserver_always_pull_images::CHECK,
    &apiserver_security_context_deny::CHECK,
    &apiserver_service_account_plugin::CHECK,
    &apiserver_namespace_lifecycle_plugin::CHECK,
    &apiserver_node_restriction_plugin::CHECK,
    &apiserver_secure_port::CHECK,
    &apiserver_profiling::CHECK,
    &apiserver_audit_log_path::CHECK,
    &apiserver_audit_log_maxage::CHECK,
    &apiserver_audit_log_maxbackup::CHECK,
    &apiserver_audit_log_maxsize::CHECK,
    &apiserver_service_account_lookup::CHECK,
    &apiserver_service_account_key_file::CHECK,
    &apiserver_etcd_client_certificate::CHECK,
    &apiserver_tls_certificate::CHECK,
    &apiserver_client_ca_file::CHECK,
    &apiserver_etcd_cafile::CHECK,
    &apiserver_encryption_provider_config::CHECK,
    &apiserver_basic_auth_file::CHECK,
    &apiserver_insecure_bind_address::CHECK,
    &apiserver_insecure_port::CHECK,
    &apiserver_tls_cipher_suites::CHECK,
    &controller_manager_terminated_pod_gc_threshold::CHECK,
    &controller_manager_profiling::CHECK,
    &controller_manager_service_account_credentials::CHECK,
    &controller_manager_service_account_private_key_file::CHECK,
    &controller_manager_root_ca_file::CHECK,
    &controller_manager_rotate_kubelet_server_certificate::CHECK,
    &controller_manager_bind_address::CHECK,
    &scheduler_profiling::CHECK,
    &scheduler_bind_address::CHECK,
    &etcd_tls_certificate::CHECK,
    &etcd_client_cert_auth::CHECK,
    &etcd_auto_tls::CHECK,
    &etcd_peer_tls_certificate::CHECK,
    &etcd_peer_client_cert_auth::CHECK,
    &etcd_peer_auto_tls::CHECK,
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use kensa_k8s::Object;

    use super::CHECKS;
    use super::support::manifest;
    use crate::check::{Hit, Run};
    use crate::context::{ObjectContext, Settings};
    use crate::testing::objects;

    /// Every hit of every control-plane check on `objects`, as
    /// `(check id, object, path)`.
    fn run_all(objects: &[Object]) -> Vec<(&'static str, String, Hit)> {
        let settings = Settings::default();
        let mut out = Vec::new();
        for check in CHECKS {
            let Run::Object { kinds, check: run } = check.run else {
                panic!("{} is not an object check", check.id);
            };
            for object in objects {
                if kinds.matches(&object.kind) {
                    for hit in run(&ObjectContext::new(object, &settings)) {
                        out.push((check.id, object.display_name(), hit));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn a_default_kubeadm_control_plane_fails_the_expected_checks() {
        let objects = objects(include_str!(
            "../../../tests/fixtures/controlplane/kubeadm-default.yaml"
        ));
        assert_eq!(objects.len(), 4);
        let found: BTreeSet<(&str, String, String)> = run_all(&objects)
            .into_iter()
            .map(|(id, object, hit)| (id, object, hit.path.unwrap_or_default()))
            .collect();
        let api = "Pod kube-system/kube-apiserver";
        let api_command = "spec.containers[0].command";
        let expected: BTreeSet<(&str, String, String)> = [
            ("apiserver-anonymous-auth", api, api_command),
            ("apiserver-kubelet-certificate-authority", api, api_command),
            // The plugin list is there (NodeRestriction), so these point at it.
            (
                "apiserver-event-rate-limit",
                api,
                "spec.containers[0].command[5]",
            ),
            (
                "apiserver-always-pull-images",
                api,
                "spec.containers[0].command[5]",
            ),
            ("apiserver-profiling", api, api_command),
            ("apiserver-audit-log-path", api, api_command),
            ("apiserver-audit-log-maxage", api, api_command),
            ("apiserver-audit-log-maxbackup", api, api_command),
            ("apiserver-audit-log-maxsize", api, api_command),
            ("apiserver-encryption-provider-config", api, api_command),
            (
                "controller-manager-terminated-pod-gc-threshold",
                "Pod kube-system/kube-controller-manager",
                api_command,
            ),
            (
                "controller-manager-profiling",
                "Pod kube-system/kube-controller-manager",
                api_command,
            ),
            (
                "scheduler-profiling",
                "Pod kube-system/kube-scheduler",
                api_command,
            ),
        ]
        .into_iter()
        .map(|(id, object, path)| (id, object.to_owned(), path.to_owned()))
        .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn a_hardened_control_plane_passes_every_check() {
        let objects = objects(include_str!(
            "../../../tests/fixtures/controlplane/hardened-kubectl.yaml"
        ));
        assert_eq!(objects.len(), 4);
        let found = run_all(&objects);
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn each_check_looks_only_at_its_own_component() {
        let components = [
            ("apiserver-", "kube-apiserver"),
            ("controller-manager-", "kube-controller-manager"),
            ("scheduler-", "kube-scheduler"),
            ("etcd-", "etcd"),
        ];
        for (_, binary) in components {
            // Flags that would fail the checks of every other component.
            let yaml = manifest(
                binary,
                &[
                    "--profiling=true",
                    "--bind-address=0.0.0.0",
                    "--auto-tls",
                    "--peer-auto-tls=true",
                    "--secure-port=0",
                ],
            );
            for (id, object, hit) in run_all(&objects(&yaml)) {
                let (prefix, _) = components
                    .iter()
                    .find(|(prefix, _)| id.starts_with(prefix))
                    .expect("check ids start with their component");
                let own = components.iter().find(|(_, b)| *b == binary).unwrap().0;
                assert_eq!(*prefix, own, "{id} fired on {object}: {}", hit.message);
                assert!(hit.message.starts_with(binary), "{}", hit.message);
            }
        }
    }

    #[test]
    fn ordinary_pods_and_workloads_are_left_alone() {
        let objects = objects(
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {component: frontend}}
spec:
  containers:
  - name: app
    image: nginx:1.27
    command: [nginx, -g, daemon off;]
    args: [--profiling=true]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: kube-apiserver}
spec:
  template:
    spec:
      containers:
      - name: kube-apiserver
        image: registry.k8s.io/kube-apiserver:v1.31.2
        command: [kube-apiserver, --anonymous-auth=true]
"#,
        );
        assert!(run_all(&objects).is_empty());
    }

    #[test]
    fn every_check_carries_its_trivy_ids() {
        for check in CHECKS {
            let trivy = check.aliases[0];
            let Some(number) = trivy.strip_prefix("KCV-") else {
                // The Checkov-only checks carry Checkov ids alone.
                assert!(
                    check.aliases.iter().all(|a| a.starts_with("CKV_K8S_")),
                    "{}",
                    check.id
                );
                continue;
            };
            assert_eq!(
                check.aliases[2],
                format!("AVD-KCV-{number}"),
                "{}",
                check.id
            );
            assert!(
                check.aliases[1].ends_with(&number[1..]) || check.aliases[1].starts_with("KCV"),
                "{}",
                check.id
            );
        }
    }
}
