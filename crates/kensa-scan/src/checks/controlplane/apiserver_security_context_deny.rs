//! Some admission plugin should stop pods from asking for dangerous
//! security settings. The benchmark named SecurityContextDeny (when
//! PodSecurityPolicy is not used); both are gone from current releases
//! (PodSecurityPolicy in 1.25, SecurityContextDeny in 1.30), where the
//! built-in PodSecurity plugin, on by default, does the job.
//!
//! Fields: `--enable-admission-plugins`, `--admission-control` and
//! `--disable-admission-plugins` of kube-apiserver, and the Kubernetes
//! version (from the image tag `kube-apiserver:v1.X.Y`, else the scan's
//! setting). Passes when SecurityContextDeny or PodSecurityPolicy is
//! enabled; on 1.25 and later also when PodSecurity is not disabled. Before
//! 1.25 an absent flag fails, as in Trivy; from 1.25 on it passes, since the
//! plugins the benchmark asks for no longer exist.

use kensa_report::Severity;

use super::support::{Component, each};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-security-context-deny",
    aliases: &["KCV-0013", "KCV0013", "AVD-KCV-0013", "CKV_K8S_81"],
    title: "Ensure that the admission control plugin SecurityContextDeny is set if PodSecurityPolicy is not used",
    severity: Severity::Low,
    description: "Without an admission plugin that vets pod security settings, anyone allowed to create pods can create privileged pods, share the host's namespaces or mount its file system, and take over the node.",
    remediation: "On Kubernetes 1.25 or later keep the PodSecurity admission plugin on (do not list it in --disable-admission-plugins) and label namespaces with pod-security.kubernetes.io/enforce; on older releases add SecurityContextDeny (or PodSecurityPolicy with policies in place) to --enable-admission-plugins.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        if t.enabled_plugins()
            .iter()
            .any(|(plugin, _)| plugin == "SecurityContextDeny" || plugin == "PodSecurityPolicy")
        {
            return None;
        }
        if t.kubernetes_minor(object.settings.kubernetes_minor) >= 25 {
            let disabled = t.disabled_plugins();
            let (_, flag) = disabled
                .iter()
                .find(|(plugin, _)| plugin == "PodSecurity")?;
            return Some(t.hit_on(
                flag,
                format!(
                    "{} disables the PodSecurity admission plugin with {} and enables no other pod security admission; remove PodSecurity from --disable-admission-plugins",
                    t.who(),
                    flag.display()
                ),
            ));
        }
        let message = format!(
            "{} enables neither SecurityContextDeny nor PodSecurityPolicy; add SecurityContextDeny to --enable-admission-plugins",
            t.who()
        );
        Some(match t.flags.last("enable-admission-plugins") {
            Some(flag) => t.hit_on(flag, message),
            None => t.hit_missing(message),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::super::support::{assert_clean, assert_hit, manifest};
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_before_1_25_without_the_plugins() {
        let found = hits(
            &CHECK,
            &manifest(
                "kube-apiserver",
                &["--enable-admission-plugins=NodeRestriction"],
            )
            .replace("v1.31.2", "v1.24.9"),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.containers[0].command[1]")
        );
        assert_eq!(
            found[0].message,
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) enables neither SecurityContextDeny nor PodSecurityPolicy; add SecurityContextDeny to --enable-admission-plugins"
        );
    }

    #[test]
    fn fails_when_pod_security_is_disabled() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--disable-admission-plugins=PodSecurity"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) disables the PodSecurity admission plugin with --disable-admission-plugins=PodSecurity and enables no other pod security admission; remove PodSecurity from --disable-admission-plugins",
        );
    }

    #[test]
    fn passes_before_1_25_with_security_context_deny() {
        let found = hits(
            &CHECK,
            &manifest(
                "kube-apiserver",
                &["--enable-admission-plugins=NodeRestriction,SecurityContextDeny"],
            )
            .replace("v1.31.2", "v1.23.0"),
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn passes_on_current_releases_with_pod_security_on() {
        assert_clean(&CHECK, "kube-apiserver", &[]);
    }
}
