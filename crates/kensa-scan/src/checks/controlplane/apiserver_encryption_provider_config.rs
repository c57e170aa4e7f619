//! The API server encrypts resources (Secrets above all) before writing
//! them to etcd only when `--encryption-provider-config` names an
//! EncryptionConfiguration.
//!
//! Field: the `--encryption-provider-config` flag of kube-apiserver. It is
//! unset by default (kubeadm does not set it), so an absent or empty flag
//! fails.

use kensa_report::Severity;

use super::support::{Component, each, require};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-encryption-provider-config",
    aliases: &["KCV-0030", "KCV0030", "AVD-KCV-0030", "CKV_K8S_104"],
    title: "Ensure that the --encryption-provider-config argument is set as appropriate",
    severity: Severity::Low,
    description: "Without encryption at rest, Secrets sit in etcd and its backups in plain base64; anyone who gets an etcd snapshot or disk reads every credential in the cluster.",
    remediation: "Write an EncryptionConfiguration that encrypts secrets with a KMS v2 provider (or aescbc/secretbox), put it on the control-plane nodes, and pass it with --encryption-provider-config; then rewrite existing Secrets so they are stored encrypted.",
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
            "encryption-provider-config",
            "an EncryptionConfiguration file",
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
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --encryption-provider-config; set it to an EncryptionConfiguration file",
        );
    }

    #[test]
    fn fails_when_empty() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--encryption-provider-config="],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --encryption-provider-config= without a value; set it to an EncryptionConfiguration file",
        );
    }

    #[test]
    fn passes_when_set() {
        assert_clean(
            &CHECK,
            "kube-apiserver",
            &["--encryption-provider-config=/etc/kubernetes/enc/encryption-config.yaml"],
        );
    }
}
