//! `--service-account-key-file` names the public keys that verify service
//! account tokens.
//!
//! Field: the `--service-account-key-file` flag of kube-apiserver. Unset,
//! the API server falls back to its TLS key, so an absent or empty flag
//! fails.

use kensa_report::Severity;

use super::support::{Component, each, require};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-service-account-key-file",
    aliases: &["KCV-0025", "KCV0025", "AVD-KCV-0025", "CKV_K8S_97"],
    title: "Ensure that the --service-account-key-file argument is set as appropriate",
    severity: Severity::Low,
    description: "A dedicated, separately kept key pair for service account tokens can be rotated on its own and does not tie token validity to the serving certificate's key.",
    remediation: "Set --service-account-key-file on kube-apiserver to the public key matching the controller manager's --service-account-private-key-file (kubeadm: /etc/kubernetes/pki/sa.pub).",
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
            "service-account-key-file",
            "the public key file that verifies service account tokens",
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
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --service-account-key-file; set it to the public key file that verifies service account tokens",
        );
    }

    #[test]
    fn fails_when_empty() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--service-account-key-file="],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --service-account-key-file= without a value; set it to the public key file that verifies service account tokens",
        );
    }

    #[test]
    fn passes_when_set() {
        assert_clean(
            &CHECK,
            "kube-apiserver",
            &["--service-account-key-file=/etc/kubernetes/pki/sa.pub"],
        );
    }
}
