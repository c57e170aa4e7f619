//! The EventRateLimit admission plugin caps how fast Events may be created,
//! per server, namespace, user or source.
//!
//! Field: `--enable-admission-plugins` (or the old `--admission-control`)
//! of kube-apiserver, less `--disable-admission-plugins`. The plugin is off
//! by default, so an absent flag fails. (Checkov's CKV_K8S_78 looks at the
//! AdmissionConfiguration file instead, a different object.)

use kensa_report::Severity;

use super::support::{Component, each, require_plugin};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-event-rate-limit",
    aliases: &["KCV-0010", "KCV0010", "AVD-KCV-0010"],
    title: "Ensure that the admission control plugin EventRateLimit is set",
    severity: Severity::Low,
    description: "Events are written to etcd on every create; without a rate limit a misbehaving controller or a hostile user can flood the API server and etcd with Events and slow down or stop the control plane.",
    remediation: "Write an admission configuration with an EventRateLimit configuration (limits per Server, Namespace and User), pass it with --admission-control-config-file, and add EventRateLimit to --enable-admission-plugins on kube-apiserver.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        require_plugin(t, "EventRateLimit")
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
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not enable the EventRateLimit admission plugin; add it to --enable-admission-plugins",
        );
    }

    #[test]
    fn fails_when_left_out() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--enable-admission-plugins=LimitRanger"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not enable the EventRateLimit admission plugin; add it to --enable-admission-plugins",
        );
    }

    #[test]
    fn fails_when_disabled() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &[
                "--enable-admission-plugins=EventRateLimit",
                "--disable-admission-plugins=EventRateLimit",
            ],
            "spec.containers[0].command[2]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) disables the EventRateLimit admission plugin with --disable-admission-plugins=EventRateLimit; remove it there and add it to --enable-admission-plugins",
        );
    }

    #[test]
    fn passes_when_enabled() {
        assert_clean(
            &CHECK,
            "kube-apiserver",
            &[
                "--enable-admission-plugins=NodeRestriction",
                "--enable-admission-plugins=LimitRanger,EventRateLimit",
            ],
        );
    }
}
