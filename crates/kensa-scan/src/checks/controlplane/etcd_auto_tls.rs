//! `--auto-tls` makes etcd serve clients with a self-signed certificate it
//! generates itself.
//!
//! Field: the `--auto-tls` flag of etcd (or `ETCD_AUTO_TLS`); a bare
//! `--auto-tls` means true. It defaults to false, so an absent flag passes.
//! etcd started with `--config-file` is not judged.

use kensa_report::Severity;

use super::support::{Component, each, expect_bool};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "etcd-auto-tls",
    aliases: &["KCV-0044", "KCV0044", "AVD-KCV-0044", "CKV_K8S_118"],
    title: "Ensure that the --auto-tls argument is not set to true",
    severity: Severity::Low,
    description: "Clients cannot verify a self-signed, generated certificate, so client connections to etcd get encryption without authentication and are open to man-in-the-middle attacks.",
    remediation: "Remove --auto-tls from the etcd command (or set it to false) and configure --cert-file and --key-file with a CA-signed certificate.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::Etcd, |t| {
        expect_bool(t, "auto-tls", false, false)
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
            &["--auto-tls=true"],
            "spec.containers[0].command[1]",
            "etcd (Pod kube-system/etcd-cp1) sets --auto-tls=true; set it to false",
        );
    }

    #[test]
    fn passes_when_set_to_false() {
        assert_clean(&CHECK, "etcd", &["--auto-tls=false"]);
    }

    #[test]
    fn passes_when_absent() {
        assert_clean(&CHECK, "etcd", &[]);
    }
}
