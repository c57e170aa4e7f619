//! The API server authenticates to etcd with the client certificate given
//! by `--etcd-certfile` and `--etcd-keyfile`.
//!
//! Fields: both flags of kube-apiserver. Neither has a default; each one
//! that is absent or empty is a finding.

use kensa_report::Severity;

use super::support::{Component, require_all};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-etcd-client-certificate",
    aliases: &["KCV-0026", "KCV0026", "AVD-KCV-0026", "CKV_K8S_99"],
    title: "Ensure that the --etcd-certfile and --etcd-keyfile arguments are set as appropriate",
    severity: Severity::Low,
    description: "etcd holds the whole cluster state, Secrets included; without a client certificate the API server reaches it unauthenticated, which means etcd accepts unauthenticated clients.",
    remediation: "Set --etcd-certfile and --etcd-keyfile on kube-apiserver to a client certificate signed by etcd's client CA (kubeadm: /etc/kubernetes/pki/apiserver-etcd-client.crt and .key), and require client certificates in etcd.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    require_all(
        object,
        Component::ApiServer,
        &[
            (
                "etcd-certfile",
                "the client certificate the API server presents to etcd",
            ),
            ("etcd-keyfile", "the key of that client certificate"),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::super::support::{assert_clean, assert_hit, manifest};
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_when_both_absent() {
        let found = hits(&CHECK, &manifest("kube-apiserver", &[]));
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].path.as_deref(), Some("spec.containers[0].command"));
        assert_eq!(
            found[0].message,
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --etcd-certfile; set it to the client certificate the API server presents to etcd"
        );
        assert_eq!(found[1].path.as_deref(), Some("spec.containers[0].command"));
        assert_eq!(
            found[1].message,
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --etcd-keyfile; set it to the key of that client certificate"
        );
    }

    #[test]
    fn fails_when_one_is_absent() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt"],
            "spec.containers[0].command",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --etcd-keyfile; set it to the key of that client certificate",
        );
    }

    #[test]
    fn passes_when_both_set() {
        assert_clean(
            &CHECK,
            "kube-apiserver",
            &[
                "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
                "--etcd-keyfile",
                "/etc/kubernetes/pki/apiserver-etcd-client.key",
            ],
        );
    }
}
