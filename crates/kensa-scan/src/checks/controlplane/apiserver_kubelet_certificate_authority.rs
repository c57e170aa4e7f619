//! The API server verifies the serving certificates of kubelets only when
//! `--kubelet-certificate-authority` names the CA that signed them.
//!
//! Field: the `--kubelet-certificate-authority` flag of kube-apiserver. There
//! is no default (kubeadm does not set it), so an absent or empty flag fails.

use kensa_report::Severity;

use super::support::{Component, each, require};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-kubelet-certificate-authority",
    aliases: &["KCV-0006", "KCV0006", "AVD-KCV-0006", "CKV_K8S_73"],
    title: "Ensure that the --kubelet-certificate-authority argument is set as appropriate",
    severity: Severity::Low,
    description: "Without a CA to check kubelet certificates against, the API server accepts any certificate from whatever answers on a node's kubelet port, so a machine in the middle can impersonate a kubelet and receive exec sessions and their credentials.",
    remediation: "Give kubelets serving certificates signed by a known CA (serverTLSBootstrap: true in the kubelet configuration, then approve the CSRs) and set --kubelet-certificate-authority on kube-apiserver to that CA, e.g. /etc/kubernetes/pki/ca.crt.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        require(
            t,
            "kubelet-certificate-authority",
            "the CA bundle that signed the kubelets' serving certificates",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::support::{assert_clean, assert_hit};

    use super::CHECK;

    #[test]
    fn fails_when_absent() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &[],
            "spec.containers[0].command",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --kubelet-certificate-authority; set it to the CA bundle that signed the kubelets' serving certificates",
        );
    }

    #[test]
    fn fails_when_empty() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--kubelet-certificate-authority="],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --kubelet-certificate-authority= without a value; set it to the CA bundle that signed the kubelets' serving certificates",
        );
    }

    #[test]
    fn passes_when_set() {
        assert_clean(
            &CHECK,
            "kube-apiserver",
            &["--kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt"],
        );
    }
}
