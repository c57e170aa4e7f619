//! `--insecure-port` opens a plain HTTP port on the API server that skips
//! authentication and authorization.
//!
//! Field: the `--insecure-port` flag of kube-apiserver, and the Kubernetes
//! version (from the image tag `kube-apiserver:v1.X.Y`, else the scan's
//! setting). Any value but 0 fails. When absent, the default decides: 8080
//! before Kubernetes 1.20 (fails), 0 from 1.20 and no such port at all from
//! 1.24 (passes). Checkov's CKV_K8S_88 (which fails any API server without
//! `--insecure-port=0`); Trivy has no equivalent.

use kensa_report::Severity;

use super::support::{Component, each};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-insecure-port",
    aliases: &["CKV_K8S_88"],
    title: "Ensure that the --insecure-port argument is set to 0",
    severity: Severity::High,
    description: "Every request on the insecure port is served with full cluster-admin power and no credentials, over unencrypted HTTP; anything that can reach it, a pod on the host network included, owns the cluster.",
    remediation: "Set --insecure-port=0 on kube-apiserver (or upgrade to Kubernetes 1.20 or later, where it is off, and remove the flag from 1.24 on).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        match t.flags.last("insecure-port") {
        Some(flag) => (flag.text().trim().parse::<i64>() != Ok(0)).then(|| {
            t.hit_on(
                flag,
                format!(
                    "{} sets {}, which serves the API without authentication or TLS; set --insecure-port=0",
                    t.who(),
                    flag.display()
                ),
            )
        }),
        None if t.kubernetes_minor(object.settings.kubernetes_minor) < 20 => {
            Some(t.hit_missing(format!(
                "{} does not set --insecure-port, which defaults to 8080 before Kubernetes 1.20; set --insecure-port=0",
                t.who()
            )))
        }
        None => None,
    }
    })
}

#[cfg(test)]
mod tests {
    use super::super::support::{assert_clean, assert_hit, manifest};
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_when_open() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--insecure-port=8080"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --insecure-port=8080, which serves the API without authentication or TLS; set --insecure-port=0",
        );
    }

    #[test]
    fn fails_when_absent_before_1_20() {
        let found = hits(
            &CHECK,
            &manifest("kube-apiserver", &[]).replace("v1.31.2", "v1.19.16"),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path.as_deref(), Some("spec.containers[0].command"));
        assert_eq!(
            found[0].message,
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --insecure-port, which defaults to 8080 before Kubernetes 1.20; set --insecure-port=0"
        );
    }

    #[test]
    fn passes_when_zero() {
        let found = hits(
            &CHECK,
            &manifest("kube-apiserver", &["--insecure-port=0"]).replace("v1.31.2", "v1.19.16"),
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn passes_when_absent_on_current_releases() {
        assert_clean(&CHECK, "kube-apiserver", &[]);
    }
}
