//! The runtime masks sensitive paths of `/proc` in every container. `procMount:
//! Unmasked` removes those masks and exposes kernel information and controls to
//! the container.
//!
//! Fields: `containers[*].securityContext.procMount` and the same for
//! `initContainers`. Fails when set to anything but `Default`.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::container_hit;

/// The check.
pub static CHECK: Check = Check {
    id: "container-proc-mount-unmasked",
    aliases: &["KSV-0027", "KSV027", "AVD-KSV-0027"],
    title: "Non-default /proc masks set",
    severity: Severity::Medium,
    description: "By default parts of /proc that reveal or control the host kernel are masked or read-only inside containers. An unmasked /proc gives a compromised process that information and those controls, which helps it escape.",
    remediation: "Remove securityContext.procMount from every container and init container, or set it to Default.",
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
        .filter_map(|c| {
            let mount = c.security_context()?.proc_mount.as_deref()?;
            (mount != "Default").then(|| {
                container_hit(
                    object,
                    &c,
                    c.security_path("procMount"),
                    format_args!(
                        "should not set 'securityContext.procMount' to '{mount}' (leave it unset or Default)"
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_when_unmasked() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: builder}
spec:
  containers:
  - name: build
    image: buildkit:0.15
    securityContext: {procMount: Unmasked}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.containers[0].securityContext.procMount")
        );
        assert_eq!(
            found[0].message,
            "Container 'build' of Pod 'builder' should not set 'securityContext.procMount' to 'Unmasked' (leave it unset or Default)"
        );
    }

    #[test]
    fn passes_when_default() {
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
    securityContext: {procMount: Default}
  - name: side
    image: envoy:1.30
"#,
        );
        assert!(found.is_empty());
    }
}
