//! A container may gain more privileges than its parent process (setuid
//! binaries, file capabilities) unless `allowPrivilegeEscalation` is false.
//!
//! Fields: `containers[*].securityContext.allowPrivilegeEscalation` and the
//! same for `initContainers`. Passes only when set to `false` (there is no
//! pod-level field to inherit).

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "container-privilege-escalation",
    aliases: &["KSV-0001", "KSV001", "AVD-KSV-0001", "CKV_K8S_20"],
    title: "Can elevate its own privileges",
    severity: Severity::Medium,
    description: "Without allowPrivilegeEscalation: false, a process in the container can gain privileges its parent did not have, through setuid binaries or file capabilities, and from there reach root in the container.",
    remediation: "Set securityContext.allowPrivilegeEscalation: false on every container and init container.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    object
        .containers()
        .into_iter()
        .filter(|c| c.security_context().and_then(|sc| sc.allow_privilege_escalation) != Some(false))
        .map(|c| {
            Hit::at(
                c.security_path("allowPrivilegeEscalation"),
                format!(
                    "Container '{}' of {} should set 'securityContext.allowPrivilegeEscalation' to false",
                    c.name(),
                    object.describe()
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_when_not_set_to_false() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx:1.27
      initContainers:
      - name: init
        image: busybox:1.36
        securityContext: {allowPrivilegeEscalation: false}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation")
        );
        assert_eq!(
            found[0].message,
            "Container 'app' of Deployment 'web' should set 'securityContext.allowPrivilegeEscalation' to false"
        );
    }

    #[test]
    fn passes_when_false() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    image: nginx:1.27
    securityContext: {allowPrivilegeEscalation: false}
"#,
        );
        assert!(found.is_empty());
    }
}
