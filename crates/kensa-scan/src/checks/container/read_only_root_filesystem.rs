//! A writable root file system lets an intruder change the container's binaries
//! and configuration, drop tools and persist for the container's lifetime.
//!
//! Fields: `containers[*].securityContext.readOnlyRootFilesystem` and the same
//! for `initContainers` (there is no pod-level field). Passes only when set to
//! `true`.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::container_hit;

/// The check.
pub static CHECK: Check = Check {
    id: "container-writable-root-filesystem",
    aliases: &["KSV-0014", "KSV014", "AVD-KSV-0014", "CKV_K8S_22"],
    title: "Root file system is not read-only",
    severity: Severity::High,
    description: "When the container's root file system is writable, an attacker who gets code execution can replace binaries, plant tools and alter configuration. A read-only root makes the image immutable at run time.",
    remediation: "Set securityContext.readOnlyRootFilesystem: true on every container and init container, and mount an emptyDir volume at each path the process must write to (e.g. /tmp).",
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
        .filter(|c| {
            c.security_context()
                .and_then(|sc| sc.read_only_root_filesystem)
                != Some(true)
        })
        .map(|c| {
            container_hit(
                object,
                &c,
                c.security_path("readOnlyRootFilesystem"),
                "should set 'securityContext.readOnlyRootFilesystem' to true",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_unless_true() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: ReplicationController
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx:1.27
        securityContext: {readOnlyRootFilesystem: false}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem")
        );
        assert_eq!(
            found[0].message,
            "Container 'app' of ReplicationController 'web' should set 'securityContext.readOnlyRootFilesystem' to true"
        );
    }

    #[test]
    fn passes_when_true() {
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
    securityContext: {readOnlyRootFilesystem: true}
"#,
        );
        assert!(found.is_empty());
    }
}
