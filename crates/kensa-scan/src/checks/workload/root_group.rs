//! Group 0 (root) owns many sensitive files on a typical image and node.
//! A process running with GID 0, as its primary or a supplementary group,
//! gets that group's access to them.
//!
//! Fields: the pod's `securityContext.runAsGroup`, `fsGroup` and
//! `supplementalGroups[*]`, and `securityContext.runAsGroup` of each
//! container and init container. Fails once per field set to 0; passes
//! when none is 0 (unset fields pass: the image's group applies, which the
//! manifest cannot tell).

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "pod-root-group",
    aliases: &["KSV-0116", "KSV116", "AVD-KSV-0116"],
    title: "Runs with a root primary or supplementary GID",
    severity: Severity::Low,
    description: "Running with group ID 0, as the primary group, the fsGroup or a supplementary group, gives the processes the root group's access to files and devices, which on many images and hosts includes sensitive, group-writable paths. Combined with a container breakout it widens what the attacker can touch.",
    remediation: "Set securityContext.runAsGroup, fsGroup and every entry of supplementalGroups (at pod level) and runAsGroup of each container to a non-zero group ID, for example 10001.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let mut out = Vec::new();
    let subject = object.describe();
    if let Some(sc) = object.pod_security_context() {
        for (field, value) in [("runAsGroup", sc.run_as_group), ("fsGroup", sc.fs_group)] {
            if value == Some(0) {
                let path = object.spec_path(&format!("securityContext.{field}"));
                out.push(Hit::at(
                    path,
                    format!(
                        "{subject} should set 'securityContext.{field}' to a non-zero group ID"
                    ),
                ));
            }
        }
        let groups = sc.supplemental_groups.as_deref().unwrap_or_default();
        for (i, _) in groups.iter().enumerate().filter(|(_, gid)| **gid == 0) {
            let path = object.spec_path(&format!("securityContext.supplementalGroups[{i}]"));
            out.push(Hit::at(
                path,
                format!(
                    "{subject} should not list group 0 in 'securityContext.supplementalGroups'"
                ),
            ));
        }
    }
    for container in object.containers() {
        if container.security_context().and_then(|sc| sc.run_as_group) == Some(0) {
            out.push(Hit::at(
                container.security_path("runAsGroup"),
                format!(
                    "Container '{}' of {subject} should set 'securityContext.runAsGroup' to a non-zero group ID",
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
    fn fails_on_each_root_group() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      securityContext:
        runAsGroup: 1000
        fsGroup: 0
        supplementalGroups: [2000, 0]
      containers:
      - name: app
        image: nginx
        securityContext: {runAsGroup: 0}
      initContainers:
      - name: init
        image: busybox
        securityContext: {runAsGroup: 3000}
"#,
        );
        let paths: Vec<_> = found.iter().filter_map(|h| h.path.as_deref()).collect();
        assert_eq!(
            paths,
            [
                "spec.template.spec.securityContext.fsGroup",
                "spec.template.spec.securityContext.supplementalGroups[1]",
                "spec.template.spec.containers[0].securityContext.runAsGroup",
            ]
        );
        assert_eq!(
            found[0].message,
            "Deployment 'web' should set 'securityContext.fsGroup' to a non-zero group ID"
        );
        assert_eq!(
            found[2].message,
            "Container 'app' of Deployment 'web' should set 'securityContext.runAsGroup' to a non-zero group ID"
        );
    }

    #[test]
    fn passes_with_non_root_or_unset_groups() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext: {runAsGroup: 1000, fsGroup: 2000, supplementalGroups: [3000]}
  containers:
  - {name: app, image: nginx}
"#,
        );
        assert!(found.is_empty());
    }
}
