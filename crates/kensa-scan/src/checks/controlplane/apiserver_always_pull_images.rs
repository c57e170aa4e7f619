//! The AlwaysPullImages admission plugin sets every container's
//! `imagePullPolicy` to Always, so the registry checks the pull credentials
//! of each new pod.
//!
//! Field: `--enable-admission-plugins` (or the old `--admission-control`) of
//! kube-apiserver, less `--disable-admission-plugins`. The plugin is off by
//! default, so an absent flag fails. Trivy's legacy id for this check is
//! KSV0012; KCV0012 is accepted too.

use kensa_report::Severity;

use super::support::{Component, each, require_plugin};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-always-pull-images",
    aliases: &[
        "KCV-0012",
        "KSV0012",
        "AVD-KCV-0012",
        "KCV0012",
        "CKV_K8S_80",
    ],
    title: "Ensure that the admission control plugin AlwaysPullImages is set",
    severity: Severity::Low,
    description: "Images pulled once stay in the node's cache; without AlwaysPullImages any pod scheduled on that node can start from a cached private image without having the pull secret for it, so private images leak across tenants.",
    remediation: "Add AlwaysPullImages to --enable-admission-plugins on kube-apiserver (every pod start then contacts the registry; make sure the registry is highly available).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        require_plugin(t, "AlwaysPullImages")
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
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not enable the AlwaysPullImages admission plugin; add it to --enable-admission-plugins",
        );
    }

    #[test]
    fn fails_when_left_out() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--enable-admission-plugins=LimitRanger"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not enable the AlwaysPullImages admission plugin; add it to --enable-admission-plugins",
        );
    }

    #[test]
    fn fails_when_disabled() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &[
                "--enable-admission-plugins=AlwaysPullImages",
                "--disable-admission-plugins=AlwaysPullImages",
            ],
            "spec.containers[0].command[2]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) disables the AlwaysPullImages admission plugin with --disable-admission-plugins=AlwaysPullImages; remove it there and add it to --enable-admission-plugins",
        );
    }

    #[test]
    fn passes_when_enabled() {
        assert_clean(
            &CHECK,
            "kube-apiserver",
            &[
                "--enable-admission-plugins=NodeRestriction",
                "--enable-admission-plugins=LimitRanger,AlwaysPullImages",
            ],
        );
    }
}
