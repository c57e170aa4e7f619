//! etcd members talk to each other over TLS with the certificate given by
//! `--peer-cert-file` and `--peer-key-file` (or the `ETCD_PEER_*`
//! variables).
//!
//! Fields: both flags of etcd. Neither has a default; each one that is
//! absent or empty is a finding. etcd started with `--config-file` is not
//! judged.

use kensa_report::Severity;

use super::support::{Component, require_all};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "etcd-peer-tls-certificate",
    aliases: &["KCV-0045", "KCV0045", "AVD-KCV-0045", "CKV_K8S_119"],
    title: "Ensure that the --peer-cert-file and --peer-key-file arguments are set as appropriate",
    severity: Severity::Low,
    description: "Without peer certificates, replication traffic between etcd members, which carries all cluster state, goes over the network in clear text.",
    remediation: "Set --peer-cert-file and --peer-key-file on etcd to a peer certificate signed by etcd's CA (kubeadm: /etc/kubernetes/pki/etcd/peer.crt and .key), with https:// peer URLs.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    require_all(
        object,
        Component::Etcd,
        &[
            (
                "peer-cert-file",
                "the certificate etcd uses towards its peers",
            ),
            ("peer-key-file", "the key of that certificate"),
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
        let found = hits(&CHECK, &manifest("etcd", &[]));
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].path.as_deref(), Some("spec.containers[0].command"));
        assert_eq!(
            found[0].message,
            "etcd (Pod kube-system/etcd-cp1) does not set --peer-cert-file; set it to the certificate etcd uses towards its peers"
        );
        assert_eq!(found[1].path.as_deref(), Some("spec.containers[0].command"));
        assert_eq!(
            found[1].message,
            "etcd (Pod kube-system/etcd-cp1) does not set --peer-key-file; set it to the key of that certificate"
        );
    }

    #[test]
    fn fails_when_one_is_absent() {
        assert_hit(
            &CHECK,
            "etcd",
            &["--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt"],
            "spec.containers[0].command",
            "etcd (Pod kube-system/etcd-cp1) does not set --peer-key-file; set it to the key of that certificate",
        );
    }

    #[test]
    fn passes_when_both_set() {
        assert_clean(
            &CHECK,
            "etcd",
            &[
                "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt",
                "--peer-key-file",
                "/etc/kubernetes/pki/etcd/peer.key",
            ],
        );
    }
}
