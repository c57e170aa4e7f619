//! The controller manager signs service account token Secrets with the key
//! given by `--service-account-private-key-file`.
//!
//! Field: the `--service-account-private-key-file` flag of
//! kube-controller-manager. There is no default, so an absent or empty flag
//! fails.

use kensa_report::Severity;

use super::support::{Component, each, require};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "controller-manager-service-account-private-key-file",
    aliases: &["KCV-0036", "KCV0036", "AVD-KCV-0036", "CKV_K8S_110"],
    title: "Ensure that the --service-account-private-key-file argument is set as appropriate",
    severity: Severity::Low,
    description: "A dedicated signing key lets service account tokens be verified and the key rotated on its own; without it token signing is left unconfigured.",
    remediation: "Set --service-account-private-key-file on kube-controller-manager to the private key matching the API server's --service-account-key-file (kubeadm: /etc/kubernetes/pki/sa.key).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ControllerManager, |t| {
        require(
            t,
            "service-account-private-key-file",
            "the private key that signs service account tokens",
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
            "kube-controller-manager",
            &[],
            "spec.containers[0].command",
            "kube-controller-manager (Pod kube-system/kube-controller-manager-cp1) does not set --service-account-private-key-file; set it to the private key that signs service account tokens",
        );
    }

    #[test]
    fn fails_when_empty() {
        assert_hit(
            &CHECK,
            "kube-controller-manager",
            &["--service-account-private-key-file="],
            "spec.containers[0].command[1]",
            "kube-controller-manager (Pod kube-system/kube-controller-manager-cp1) sets --service-account-private-key-file= without a value; set it to the private key that signs service account tokens",
        );
    }

    #[test]
    fn passes_when_set() {
        assert_clean(
            &CHECK,
            "kube-controller-manager",
            &["--service-account-private-key-file=/etc/kubernetes/pki/sa.key"],
        );
    }
}
