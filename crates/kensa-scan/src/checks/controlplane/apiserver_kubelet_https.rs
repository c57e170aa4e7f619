//! The API server talks to kubelets (logs, exec, port-forward) over HTTPS
//! unless `--kubelet-https=false`.
//!
//! Field: the `--kubelet-https` flag of kube-apiserver. It defaults to true
//! (and newer releases dropped the flag, always using HTTPS), so an absent
//! flag passes; only an explicit false fails.

use kensa_report::Severity;

use super::support::{Component, each, expect_bool};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-kubelet-https",
    aliases: &["KCV-0004", "KCV0004", "AVD-KCV-0004", "CKV_K8S_71"],
    title: "Ensure that the --kubelet-https argument is set to true",
    severity: Severity::Low,
    description: "Over plain HTTP the API server's traffic to kubelets, which carries exec sessions, logs and port-forwards, can be read and altered by anyone on the path between control plane and nodes.",
    remediation: "Remove --kubelet-https=false from the kube-apiserver command (or set --kubelet-https=true).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        expect_bool(t, "kubelet-https", true, true)
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
            "kube-apiserver",
            &["--kubelet-https=false"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --kubelet-https=false; set it to true",
        );
    }

    #[test]
    fn passes_when_set_to_true() {
        assert_clean(&CHECK, "kube-apiserver", &["--kubelet-https=true"]);
    }

    #[test]
    fn passes_when_absent() {
        assert_clean(&CHECK, "kube-apiserver", &[]);
    }
}
