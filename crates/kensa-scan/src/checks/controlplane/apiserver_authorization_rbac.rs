//! The API server should authorize with the RBAC authorizer.
//!
//! Fields: `--authorization-mode` (a comma list, repeatable) and
//! `--authorization-config` of kube-apiserver. Fails when the list leaves out
//! RBAC, and when neither flag is given (the API server then defaults to
//! AlwaysAllow). With `--authorization-config` alone the authorizers are in a
//! file the check cannot see, and it passes.

use kensa_report::Severity;

use super::support::{Component, each, require_mode};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-authorization-rbac",
    aliases: &["KCV-0009", "KCV0009", "AVD-KCV-0009", "CKV_K8S_77"],
    title: "Ensure that the --authorization-mode argument includes RBAC",
    severity: Severity::Low,
    description: "RBAC is how Kubernetes grants users and service accounts the least access they need; without it access falls to coarser authorizers (or to none at all), and the cluster's Roles and bindings have no effect.",
    remediation: "Add RBAC to --authorization-mode on kube-apiserver: --authorization-mode=Node,RBAC.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| require_mode(t, "RBAC"))
}

#[cfg(test)]
mod tests {
    use super::super::support::{assert_clean, assert_hit};

    use super::CHECK;

    #[test]
    fn fails_when_left_out() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--authorization-mode=Node"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --authorization-mode=Node, which leaves out RBAC; add RBAC to --authorization-mode",
        );
    }

    #[test]
    fn fails_when_absent() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &[],
            "spec.containers[0].command",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --authorization-mode, which defaults to AlwaysAllow; set --authorization-mode=Node,RBAC",
        );
    }

    #[test]
    fn passes_when_listed() {
        assert_clean(
            &CHECK,
            "kube-apiserver",
            &["--authorization-mode", "Node,RBAC"],
        );
    }
}
