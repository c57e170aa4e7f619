//! The scheduler serves its health, metrics and debug endpoints (port 10259)
//! on the address given by `--bind-address`.
//!
//! Field: the `--bind-address` flag of kube-scheduler. It defaults to 0.0.0.0 (every
//! interface), so an absent flag fails; a loopback address (127.0.0.1 or
//! ::1) passes, as kubeadm sets.

use kensa_report::Severity;

use super::support::{Component, each, expect_loopback};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "scheduler-bind-address",
    aliases: &["KCV-0041", "KCV0041", "AVD-KCV-0041", "CKV_K8S_115"],
    title: "Ensure that the --bind-address argument is set to 127.0.0.1",
    severity: Severity::Low,
    description: "Listening on every interface exposes the scheduler's endpoints, including profiling when it is on, to the whole network; bound to loopback they are reachable only from the node itself.",
    remediation: "Set --bind-address=127.0.0.1 on kube-scheduler.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::Scheduler, expect_loopback)
}

#[cfg(test)]
mod tests {
    use super::super::support::{assert_clean, assert_hit};

    use super::CHECK;

    #[test]
    fn fails_when_absent() {
        assert_hit(
            &CHECK,
            "kube-scheduler",
            &[],
            "spec.containers[0].command",
            "kube-scheduler (Pod kube-system/kube-scheduler-cp1) does not set --bind-address, which defaults to 0.0.0.0; set --bind-address=127.0.0.1",
        );
    }

    #[test]
    fn fails_on_all_interfaces() {
        assert_hit(
            &CHECK,
            "kube-scheduler",
            &["--bind-address=0.0.0.0"],
            "spec.containers[0].command[1]",
            "kube-scheduler (Pod kube-system/kube-scheduler-cp1) sets --bind-address=0.0.0.0; set --bind-address=127.0.0.1",
        );
    }

    #[test]
    fn passes_on_loopback() {
        assert_clean(&CHECK, "kube-scheduler", &["--bind-address=127.0.0.1"]);
    }

    #[test]
    fn passes_on_ipv6_loopback() {
        assert_clean(&CHECK, "kube-scheduler", &["--bind-address", "::1"]);
    }
}
