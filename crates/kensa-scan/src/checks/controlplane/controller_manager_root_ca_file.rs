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
            "kube-controller-manager (Pod kube-system/kube-controller-manager-cp1) does not set --root-ca-file; set it to the cluster CA bundle"
        );
    }

    #[test]
    fn fails_when_empty() {
        let found = hits(
            &CHECK,
            &manifest("kube-controller-manager", &["--root-ca-file="]),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.containers[0].command[1]")
        );
        assert_eq!(
            found[0].message,
            "kube-controller-manager (Pod kube-system/kube-controller-manager-cp1) sets --root-ca-file= without a value; set it to the cluster CA bundle"
        );
    }

    #[test]
    fn passes_when_set() {
        let found = hits(
            &CHECK,
            &manifest(
                "kube-controller-manager",
                &["--root-ca-file=/etc/kubernetes/pki/ca.crt"],
            ),
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
