//! With `--service-account-lookup` the API server checks that the service
//! account (and token Secret) behind a token still exists before accepting
//! the token.
//!
//! Field: the `--service-account-lookup` flag of kube-apiserver. It defaults
//! to true, so an absent flag passes; only an explicit false fails.

use kensa_report::Severity;

use super::support::{Component, each, expect_bool};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-service-account-lookup",
    aliases: &["KCV-0024", "KCV0024", "AVD-KCV-0024", "CKV_K8S_96"],
    title: "Ensure that the --service-account-lookup argument is set to true",
    severity: Severity::Low,
    description: "Without the lookup, a token stays valid after its service account or token Secret was deleted, so revoking a leaked token by deleting it does not work.",
    remediation: "Remove --service-account-lookup=false from the kube-apiserver command (or set it to true).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        expect_bool(t, "service-account-lookup", true, true)
    })
}

#[cfg(test)]
mod tests {
    use super::super::support::{assert_clean, assert_hit};

    use super::CHECK;

    #[test]
    fn fails_when_set_to_false() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--service-account-lookup=false"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --service-account-lookup=false; set it to true",
        );
    }

    #[test]
    fn passes_when_set_to_true() {
        assert_clean(&CHECK, "kube-apiserver", &["--service-account-lookup=true"]);
    }

    #[test]
    fn passes_when_absent() {
        assert_clean(&CHECK, "kube-apiserver", &[]);
    }
}
