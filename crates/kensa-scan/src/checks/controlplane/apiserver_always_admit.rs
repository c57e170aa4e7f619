//! The AlwaysAdmit admission plugin admits every request; it is deprecated
//! and only useful for testing.
//!
//! Field: `--enable-admission-plugins` (or the old `--admission-control`) of
//! kube-apiserver. The plugin is off by default, so an absent flag passes;
//! the check fails when the plugin is listed.

use kensa_report::Severity;

use super::support::{Component, each, forbid_plugin};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-always-admit",
    aliases: &["KCV-0011", "KCV0011", "AVD-KCV-0011", "CKV_K8S_79"],
    title: "Ensure that the admission control plugin AlwaysAdmit is not set",
    severity: Severity::Low,
    description: "AlwaysAdmit lets every request through admission control by itself, which defeats the point of the admission chain and signals a test setup carried into a real cluster.",
    remediation: "Remove AlwaysAdmit from --enable-admission-plugins on kube-apiserver.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        forbid_plugin(t, "AlwaysAdmit")
    })
}

#[cfg(test)]
mod tests {
    use super::super::support::{assert_clean, assert_hit};

    use super::CHECK;

    #[test]
    fn fails_when_enabled() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--enable-admission-plugins=AlwaysAdmit"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) enables the AlwaysAdmit admission plugin with --enable-admission-plugins=AlwaysAdmit; remove it from the list",
        );
    }

    #[test]
    fn fails_with_the_old_flag() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--admission-control=NamespaceLifecycle,AlwaysAdmit"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) enables the AlwaysAdmit admission plugin with --admission-control=NamespaceLifecycle,AlwaysAdmit; remove it from the list",
        );
    }

    #[test]
    fn passes_when_not_enabled() {
        assert_clean(
            &CHECK,
            "kube-apiserver",
            &["--enable-admission-plugins=NodeRestriction"],
        );
    }
}
