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
    use super::super::support::manifest;
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_when_absent() {
        let found = hits(&CHECK, &manifest("kube-controller-manager", &[]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path.as_deref(), Some("spec.containers[0].command"));
        assert_eq!(
            found[0].message,
            "kube-controller-manager (Pod kube-system/kube-controller-manager-cp1) does not set --service-account-private-key-file; set it to the private key that signs service account tokens"
        );
    }

    #[test]
    fn fails_when_empty() {
        let found = hits(
            &CHECK,
            &manifest(
                "kube-controller-manager",
                &["--service-account-private-key-file="],
            ),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.containers[0].command[1]")
        );
        assert_eq!(
            found[0].message,
            "kube-controller-manager (Pod kube-system/kube-controller-manager-cp1) sets --service-account-private-key-file= without a value; set it to the private key that signs service account tokens"
        );
    }

    #[test]
    fn passes_when_set() {
        let found = hits(
            &CHECK,
            &manifest(
                "kube-controller-manager",
                &["--service-account-private-key-file=/etc/kubernetes/pki/sa.key"],
            ),
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
