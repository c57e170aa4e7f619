//! The ServiceAccount admission plugin is on by default and should stay on.
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
    id: "apiserver-service-account-plugin",
    aliases: &["KCV-0014", "KCV0014", "AVD-KCV-0014", "CKV_K8S_82"],
    title: "Ensure that the admission control plugin ServiceAccount is set",
    severity: Severity::Low,
    description: "The ServiceAccount admission plugin gives pods their service account and its token and rejects pods that name a service account that does not exist; without it pods can run under identities nobody created, and token handling is left undone.",
    remediation: "Remove ServiceAccount from --disable-admission-plugins on kube-apiserver.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        forbid_disabled_plugin(t, "ServiceAccount")
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
            &["--disable-admission-plugins=DefaultStorageClass,ServiceAccount"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) disables the ServiceAccount admission plugin with --disable-admission-plugins=DefaultStorageClass,ServiceAccount; remove it from --disable-admission-plugins",
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
