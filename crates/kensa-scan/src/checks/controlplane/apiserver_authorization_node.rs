//! The API server should authorize with the Node authorizer.
//!
//! Fields: `--authorization-mode` (a comma list, repeatable) and
//! `--authorization-config` of kube-apiserver. Fails when the list leaves out
//! Node, and when neither flag is given (the API server then defaults to
//! AlwaysAllow). With `--authorization-config` alone the authorizers are in a
//! file the check cannot see, and it passes.

use kensa_report::Severity;

use super::support::{Component, each, require_mode};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-authorization-node",
    aliases: &["KCV-0008", "KCV0008", "AVD-KCV-0008", "CKV_K8S_75"],
    title: "Ensure that the --authorization-mode argument includes Node",
    severity: Severity::Low,
    description: "The Node authorizer limits each kubelet to the objects of the pods bound to its own node; without it kubelets need broad RBAC grants, and one compromised node can read Secrets and ConfigMaps meant for every other node.",
    remediation: "Add Node to --authorization-mode on kube-apiserver, ahead of RBAC: --authorization-mode=Node,RBAC (and enable the NodeRestriction admission plugin with it).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| require_mode(t, "Node"))
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
            &["--authorization-mode=RBAC"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --authorization-mode=RBAC, which leaves out Node; add Node to --authorization-mode",
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
