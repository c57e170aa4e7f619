//! With `--use-service-account-credentials` each controller of the
//! controller manager calls the API server with its own service account.
//!
//! Field: the `--use-service-account-credentials` flag of
//! kube-controller-manager. It defaults to false, so an absent flag fails
//! (kubeadm sets it to true). Trivy's legacy id for this check is KCV0135;
//! KCV0035 is accepted too.

use kensa_report::Severity;

use super::support::{Component, each, expect_bool};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "controller-manager-service-account-credentials",
    aliases: &[
        "KCV-0035",
        "KCV0135",
        "AVD-KCV-0035",
        "KCV0035",
        "CKV_K8S_108",
    ],
    title: "Ensure that the --use-service-account-credentials argument is set to true",
    severity: Severity::Low,
    description: "Otherwise every controller acts with the controller manager's own, very broad credentials, and RBAC cannot limit each controller to what it needs.",
    remediation: "Add --use-service-account-credentials=true to the kube-controller-manager command (the default RBAC roles for each controller then apply).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ControllerManager, |t| {
        expect_bool(t, "use-service-account-credentials", true, false)
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
            "kube-controller-manager",
            &["--use-service-account-credentials=false"],
            "spec.containers[0].command[1]",
            "kube-controller-manager (Pod kube-system/kube-controller-manager-cp1) sets --use-service-account-credentials=false; set it to true",
        );
    }

    #[test]
    fn fails_when_absent() {
        assert_hit(
            &CHECK,
            "kube-controller-manager",
            &[],
            "spec.containers[0].command",
            "kube-controller-manager (Pod kube-system/kube-controller-manager-cp1) does not set --use-service-account-credentials, which defaults to false; set --use-service-account-credentials=true",
        );
    }

    #[test]
    fn passes_when_set_to_true() {
        assert_clean(
            &CHECK,
            "kube-controller-manager",
            &["--use-service-account-credentials=true"],
        );
    }
}
