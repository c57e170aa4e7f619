//! AppArmor confines what a container's processes may do on the node. A
//! container whose profile is set to `unconfined` (or to anything but the
//! runtime's default or a profile loaded on the node) loses that guard.
//!
//! Fields: the pod template's annotations
//! `container.apparmor.security.beta.kubernetes.io/<container>` and the
//! `securityContext.appArmorProfile.type` of the pod and of each container
//! and init container. An annotation passes when it is `runtime/default` or
//! `localhost/<profile>`; a profile type passes when it is `RuntimeDefault`
//! or `Localhost`. Anything else set fails (`unconfined`, `Unconfined`, or
//! an unknown value); unset passes, since the runtime applies its default
//! profile. Trivy looks at the annotations only and fails `localhost/`
//! profiles too; a profile loaded on the node is a deliberate confinement,
//! so kensa accepts it, as the baseline Pod Security Standard does.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "pod-apparmor-profile",
    aliases: &["KSV-0002", "KSV002", "AVD-KSV-0002"],
    title: "Runtime/Default AppArmor profile not set",
    severity: Severity::Low,
    description: "Without an AppArmor profile a container's processes are limited only by their capabilities and user: the kernel no longer blocks writes to sensitive paths under /proc and /sys, mounts or raw network access that the default profile denies, which makes breaking out of the container easier.",
    remediation: "Remove the unconfined setting: set securityContext.appArmorProfile.type to RuntimeDefault (or Localhost with a profile loaded on the nodes), or, on older clusters, set the annotation container.apparmor.security.beta.kubernetes.io/<container> to runtime/default.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn annotation_allowed(value: &str) -> bool {
    value == "runtime/default"
        || value
            .strip_prefix("localhost/")
            .is_some_and(|profile| !profile.is_empty())
}

fn type_allowed(profile_type: &str) -> bool {
    matches!(profile_type, "RuntimeDefault" | "Localhost")
}

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let mut out = Vec::new();
    let subject = object.describe();
    if let Some(annotations) = object
        .pod()
        .and_then(|pod| pod.metadata.annotations.as_ref())
    {
        for (key, value) in annotations {
            let Some(container) = key.strip_prefix(ANNOTATION_PREFIX) else {
                continue;
            };
            if annotation_allowed(value) {
                continue;
            }
            out.push(Hit::at(
                object.template_metadata_path("annotations"),
                format!(
                    "Container '{container}' of {subject} should set the annotation '{key}' to 'runtime/default' or 'localhost/<profile>', not '{value}'"
                ),
            ));
        }
    }
    let pod_type = object
        .pod_security_context()
        .and_then(|sc| sc.app_armor_profile.as_ref())
        .map(|profile| profile.type_.as_str());
    if let Some(profile_type) = pod_type.filter(|t| !type_allowed(t)) {
        out.push(Hit::at(
            object.spec_path("securityContext.appArmorProfile.type"),
            format!(
                "{subject} should set 'securityContext.appArmorProfile.type' to 'RuntimeDefault' or 'Localhost', not '{profile_type}'"
            ),
        ));
    }
    for container in object.containers() {
        let container_type = container
            .security_context()
            .and_then(|sc| sc.app_armor_profile.as_ref())
            .map(|profile| profile.type_.as_str());
        if let Some(profile_type) = container_type.filter(|t| !type_allowed(t)) {
            out.push(Hit::at(
                container.security_path("appArmorProfile.type"),
                format!(
                    "Container '{}' of {subject} should set 'securityContext.appArmorProfile.type' to 'RuntimeDefault' or 'Localhost', not '{profile_type}'",
                    container.name()
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_unconfined_annotations() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    metadata:
      annotations:
        container.apparmor.security.beta.kubernetes.io/app: unconfined
        container.apparmor.security.beta.kubernetes.io/sidecar: runtime/default
        container.apparmor.security.beta.kubernetes.io/init: localhost/k8s-init
        prometheus.io/scrape: "true"
    spec:
      containers: [{name: app, image: nginx}, {name: sidecar, image: envoy}]
      initContainers: [{name: init, image: busybox}]
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.metadata.annotations")
        );
        assert_eq!(
            found[0].message,
            "Container 'app' of Deployment 'web' should set the annotation 'container.apparmor.security.beta.kubernetes.io/app' to 'runtime/default' or 'localhost/<profile>', not 'unconfined'"
        );
    }

    #[test]
    fn fails_on_unconfined_profile_fields() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext:
    appArmorProfile: {type: Unconfined}
  containers:
  - name: app
    image: nginx
    securityContext:
      appArmorProfile: {type: Unconfined}
  - name: ok
    image: nginx
    securityContext:
      appArmorProfile: {type: Localhost, localhostProfile: k8s-nginx}
"#,
        );
        let paths: Vec<_> = found.iter().filter_map(|h| h.path.as_deref()).collect();
        assert_eq!(
            paths,
            [
                "spec.securityContext.appArmorProfile.type",
                "spec.containers[0].securityContext.appArmorProfile.type",
            ]
        );
        assert_eq!(
            found[1].message,
            "Container 'app' of Pod 'web' should set 'securityContext.appArmorProfile.type' to 'RuntimeDefault' or 'Localhost', not 'Unconfined'"
        );
    }

    #[test]
    fn passes_with_default_or_no_profile() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    container.apparmor.security.beta.kubernetes.io/app: runtime/default
spec:
  securityContext:
    appArmorProfile: {type: RuntimeDefault}
  containers:
  - {name: app, image: nginx}
  - {name: other, image: nginx}
"#,
        );
        assert!(found.is_empty());
    }
}
