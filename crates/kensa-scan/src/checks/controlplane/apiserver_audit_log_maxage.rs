//! `--audit-log-maxage` sets the number of days to keep old audit log files; the benchmark asks for at least 30.
//!
//! Field: the `--audit-log-maxage` flag of kube-apiserver. Unset, the API server
//! applies no such limit (0), so an absent flag fails, as does a value below
//! 30 or one that is not a whole number.

use kensa_report::Severity;

use super::support::{Component, each, require_at_least};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-audit-log-maxage",
    aliases: &["KCV-0020", "KCV0020", "AVD-KCV-0020", "CKV_K8S_92"],
    title: "Ensure that the --audit-log-maxage argument is set to 30 or as appropriate",
    severity: Severity::Low,
    description: "Audit records are only useful if they are still there when an incident is investigated; without a retention period of about a month, old audit files are not kept for a known time.",
    remediation: "Set --audit-log-maxage=30 (or the number of days your retention policy requires) on kube-apiserver.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        require_at_least(t, "audit-log-maxage", 30)
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
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --audit-log-maxage; set it to 30 or more",
        );
    }

    #[test]
    fn fails_when_too_low() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--audit-log-maxage=29"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --audit-log-maxage=29; set it to 30 or more",
        );
    }

    #[test]
    fn fails_when_not_a_number() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--audit-log-maxage=lots"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --audit-log-maxage=lots; set it to 30 or more",
        );
    }

    #[test]
    fn passes_when_high_enough() {
        assert_clean(&CHECK, "kube-apiserver", &["--audit-log-maxage=30"]);
    }
}
