//! etcd requires its peers to present a certificate signed by the peer CA
//! only with `--peer-client-cert-auth=true`.
//!
//! Field: the `--peer-client-cert-auth` flag of etcd (or
//! `ETCD_PEER_CLIENT_CERT_AUTH`). It defaults to false, so an absent flag
//! fails (kubeadm sets it). etcd started with `--config-file` is not
//! judged.

use kensa_report::Severity;

use super::support::{Component, each, expect_bool};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "etcd-peer-client-cert-auth",
    aliases: &["KCV-0046", "KCV0046", "AVD-KCV-0046", "CKV_K8S_121"],
    title: "Ensure that the --peer-client-cert-auth argument is set to true",
    severity: Severity::Low,
    description: "Without peer certificate authentication any host that reaches the peer port can pose as a cluster member and receive or inject cluster state.",
    remediation: "Add --peer-client-cert-auth=true to the etcd command, with --peer-trusted-ca-file naming the peer CA.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::Etcd, |t| {
        expect_bool(t, "peer-client-cert-auth", true, false)
    })
}

#[cfg(test)]
mod tests {
    use super::super::support::{assert_clean, assert_hit};

    use super::CHECK;

    #[test]
    fn fails_when_set_to_false() {
        assert_hit(
            &CHECK,
            "etcd",
            &["--peer-client-cert-auth=false"],
            "spec.containers[0].command[1]",
            "etcd (Pod kube-system/etcd-cp1) sets --peer-client-cert-auth=false; set it to true",
        );
    }

    #[test]
    fn fails_when_absent() {
        assert_hit(
            &CHECK,
            "etcd",
            &[],
            "spec.containers[0].command",
            "etcd (Pod kube-system/etcd-cp1) does not set --peer-client-cert-auth, which defaults to false; set --peer-client-cert-auth=true",
        );
    }

    #[test]
    fn passes_when_set_to_true() {
        assert_clean(&CHECK, "etcd", &["--peer-client-cert-auth=true"]);
    }
}
