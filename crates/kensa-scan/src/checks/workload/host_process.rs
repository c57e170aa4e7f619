//! A Windows HostProcess container runs directly on the node, outside any
//! container isolation, with the node's network and file system.
//!
//! Fields: `securityContext.windowsOptions.hostProcess` of the pod spec and
//! of each container and init container. Fails once per place set to true;
//! passes when unset or false everywhere.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "pod-windows-host-process",
    aliases: &["KSV-0103", "KSV103", "AVD-KSV-0103"],
    title: "Access to host process",
    severity: Severity::Medium,
    description: "HostProcess containers run as processes on the Windows node itself, with host networking and access to the node's file system and, usually, administrator rights: effectively full control of the node. Only node-management tooling should ever need that.",
    remediation: "Remove windowsOptions.hostProcess (or set it to false) from the pod's and every container's securityContext.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let mut out = Vec::new();
    let pod_host_process = object
        .pod_security_context()
        .and_then(|sc| sc.windows_options.as_ref())
        .and_then(|options| options.host_process);
    if pod_host_process == Some(true) {
        out.push(Hit::at(
            object.spec_path("securityContext.windowsOptions.hostProcess"),
            format!(
                "{} should not set 'securityContext.windowsOptions.hostProcess' to true",
                object.describe()
            ),
        ));
    }
    for container in object.containers() {
        let host_process = container
            .security_context()
            .and_then(|sc| sc.windows_options.as_ref())
            .and_then(|options| options.host_process);
        if host_process == Some(true) {
            out.push(Hit::at(
                container.security_path("windowsOptions.hostProcess"),
                format!(
                    "Container '{}' of {} should not set 'securityContext.windowsOptions.hostProcess' to true",
                    container.name(),
                    object.describe()
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
    fn fails_at_pod_and_container_level() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: win-agent}
spec:
  template:
    spec:
      hostNetwork: true
      securityContext:
        windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\SYSTEM"}
      containers:
      - name: agent
        image: agent:1
        securityContext:
          windowsOptions: {hostProcess: true}
"#,
        );
        let paths: Vec<_> = found.iter().filter_map(|h| h.path.as_deref()).collect();
        assert_eq!(
            paths,
            [
                "spec.template.spec.securityContext.windowsOptions.hostProcess",
                "spec.template.spec.containers[0].securityContext.windowsOptions.hostProcess",
            ]
        );
        assert_eq!(
            found[1].message,
            "Container 'agent' of DaemonSet 'win-agent' should not set 'securityContext.windowsOptions.hostProcess' to true"
        );
    }

    #[test]
    fn passes_without_host_process() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext:
    windowsOptions: {hostProcess: false}
  containers:
  - {name: app, image: iis}
"#,
        );
        assert!(found.is_empty());
    }
}
