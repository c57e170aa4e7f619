//! Custom SELinux options can give a container a more powerful SELinux domain
//! than the runtime's confined default, or a user or role that escapes its
//! policy.
//!
//! Fields: `spec.securityContext.seLinuxOptions` (pod level, which also labels
//! the pod's volumes) and `securityContext.seLinuxOptions` of each container
//! and init container. Fails when `type` is set to anything but `container_t`,
//! `container_init_t` or `container_kvm_t`, or when `user` or `role` is set.
//! `level` (the MCS categories) is allowed.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{container_hit, custom_selinux};

/// The check.
pub static CHECK: Check = Check {
    id: "container-selinux-custom-options",
    aliases: &["KSV-0025", "KSV025", "AVD-KSV-0025"],
    title: "SELinux custom options set",
    severity: Severity::Medium,
    description: "On SELinux nodes the runtime confines every container in a restricted domain. Choosing another type, user or role can lift that confinement and give the process access to host files and devices the default policy denies.",
    remediation: "Remove seLinuxOptions.type, user and role from spec.securityContext and from every container's securityContext, or set type to container_t, container_init_t or container_kvm_t; only level may be customised.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let mut hits = Vec::new();
    let pod = object
        .pod_security_context()
        .and_then(|sc| sc.se_linux_options.as_ref());
    if let Some(what) = pod.and_then(custom_selinux) {
        hits.push(Hit::at(
            object.spec_path("securityContext.seLinuxOptions"),
            format!(
                "{} should not set custom SELinux options ({what}) in 'spec.securityContext.seLinuxOptions'",
                object.describe()
            ),
        ));
    }
    for c in object.containers() {
        let options = c
            .security_context()
            .and_then(|sc| sc.se_linux_options.as_ref());
        if let Some(what) = options.and_then(custom_selinux) {
            hits.push(container_hit(
                object,
                &c,
                c.security_path("seLinuxOptions"),
                format_args!(
                    "should not set custom SELinux options ({what}) in 'securityContext.seLinuxOptions'"
                ),
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
    fn fails_on_custom_options() {
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
        seLinuxOptions: {type: spc_t}
      containers:
      - name: app
        image: nginx:1.27
        securityContext:
          seLinuxOptions: {user: system_u}
      - name: ok
        image: envoy:1.30
        securityContext:
          seLinuxOptions: {type: container_t, level: "s0:c123,c456"}
"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.securityContext.seLinuxOptions")
        );
        assert_eq!(
            found[0].message,
            "Deployment 'web' should not set custom SELinux options (type 'spc_t') in 'spec.securityContext.seLinuxOptions'"
        );
        assert_eq!(
            found[1].path.as_deref(),
            Some("spec.template.spec.containers[0].securityContext.seLinuxOptions")
        );
        assert!(found[1].message.contains("user 'system_u'"));
    }

    #[test]
    fn passes_with_default_options() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext:
    seLinuxOptions: {level: "s0:c1,c2"}
  containers:
  - name: app
    image: nginx:1.27
    securityContext:
      seLinuxOptions: {type: container_init_t}
"#,
        );
        assert!(found.is_empty());
    }
}
