//! etcd serves its clients over TLS with the certificate given by
//! `--cert-file` and `--key-file` (or `ETCD_CERT_FILE`/`ETCD_KEY_FILE`).
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
    id: "etcd-tls-certificate",
    aliases: &["KCV-0042", "KCV0042", "AVD-KCV-0042", "CKV_K8S_116"],
    title: "Ensure that the --cert-file and --key-file arguments are set as appropriate",
    severity: Severity::Low,
    description: "Without a serving certificate etcd talks to the API server in clear text, exposing all cluster state, Secrets included, to the network.",
    remediation: "Set --cert-file and --key-file on etcd to a serving certificate signed by etcd's CA (kubeadm: /etc/kubernetes/pki/etcd/server.crt and .key), with https:// client URLs.",
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
            ("cert-file", "etcd's serving certificate"),
            ("key-file", "the key of that certificate"),
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
            "etcd (Pod kube-system/etcd-cp1) does not set --cert-file; set it to etcd's serving certificate"
        );
        assert_eq!(found[1].path.as_deref(), Some("spec.containers[0].command"));
        assert_eq!(
            found[1].message,
            "etcd (Pod kube-system/etcd-cp1) does not set --key-file; set it to the key of that certificate"
        );
    }

    #[test]
    fn fails_when_one_is_absent() {
        assert_hit(
            &CHECK,
            "etcd",
            &["--cert-file=/etc/kubernetes/pki/etcd/server.crt"],
            "spec.containers[0].command",
            "etcd (Pod kube-system/etcd-cp1) does not set --key-file; set it to the key of that certificate",
        );
    }

    #[test]
    fn passes_when_both_set() {
        assert_clean(
            &CHECK,
            "etcd",
            &[
                "--cert-file=/etc/kubernetes/pki/etcd/server.crt",
                "--key-file",
                "/etc/kubernetes/pki/etcd/server.key",
            ],
        );
    }
}
