//! The API server serves Go profiling data at `/debug/pprof` unless
//! `--profiling=false`.
//!
//! Field: the `--profiling` flag of kube-apiserver. It defaults to true (and
//! kubeadm does not set it), so an absent flag fails.

use kensa_report::Severity;

use super::support::{Component, each, expect_bool};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-profiling",
    aliases: &["KCV-0018", "KCV0018", "AVD-KCV-0018", "CKV_K8S_90"],
    title: "Ensure that the --profiling argument is set to false",
    severity: Severity::Low,
    description: "The profiling endpoints reveal details of the program and its load, and expensive profiles can be requested repeatedly to slow the API server down; they are for debugging, not production.",
    remediation: "Add --profiling=false to the kube-apiserver command.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
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
            "kube-apiserver",
            &["--profiling=true"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --profiling=true; set it to false",
        );
    }

    #[test]
    fn fails_when_absent() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &[],
            "spec.containers[0].command",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --profiling, which defaults to true; set --profiling=false",
        );
    }

    #[test]
    fn passes_when_set_to_false() {
        assert_clean(&CHECK, "kube-apiserver", &["--profiling=false"]);
    }
}
