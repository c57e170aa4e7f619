//! The scheduler serves Go profiling data at `/debug/pprof` unless profiling
//! is turned off.
//!
//! Field: the `--profiling` flag of kube-scheduler. It defaults to true (and
//! kubeadm does not set it), so an absent flag fails. The scheduler ignores
//! the flag when `--config` names a KubeSchedulerConfiguration (whose
//! `enableProfiling` decides instead); such a scheduler is not judged.

use kensa_report::Severity;

use super::support::{Component, each, expect_bool};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "scheduler-profiling",
    aliases: &["KCV-0040", "KCV0040", "AVD-KCV-0040", "CKV_K8S_114"],
    title: "Ensure that the --profiling argument is set to false",
    severity: Severity::Low,
    description: "The profiling endpoints reveal details of the program and its load, and expensive profiles can be requested repeatedly to slow the scheduler down; they are for debugging, not production.",
    remediation: "Add --profiling=false to the kube-scheduler command, or set enableProfiling: false in the KubeSchedulerConfiguration passed with --config.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::Scheduler, |t| {
        if t.flags.last("config").is_some() {
            return None;
        }
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
            "kube-scheduler",
            &["--profiling=true"],
            "spec.containers[0].command[1]",
            "kube-scheduler (Pod kube-system/kube-scheduler-cp1) sets --profiling=true; set it to false",
        );
    }

    #[test]
    fn fails_when_absent() {
        assert_hit(
            &CHECK,
            "kube-scheduler",
            &[],
            "spec.containers[0].command",
            "kube-scheduler (Pod kube-system/kube-scheduler-cp1) does not set --profiling, which defaults to true; set --profiling=false",
        );
    }

    #[test]
    fn fails_when_bare() {
        assert_hit(
            &CHECK,
            "kube-scheduler",
            &["--profiling"],
            "spec.containers[0].command[1]",
            "kube-scheduler (Pod kube-system/kube-scheduler-cp1) sets --profiling; set it to false",
        );
    }

    #[test]
    fn passes_when_set_to_false() {
        assert_clean(&CHECK, "kube-scheduler", &["--profiling=false"]);
    }

    #[test]
    fn passes_with_a_config_file() {
        assert_clean(
            &CHECK,
            "kube-scheduler",
            &["--config=/etc/kubernetes/scheduler-config.yaml"],
        );
    }
}
