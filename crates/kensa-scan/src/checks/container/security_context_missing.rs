//! Leaving `securityContext` out, or empty, means every security setting takes
//! the permissive default: root user, writable root file system, default
//! capabilities, privilege escalation allowed.
//!
//! Fields: `spec.securityContext` (pod level) and `securityContext` of each
//! container and init container. Fails once for the pod when its security
//! context is missing or empty, and once per container whose own is.

use k8s_openapi::api::core::v1::{PodSecurityContext, SecurityContext};
use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::container_hit;

/// The check.
pub static CHECK: Check = Check {
    id: "container-default-security-context",
    aliases: &[
        "KSV-0118",
        "KSV118",
        "AVD-KSV-0118",
        "CKV_K8S_29",
        "CKV_K8S_30",
    ],
    title: "Default security context configured",
    severity: Severity::High,
    description: "A pod or container without a security context runs with the runtime's permissive defaults. Stating the settings explicitly (non-root user, no privilege escalation, dropped capabilities, read-only root) is what makes a workload hardened and its intent reviewable.",
    remediation: "Add a spec.securityContext to the pod template (e.g. runAsNonRoot: true, seccompProfile.type: RuntimeDefault) and a securityContext to every container and init container (e.g. allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities.drop: [\"ALL\"]).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let mut hits = Vec::new();
    if object.pod_spec().is_none() {
        return hits;
    }
    if object
        .pod_security_context()
        .is_none_or(|sc| *sc == PodSecurityContext::default())
    {
        hits.push(Hit::at(
            object.spec_path("securityContext"),
            format!(
                "{} should set a pod-level 'securityContext'",
                object.describe()
            ),
        ));
    }
    for c in object.containers() {
        if c.security_context()
            .is_none_or(|sc| *sc == SecurityContext::default())
        {
            hits.push(container_hit(
                object,
                &c,
                c.security_path(""),
                "should set 'securityContext'",
            ));
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_missing_or_empty_contexts() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      securityContext: {}
      containers:
      - name: app
        image: nginx:1.27
      - name: side
        image: envoy:1.30
        securityContext: {runAsNonRoot: true}
"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.securityContext")
        );
        assert_eq!(
            found[0].message,
            "Deployment 'web' should set a pod-level 'securityContext'"
        );
        assert_eq!(
            found[1].path.as_deref(),
            Some("spec.template.spec.containers[0].securityContext")
        );
        assert_eq!(
            found[1].message,
            "Container 'app' of Deployment 'web' should set 'securityContext'"
        );
    }

    #[test]
    fn passes_when_set() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext: {runAsNonRoot: true}
  containers:
  - name: app
    image: nginx:1.27
    securityContext: {allowPrivilegeEscalation: false}
"#,
        );
        assert!(found.is_empty());
    }
}
