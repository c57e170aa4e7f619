//! `SYS_MODULE` lets a process load and unload kernel modules: code that runs
//! in the node's kernel, outside every container boundary.
//!
//! Fields: `containers[*].securityContext.capabilities.add` and the same for
//! `initContainers`. Fails on every entry naming `SYS_MODULE` (any case, with
//! or without a `CAP_` prefix).

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::added_capability_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "container-cap-sys-module",
    aliases: &["KSV-0120", "KSV120", "AVD-KSV-0120"],
    title: "SYS_MODULE capability added",
    severity: Severity::High,
    description: "CAP_SYS_MODULE allows inserting kernel modules. A compromised container holding it can run arbitrary code in the node's kernel and take over the node and every pod on it.",
    remediation: "Remove SYS_MODULE from securityContext.capabilities.add; load any needed kernel modules on the node itself, outside the workload.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    added_capability_hits(object, "SYS_MODULE")
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_when_added() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: driver}
spec:
  template:
    spec:
      containers:
      - name: loader
        image: driver:1
        securityContext: {capabilities: {add: [SYS_MODULE]}}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].securityContext.capabilities.add[0]")
        );
    }

    #[test]
    fn passes_without_it() {
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
    securityContext: {capabilities: {add: [CHOWN]}}
"#,
        );
        assert!(found.is_empty());
    }
}
