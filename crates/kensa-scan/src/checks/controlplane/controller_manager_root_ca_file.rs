//! The controller manager puts the CA given by `--root-ca-file` into
//! service account token Secrets (and the kube-root-ca.crt ConfigMaps), so
//! pods can verify the API server.
//!
//! Field: the `--root-ca-file` flag of kube-controller-manager. There is no
//! default, so an absent or empty flag fails.

use kensa_report::Severity;

use super::support::{Component, each, require};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "controller-manager-root-ca-file",
    aliases: &["KCV-0037", "KCV0037", "AVD-KCV-0037", "CKV_K8S_111"],
    title: "Ensure that the --root-ca-file argument is set as appropriate",
    severity: Severity::Low,
    description: "Without the root CA, pods have nothing to verify the API server's certificate against, and clients inside the cluster are open to man-in-the-middle attacks or are configured to skip verification.",
    remediation: "Set --root-ca-file on kube-controller-manager to the cluster CA certificate (kubeadm: /etc/kubernetes/pki/ca.crt).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ControllerManager, |t| {
        require(t, "root-ca-file", "the cluster CA bundle")
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
            "kube-controller-manager",
            &[],
            "spec.containers[0].command",
            "kube-controller-manager (Pod kube-system/kube-controller-manager-cp1) does not set --root-ca-file; set it to the cluster CA bundle",
        );
    }

    #[test]
    fn fails_when_empty() {
        assert_hit(
            &CHECK,
            "kube-controller-manager",
            &["--root-ca-file="],
            "spec.containers[0].command[1]",
            "kube-controller-manager (Pod kube-system/kube-controller-manager-cp1) sets --root-ca-file= without a value; set it to the cluster CA bundle",
        );
    }

    #[test]
    fn passes_when_set() {
        assert_clean(
            &CHECK,
            "kube-controller-manager",
            &["--root-ca-file=/etc/kubernetes/pki/ca.crt"],
        );
    }
}
