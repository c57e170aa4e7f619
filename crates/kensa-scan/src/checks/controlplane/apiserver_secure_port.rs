//! `--secure-port=0` turns off the API server's HTTPS listener.
//!
//! Field: the `--secure-port` flag of kube-apiserver. It defaults to 6443,
//! so an absent flag passes; the check fails only for a value of 0.

use kensa_report::Severity;

use super::support::{Component, each};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-secure-port",
    aliases: &["KCV-0017", "KCV0017", "AVD-KCV-0017", "CKV_K8S_89"],
    title: "Ensure that the --secure-port argument is not set to 0",
    severity: Severity::Low,
    description: "With the secure port off, the API server no longer serves authenticated, encrypted HTTPS; clients are pushed to unencrypted or unauthenticated ways in.",
    remediation: "Remove --secure-port=0 from the kube-apiserver command, or set it to a non-zero port such as 6443.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        let flag = t.flags.last("secure-port")?;
        (flag.text().trim().parse::<i64>() == Ok(0)).then(|| {
            t.hit_on(
                flag,
                format!(
                    "{} sets {}, which turns HTTPS serving off; remove it or set a port such as 6443",
                    t.who(),
                    flag.display()
                ),
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::super::support::{assert_clean, assert_hit};

    use super::CHECK;

    #[test]
    fn fails_when_zero() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--secure-port=0"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --secure-port=0, which turns HTTPS serving off; remove it or set a port such as 6443",
        );
    }

    #[test]
    fn passes_when_absent() {
        assert_clean(&CHECK, "kube-apiserver", &[]);
    }

    #[test]
    fn passes_with_a_port() {
        assert_clean(&CHECK, "kube-apiserver", &["--secure-port", "6443"]);
    }
}
