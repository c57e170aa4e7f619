//! A basic-auth file (`--basic-auth-file`) holds user names and passwords in
//! plain text on the control-plane node. Kubernetes 1.19 removed the flag;
//! older API servers still accept it.
//!
//! Field: the `--basic-auth-file` flag of kube-apiserver. It is unset by
//! default; the check fails when the flag is given at all. Checkov's
//! CKV_K8S_69; Trivy has no equivalent.

use kensa_report::Severity;

use super::support::{Component, each, forbid};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-basic-auth-file",
    aliases: &["CKV_K8S_69"],
    title: "Ensure that the --basic-auth-file argument is not set",
    severity: Severity::Medium,
    description: "Passwords from a basic-auth file are sent with every request, never expire, are kept in clear text on disk and can only be changed by restarting the API server; a leaked password gives lasting access.",
    remediation: "Remove --basic-auth-file from the kube-apiserver command and move its users to client certificates, an OIDC provider or service account tokens.",
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
            "basic-auth-file",
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
            &["--basic-auth-file=/etc/kubernetes/passwords.csv"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --basic-auth-file=/etc/kubernetes/passwords.csv; remove it and authenticate with client certificates, OIDC or service account tokens",
        );
    }

    #[test]
    fn passes_when_absent() {
        assert_clean(&CHECK, "kube-apiserver", &[]);
    }
}
