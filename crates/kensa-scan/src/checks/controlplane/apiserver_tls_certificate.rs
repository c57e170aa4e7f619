//! The API server serves HTTPS with the certificate given by
//! `--tls-cert-file` and `--tls-private-key-file`.
//!
//! Fields: both flags of kube-apiserver. Unset, the API server makes up a
//! self-signed certificate, so each one that is absent or empty is a
//! finding.

use kensa_report::Severity;

use super::support::{Component, require_all};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-tls-certificate",
    aliases: &["KCV-0027", "KCV0027", "AVD-KCV-0027", "CKV_K8S_100"],
    title: "Ensure that the --tls-cert-file and --tls-private-key-file arguments are set as appropriate",
    severity: Severity::Low,
    description: "With a self-signed, generated certificate clients cannot verify the API server and are pushed to skip verification, which opens the way to man-in-the-middle attacks.",
    remediation: "Set --tls-cert-file and --tls-private-key-file on kube-apiserver to a certificate signed by the cluster CA (kubeadm: /etc/kubernetes/pki/apiserver.crt and .key).",
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
            ("tls-cert-file", "the API server's serving certificate"),
            ("tls-private-key-file", "the key of that certificate"),
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
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --tls-cert-file; set it to the API server's serving certificate"
        );
        assert_eq!(found[1].path.as_deref(), Some("spec.containers[0].command"));
        assert_eq!(
            found[1].message,
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --tls-private-key-file; set it to the key of that certificate"
        );
    }

    #[test]
    fn fails_when_one_is_absent() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--tls-cert-file=/etc/kubernetes/pki/apiserver.crt"],
            "spec.containers[0].command",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --tls-private-key-file; set it to the key of that certificate",
        );
    }

    #[test]
    fn passes_when_both_set() {
        assert_clean(
            &CHECK,
            "kube-apiserver",
            &[
                "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
                "--tls-private-key-file",
                "/etc/kubernetes/pki/apiserver.key",
            ],
        );
    }
}
