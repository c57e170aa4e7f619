//! The NamespaceLifecycle admission plugin is on by default and should stay on.
//!
//! Field: `--disable-admission-plugins` of kube-apiserver. An absent flag
//! passes (the plugin is in the default set); the check fails when the
//! plugin is listed there.

use kensa_report::Severity;

use super::support::{Component, each, forbid_disabled_plugin};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-namespace-lifecycle-plugin",
    aliases: &["KCV-0015", "KCV0015", "AVD-KCV-0015", "CKV_K8S_83"],
    title: "Ensure that the admission control plugin NamespaceLifecycle is set",
    severity: Severity::Low,
    description: "The NamespaceLifecycle admission plugin refuses objects in namespaces that do not exist or are being deleted, and protects the system namespaces from deletion; without it objects can outlive their namespace's cleanup.",
    remediation: "Remove NamespaceLifecycle from --disable-admission-plugins on kube-apiserver.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        forbid_disabled_plugin(t, "NamespaceLifecycle")
    })
}

#[cfg(test)]
mod tests {
    use super::super::support::{assert_clean, assert_hit};

    use super::CHECK;

    #[test]
    fn fails_when_disabled() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--disable-admission-plugins=DefaultStorageClass,NamespaceLifecycle"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) disables the NamespaceLifecycle admission plugin with --disable-admission-plugins=DefaultStorageClass,NamespaceLifecycle; remove it from --disable-admission-plugins",
        );
    }

    #[test]
    fn passes_when_absent() {
        assert_clean(&CHECK, "kube-apiserver", &[]);
    }

    #[test]
    fn passes_when_only_others_are_disabled() {
        assert_clean(
            &CHECK,
            "kube-apiserver",
            &["--disable-admission-plugins=DefaultStorageClass"],
        );
    }
}
