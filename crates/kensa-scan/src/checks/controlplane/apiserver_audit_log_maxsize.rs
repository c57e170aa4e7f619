//! `--audit-log-maxsize` sets the size in megabytes at which the audit log file is rotated; the benchmark asks for at least 100.
//!
//! Field: the `--audit-log-maxsize` flag of kube-apiserver. Unset, the API server
//! applies no such limit (0), so an absent flag fails, as does a value below
//! 100 or one that is not a whole number.

use kensa_report::Severity;

use super::support::{Component, each, require_at_least};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-audit-log-maxsize",
    aliases: &["KCV-0022", "KCV0022", "AVD-KCV-0022", "CKV_K8S_94"],
    title: "Ensure that the --audit-log-maxsize argument is set to 100 or as appropriate",
    severity: Severity::Low,
    description: "Audit files should rotate at a planned size so they stay readable and, with the backup count, bound the disk space they take.",
    remediation: "Set --audit-log-maxsize=100 (megabytes, or the size your retention policy requires) on kube-apiserver.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        require_at_least(t, "audit-log-maxsize", 100)
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
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --audit-log-maxsize; set it to 100 or more",
        );
    }

    #[test]
    fn fails_when_too_low() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--audit-log-maxsize=99"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --audit-log-maxsize=99; set it to 100 or more",
        );
    }

    #[test]
    fn fails_when_not_a_number() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--audit-log-maxsize=lots"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --audit-log-maxsize=lots; set it to 100 or more",
        );
    }

    #[test]
    fn passes_when_high_enough() {
        assert_clean(&CHECK, "kube-apiserver", &["--audit-log-maxsize=100"]);
    }
}
