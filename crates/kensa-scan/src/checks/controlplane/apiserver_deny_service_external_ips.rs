//! Trivy's KCV-0003, after CIS Kubernetes Benchmark 1.23 (1.2.2): the
//! `DenyServiceExternalIPs` admission plugin should not be listed in
//! `--enable-admission-plugins`.
//!
//! Field: `--enable-admission-plugins` (and the old `--admission-control`)
//! of kube-apiserver. The plugin is off by default, so an absent flag passes;
//! the check fails when the plugin is enabled.
//!
//! Off by default in kensa: later benchmark releases (CIS 1.7 onwards) turn
//! this advice around and ask for the plugin to be enabled, since it is one
//! of the mitigations of CVE-2020-8554 (traffic interception through
//! Service `externalIPs`). Enable the check only to reproduce Trivy's result.

use kensa_report::Severity;

use super::support::{Component, each, forbid_plugin};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-deny-service-external-ips",
    aliases: &["KCV-0003", "KCV0003", "AVD-KCV-0003"],
    title: "Ensure that the --DenyServiceExternalIPs is not set",
    severity: Severity::Low,
    description: "CIS Benchmark 1.23 asks that DenyServiceExternalIPs stay off, because it rejects every new use of Service externalIPs cluster-wide and so breaks workloads that need them; clusters that must restrict externalIPs are expected to do it with a policy of their own. Later benchmark releases recommend the opposite, which is why kensa runs this check only on request.",
    remediation: "Remove DenyServiceExternalIPs from --enable-admission-plugins on kube-apiserver, and restrict Service externalIPs with an admission policy (for example a ValidatingAdmissionPolicy) instead.",
    default_enabled: false,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        forbid_plugin(t, "DenyServiceExternalIPs")
    })
}

#[cfg(test)]
mod tests {
    use super::super::support::{assert_clean, assert_hit};

    use super::CHECK;

    #[test]
    fn fails_when_enabled() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--enable-admission-plugins=NodeRestriction,DenyServiceExternalIPs"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) enables the DenyServiceExternalIPs admission plugin with --enable-admission-plugins=NodeRestriction,DenyServiceExternalIPs; remove it from the list",
        );
    }

    #[test]
    fn passes_when_not_enabled() {
        assert_clean(
            &CHECK,
            "kube-apiserver",
            &["--enable-admission-plugins=NodeRestriction"],
        );
    }
}
