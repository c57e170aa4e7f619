//! A static token file (`--token-auth-file`) holds bearer tokens in plain
//! text on the control-plane node; they never expire and changing them needs
//! an API server restart.
//!
//! Field: the `--token-auth-file` flag of kube-apiserver. It is unset by
//! default; the check fails when the flag is given at all.

use kensa_report::Severity;

use super::support::{Component, each, forbid};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-token-auth-file",
    aliases: &["KCV-0002", "KCV0002", "AVD-KCV-0002", "CKV_K8S_70"],
    title: "Ensure that the --token-auth-file parameter is not set",
    severity: Severity::Low,
    description: "Tokens from a static token file are long-lived secrets kept in clear text on disk, cannot be revoked without restarting the API server, and are easily copied; a leaked token gives lasting access.",
    remediation: "Remove --token-auth-file from the kube-apiserver command and move its users to client certificates, an OIDC provider or service account tokens.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        forbid(
            t,
            "token-auth-file",
            "remove it and authenticate with client certificates, OIDC or service account tokens",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::support::{assert_clean, assert_hit};

    use super::CHECK;

    #[test]
    fn fails_when_set() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--token-auth-file=/etc/kubernetes/tokens.csv"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --token-auth-file=/etc/kubernetes/tokens.csv; remove it and authenticate with client certificates, OIDC or service account tokens",
        );
    }

    #[test]
    fn passes_when_absent() {
        assert_clean(&CHECK, "kube-apiserver", &[]);
    }
}
