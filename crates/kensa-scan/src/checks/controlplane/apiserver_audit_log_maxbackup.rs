//! `--audit-log-maxbackup` sets the number of rotated audit log files to keep; the benchmark asks for at least 10.
//!
//! Field: the `--audit-log-maxbackup` flag of kube-apiserver. Unset, the API server
//! applies no such limit (0), so an absent flag fails, as does a value below
//! 10 or one that is not a whole number.

use kensa_report::Severity;

use super::support::{Component, each, require_at_least};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-audit-log-maxbackup",
    aliases: &["KCV-0021", "KCV0021", "AVD-KCV-0021", "CKV_K8S_93"],
    title: "Ensure that the --audit-log-maxbackup argument is set to 10 or as appropriate",
    severity: Severity::Low,
    description: "Rotated audit files should be kept in a planned number, enough to cover an investigation window without filling the disk.",
    remediation: "Set --audit-log-maxbackup=10 (or the number of files your retention policy requires) on kube-apiserver.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        require_at_least(t, "audit-log-maxbackup", 10)
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
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --audit-log-maxbackup; set it to 10 or more",
        );
    }

    #[test]
    fn fails_when_too_low() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--audit-log-maxbackup=9"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --audit-log-maxbackup=9; set it to 10 or more",
        );
    }

    #[test]
    fn fails_when_not_a_number() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--audit-log-maxbackup=lots"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --audit-log-maxbackup=lots; set it to 10 or more",
        );
    }

    #[test]
    fn passes_when_high_enough() {
        assert_clean(&CHECK, "kube-apiserver", &["--audit-log-maxbackup=10"]);
    }
}
