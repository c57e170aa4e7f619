//! Kubelets authenticate the API server by its client certificate, given
//! with `--kubelet-client-certificate` and `--kubelet-client-key`.
//!
//! Fields: both flags of kube-apiserver. Neither has a default; each one
//! that is absent or empty is a finding.

use kensa_report::Severity;

use super::support::{Component, require_all};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-kubelet-client-certificate",
    aliases: &["KCV-0005", "KCV0005", "AVD-KCV-0005", "CKV_K8S_72"],
    title: "Ensure that the --kubelet-client-certificate and --kubelet-client-key arguments are set as appropriate",
    severity: Severity::Low,
    description: "Without a client certificate the API server reaches kubelets with no credentials, so kubelets must either accept anonymous requests or refuse the API server's exec, logs and port-forward calls; with one, kubelet authentication and authorization can stay strict.",
    remediation: "Set --kubelet-client-certificate and --kubelet-client-key on kube-apiserver to a client certificate signed by the CA the kubelets trust (kubeadm uses /etc/kubernetes/pki/apiserver-kubelet-client.crt and .key).",
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
                "kubelet-client-certificate",
                "the client certificate the API server presents to kubelets",
            ),
            ("kubelet-client-key", "the key of that client certificate"),
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
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --kubelet-client-certificate; set it to the client certificate the API server presents to kubelets"
        );
        assert_eq!(found[1].path.as_deref(), Some("spec.containers[0].command"));
        assert_eq!(
            found[1].message,
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --kubelet-client-key; set it to the key of that client certificate"
        );
    }

    #[test]
    fn fails_when_one_is_absent() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt"],
            "spec.containers[0].command",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --kubelet-client-key; set it to the key of that client certificate",
        );
    }

    #[test]
    fn passes_when_both_set() {
        assert_clean(
            &CHECK,
            "kube-apiserver",
            &[
                "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt",
                "--kubelet-client-key",
                "/etc/kubernetes/pki/apiserver-kubelet-client.key",
            ],
        );
    }
}
