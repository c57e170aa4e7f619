//! The RotateKubeletServerCertificate feature gate lets the controller
//! manager approve the certificate requests kubelets make to renew their
//! serving certificates.
//!
//! Field: the `RotateKubeletServerCertificate` entry of `--feature-gates`
//! (all occurrences, the last entry winning) of kube-controller-manager. The
//! gate has been on by default since Kubernetes 1.12, so an absent flag or
//! entry passes; the check fails when the gate is set to anything but
//! true.

use kensa_report::Severity;

use super::support::{Component, each, parse_bool};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "controller-manager-rotate-kubelet-server-certificate",
    aliases: &["KCV-0038", "KCV0038", "AVD-KCV-0038", "CKV_K8S_112"],
    title: "Ensure that the RotateKubeletServerCertificate argument is set to true",
    severity: Severity::Low,
    description: "Without rotation, kubelet serving certificates expire or are replaced by self-signed ones, which pushes the API server towards not verifying kubelets.",
    remediation: "Remove RotateKubeletServerCertificate=false from --feature-gates on kube-controller-manager (or set the gate to true).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ControllerManager, |t| {
        let (value, flag) = t
            .flags
            .map_value("feature-gates", "RotateKubeletServerCertificate")?;
        (parse_bool(&value) != Some(true)).then(|| {
            t.hit_on(
                flag,
                format!(
                    "{} sets RotateKubeletServerCertificate={value} in {}; set it to true or remove it",
                    t.who(),
                    flag.display()
                ),
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::super::support::{assert_clean, assert_hit};

    use super::CHECK;

    #[test]
    fn fails_when_turned_off() {
        assert_hit(
            &CHECK,
            "kube-controller-manager",
            &["--feature-gates=RotateKubeletServerCertificate=false,Other=true"],
            "spec.containers[0].command[1]",
            "kube-controller-manager (Pod kube-system/kube-controller-manager-cp1) sets RotateKubeletServerCertificate=false in --feature-gates=RotateKubeletServerCertificate=false,Other=true; set it to true or remove it",
        );
    }

    #[test]
    fn passes_when_absent() {
        assert_clean(
            &CHECK,
            "kube-controller-manager",
            &["--feature-gates=Other=true"],
        );
    }

    #[test]
    fn passes_when_turned_on_last() {
        assert_clean(
            &CHECK,
            "kube-controller-manager",
            &[
                "--feature-gates=RotateKubeletServerCertificate=false",
                "--feature-gates=RotateKubeletServerCertificate=true",
            ],
        );
    }
}
