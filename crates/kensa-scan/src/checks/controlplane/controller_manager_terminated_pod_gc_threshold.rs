//! The controller manager deletes finished pods once there are more than
//! `--terminated-pod-gc-threshold` of them.
//!
//! Field: the `--terminated-pod-gc-threshold` flag of kube-controller-manager.
//! Unset it is 12500, far more than most clusters should keep, so an absent
//! flag fails (as in Trivy and the benchmark, which ask for a deliberate
//! value); so does a value of 0 or less, which turns the collector off, or
//! one that is not a whole number.

use kensa_report::Severity;

use super::support::{Component, each};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "controller-manager-terminated-pod-gc-threshold",
    aliases: &["KCV-0033", "KCV0033", "AVD-KCV-0033", "CKV_K8S_106"],
    title: "Ensure that the --terminated-pod-gc-threshold argument is set as appropriate",
    severity: Severity::Low,
    description: "Finished pods pile up in etcd until the threshold is reached; a high or disabled threshold lets them accumulate, wasting etcd space and slowing list calls, and can be used to degrade the control plane.",
    remediation: "Set --terminated-pod-gc-threshold on kube-controller-manager to the number of finished pods the cluster should keep, e.g. 10.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ControllerManager, |t| {
        match t.flags.last("terminated-pod-gc-threshold") {
        Some(flag) => match flag.text().trim().parse::<i64>() {
            Ok(value) if value > 0 => None,
            _ => Some(t.hit_on(
                flag,
                format!(
                    "{} sets {}, which turns the terminated pod garbage collector off; set it to a positive number such as 10",
                    t.who(),
                    flag.display()
                ),
            )),
        },
        None => Some(t.hit_missing(format!(
            "{} does not set --terminated-pod-gc-threshold, which defaults to 12500; set it to a threshold that fits the cluster, such as 10",
            t.who()
        ))),
    }
    })
}

#[cfg(test)]
mod tests {
    use super::super::support::{assert_clean, assert_hit};

    use super::CHECK;

    #[test]
    fn fails_when_absent() {
        assert_hit(
            &CHECK,
            "kube-controller-manager",
            &[],
            "spec.containers[0].command",
            "kube-controller-manager (Pod kube-system/kube-controller-manager-cp1) does not set --terminated-pod-gc-threshold, which defaults to 12500; set it to a threshold that fits the cluster, such as 10",
        );
    }

    #[test]
    fn fails_when_zero() {
        assert_hit(
            &CHECK,
            "kube-controller-manager",
            &["--terminated-pod-gc-threshold=0"],
            "spec.containers[0].command[1]",
            "kube-controller-manager (Pod kube-system/kube-controller-manager-cp1) sets --terminated-pod-gc-threshold=0, which turns the terminated pod garbage collector off; set it to a positive number such as 10",
        );
    }

    #[test]
    fn passes_when_set() {
        assert_clean(
            &CHECK,
            "kube-controller-manager",
            &["--terminated-pod-gc-threshold=10"],
        );
    }
}
