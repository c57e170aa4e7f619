//! The API server accepts client certificates only when `--client-ca-file`
//! names the CA that signs them.
//!
//! Field: the `--client-ca-file` flag of kube-apiserver. There is no default,
//! so an absent or empty flag fails.

use kensa_report::Severity;

use super::support::{Component, each, require};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-client-ca-file",
    aliases: &["KCV-0028", "KCV0028", "AVD-KCV-0028"],
    title: "Ensure that the --client-ca-file argument is set as appropriate",
    severity: Severity::Low,
    description: "Without a client CA the API server cannot authenticate clients by certificate, which kubelets, controllers and administrators rely on, and weaker authentication methods take its place.",
    remediation: "Set --client-ca-file on kube-apiserver to the cluster CA certificate (kubeadm: /etc/kubernetes/pki/ca.crt).",
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
            "client-ca-file",
            "the CA bundle that signs client certificates",
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
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --client-ca-file; set it to the CA bundle that signs client certificates",
        );
    }

    #[test]
    fn fails_when_empty() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--client-ca-file="],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --client-ca-file= without a value; set it to the CA bundle that signs client certificates",
        );
    }

    #[test]
    fn passes_when_set() {
        assert_clean(
            &CHECK,
            "kube-apiserver",
            &["--client-ca-file=/etc/kubernetes/pki/ca.crt"],
        );
    }
}
