//! The controller manager serves Go profiling data at `/debug/pprof` unless
//! `--profiling=false`.
//!
//! Field: the `--profiling` flag of kube-controller-manager. It defaults to
//! true (and kubeadm does not set it), so an absent flag fails.

use kensa_report::Severity;

use super::support::{Component, each, expect_bool};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "controller-manager-profiling",
    aliases: &["KCV-0034", "KCV0034", "AVD-KCV-0034", "CKV_K8S_107"],
    title: "Ensure that the --profiling argument is set to false",
    severity: Severity::Low,
    description: "The profiling endpoints reveal details of the program and its load, and expensive profiles can be requested repeatedly to slow the controller manager down; they are for debugging, not production.",
    remediation: "Add --profiling=false to the kube-controller-manager command.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ControllerManager, |t| {
        expect_bool(t, "profiling", false, true)
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
            "kube-controller-manager",
            &["--profiling=true"],
            "spec.containers[0].command[1]",
            "kube-controller-manager (Pod kube-system/kube-controller-manager-cp1) sets --profiling=true; set it to false",
        );
    }

    #[test]
    fn fails_when_absent() {
        assert_hit(
            &CHECK,
            "kube-controller-manager",
            &[],
            "spec.containers[0].command",
            "kube-controller-manager (Pod kube-system/kube-controller-manager-cp1) does not set --profiling, which defaults to true; set --profiling=false",
        );
    }

    #[test]
    fn passes_when_set_to_false() {
        assert_clean(&CHECK, "kube-controller-manager", &["--profiling=false"]);
    }
}
