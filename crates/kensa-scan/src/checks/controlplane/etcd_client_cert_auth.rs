//! etcd requires clients to present a certificate signed by its trusted CA
//! only with `--client-cert-auth=true`.
//!
//! Field: the `--client-cert-auth` flag of etcd (or `ETCD_CLIENT_CERT_AUTH`).
//! It defaults to false, so an absent flag fails (kubeadm sets it). etcd
//! started with `--config-file` is not judged.

use kensa_report::Severity;

use super::support::{Component, each, expect_bool};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "etcd-client-cert-auth",
    aliases: &["KCV-0043", "KCV0043", "AVD-KCV-0043", "CKV_K8S_117"],
    title: "Ensure that the --client-cert-auth argument is set to true",
    severity: Severity::Low,
    description: "Without client certificate authentication anyone who can reach etcd's client port can read and write the whole cluster state, Secrets included, bypassing the API server's authentication and RBAC.",
    remediation: "Add --client-cert-auth=true to the etcd command, with --trusted-ca-file naming the CA that signs its clients' certificates.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::Etcd, |t| {
        expect_bool(t, "client-cert-auth", true, false)
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
            &["--client-cert-auth=false"],
            "spec.containers[0].command[1]",
            "etcd (Pod kube-system/etcd-cp1) sets --client-cert-auth=false; set it to true",
        );
    }

    #[test]
    fn fails_when_absent() {
        assert_hit(
            &CHECK,
            "etcd",
            &[],
            "spec.containers[0].command",
            "etcd (Pod kube-system/etcd-cp1) does not set --client-cert-auth, which defaults to false; set --client-cert-auth=true",
        );
    }

    #[test]
    fn passes_when_set_to_true() {
        assert_clean(&CHECK, "etcd", &["--client-cert-auth=true"]);
    }
}
