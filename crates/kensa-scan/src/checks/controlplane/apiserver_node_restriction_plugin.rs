//! The NodeRestriction admission plugin confines what a kubelet may change
//! to its own Node object and the pods bound to it.
//!
//! Field: `--enable-admission-plugins` (or the old `--admission-control`) of
//! kube-apiserver, less `--disable-admission-plugins`. The plugin is off by
//! default (kubeadm enables it), so an absent flag fails.

use kensa_report::Severity;

use super::support::{Component, each, require_plugin};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-node-restriction-plugin",
    aliases: &["KCV-0016", "KCV0016", "AVD-KCV-0016", "CKV_K8S_85"],
    title: "Ensure that the admission control plugin NodeRestriction is set",
    severity: Severity::Low,
    description: "Without NodeRestriction a kubelet's credentials can modify other nodes, their labels and taints, and pods on other nodes, so one compromised node can attract sensitive workloads or tamper with the rest of the cluster.",
    remediation: "Add NodeRestriction to --enable-admission-plugins on kube-apiserver, together with --authorization-mode=Node,RBAC.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        require_plugin(t, "NodeRestriction")
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
            "kube-apiserver",
            &[],
            "spec.containers[0].command",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not enable the NodeRestriction admission plugin; add it to --enable-admission-plugins",
        );
    }

    #[test]
    fn fails_when_left_out() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--enable-admission-plugins=LimitRanger"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not enable the NodeRestriction admission plugin; add it to --enable-admission-plugins",
        );
    }

    #[test]
    fn fails_when_disabled() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &[
                "--enable-admission-plugins=NodeRestriction",
                "--disable-admission-plugins=NodeRestriction",
            ],
            "spec.containers[0].command[2]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) disables the NodeRestriction admission plugin with --disable-admission-plugins=NodeRestriction; remove it there and add it to --enable-admission-plugins",
        );
    }

    #[test]
    fn passes_when_enabled() {
        assert_clean(
            &CHECK,
            "kube-apiserver",
            &[
                "--enable-admission-plugins=NodeRestriction",
                "--enable-admission-plugins=LimitRanger,NodeRestriction",
            ],
        );
    }
}
