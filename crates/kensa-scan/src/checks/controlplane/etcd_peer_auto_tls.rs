//! `--peer-auto-tls` makes etcd talk to its peers with a self-signed
//! certificate it generates itself.
//!
//! Field: the `--peer-auto-tls` flag of etcd (or `ETCD_PEER_AUTO_TLS`); a bare
//! `--peer-auto-tls` means true. It defaults to false, so an absent flag
//! passes. etcd started with `--config-file` is not judged.

use kensa_report::Severity;

use super::support::{Component, each, expect_bool};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "etcd-peer-auto-tls",
    aliases: &["KCV-0047", "KCV0047", "AVD-KCV-0047"],
    title: "Ensure that the --peer-auto-tls argument is not set to true",
    severity: Severity::Low,
    description: "Self-signed, generated peer certificates cannot be verified, so members cannot tell a real peer from an impostor that joins replication.",
    remediation: "Remove --peer-auto-tls from the etcd command (or set it to false) and configure --peer-cert-file and --peer-key-file with CA-signed certificates.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::Etcd, |t| {
        expect_bool(t, "peer-auto-tls", false, false)
    })
}

#[cfg(test)]
mod tests {
    use super::super::support::{assert_clean, assert_hit};

    use super::CHECK;

    #[test]
    fn fails_when_set_to_true() {
        assert_hit(
            &CHECK,
            "etcd",
            &["--peer-auto-tls=true"],
            "spec.containers[0].command[1]",
            "etcd (Pod kube-system/etcd-cp1) sets --peer-auto-tls=true; set it to false",
        );
    }

    #[test]
    fn passes_when_set_to_false() {
        assert_clean(&CHECK, "etcd", &["--peer-auto-tls=false"]);
    }

    #[test]
    fn passes_when_absent() {
        assert_clean(&CHECK, "etcd", &[]);
    }
}
