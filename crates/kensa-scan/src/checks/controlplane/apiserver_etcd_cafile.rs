//! The API server verifies etcd's serving certificate against the CA given
//! by `--etcd-cafile`.
//!
//! Field: the `--etcd-cafile` flag of kube-apiserver. There is no default, so
//! an absent or empty flag fails.

use kensa_report::Severity;

use super::support::{Component, each, require};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-etcd-cafile",
    aliases: &["KCV-0029", "KCV0029", "AVD-KCV-0029", "CKV_K8S_102"],
    title: "Ensure that the --etcd-cafile argument is set as appropriate",
    severity: Severity::Low,
    description: "Without etcd's CA the API server cannot tell the real etcd from an impostor, which could then collect and rewrite all cluster state, Secrets included.",
    remediation: "Set --etcd-cafile on kube-apiserver to the CA that signed etcd's certificates (kubeadm: /etc/kubernetes/pki/etcd/ca.crt).",
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
            "etcd-cafile",
            "the CA bundle that signed etcd's serving certificate",
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
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --etcd-cafile; set it to the CA bundle that signed etcd's serving certificate",
        );
    }

    #[test]
    fn fails_when_empty() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--etcd-cafile="],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --etcd-cafile= without a value; set it to the CA bundle that signed etcd's serving certificate",
        );
    }

    #[test]
    fn passes_when_set() {
        assert_clean(
            &CHECK,
            "kube-apiserver",
            &["--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt"],
        );
    }
}
