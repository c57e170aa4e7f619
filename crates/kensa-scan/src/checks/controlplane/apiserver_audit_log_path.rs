//! The API server writes audit logs to a file only when `--audit-log-path`
//! is set (`-` means standard output).
//!
//! Field: the `--audit-log-path` flag of kube-apiserver. It is unset by
//! default, so an absent or empty flag fails.

use kensa_report::Severity;

use super::support::{Component, each, require};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-audit-log-path",
    aliases: &["KCV-0019", "KCV0019", "AVD-KCV-0019", "CKV_K8S_91"],
    title: "Ensure that the --audit-log-path argument is set",
    severity: Severity::Low,
    description: "Without an audit log there is no record of who did what through the API, which leaves incidents without evidence and abuse unnoticed.",
    remediation: "Set --audit-log-path on kube-apiserver (e.g. /var/log/kubernetes/audit/audit.log, on a mounted host directory) together with --audit-policy-file naming an audit policy.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        require(
            t,
            "audit-log-path",
            "a file such as /var/log/kubernetes/audit/audit.log",
        )
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
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --audit-log-path; set it to a file such as /var/log/kubernetes/audit/audit.log",
        );
    }

    #[test]
    fn fails_when_empty() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--audit-log-path="],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --audit-log-path= without a value; set it to a file such as /var/log/kubernetes/audit/audit.log",
        );
    }

    #[test]
    fn passes_when_set() {
        assert_clean(
            &CHECK,
            "kube-apiserver",
            &["--audit-log-path=/var/log/kubernetes/audit/audit.log"],
        );
    }
}
