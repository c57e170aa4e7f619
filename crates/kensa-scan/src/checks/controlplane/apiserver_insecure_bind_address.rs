//! `--insecure-bind-address` chooses where the API server's unauthenticated,
//! unencrypted HTTP port listens (removed in Kubernetes 1.24 with the
//! insecure port itself).
//!
//! Field: the `--insecure-bind-address` flag of kube-apiserver. Unset, the
//! port (when on) listens on localhost only; the check fails when the flag is
//! given at all. Checkov's CKV_K8S_86; Trivy has no equivalent.

use kensa_report::Severity;

use super::support::{Component, each, forbid};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-insecure-bind-address",
    aliases: &["CKV_K8S_86"],
    title: "Ensure that the --insecure-bind-address argument is not set",
    severity: Severity::High,
    description: "Requests on the insecure port skip authentication and authorization entirely; binding it to a routable address hands full control of the cluster to anyone on the network.",
    remediation: "Remove --insecure-bind-address from the kube-apiserver command and set --insecure-port=0 (or upgrade to a release without the insecure port).",
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
            "insecure-bind-address",
            "remove it so the unauthenticated HTTP port is never exposed beyond the node",
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
            &["--insecure-bind-address=0.0.0.0"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --insecure-bind-address=0.0.0.0; remove it so the unauthenticated HTTP port is never exposed beyond the node",
        );
    }

    #[test]
    fn passes_when_absent() {
        assert_clean(&CHECK, "kube-apiserver", &[]);
    }
}
