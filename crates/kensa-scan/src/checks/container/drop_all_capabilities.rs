//! Containers get a default set of Linux capabilities from the runtime (CHOWN,
//! SETUID, NET_RAW, ...). Dropping `ALL` and adding back only what is needed
//! removes the ones an attacker could abuse.
//!
//! Fields: `containers[*].securityContext.capabilities.drop` and the same for
//! `initContainers`. Passes when the list holds `ALL` (any case, with or
//! without a `CAP_` prefix).

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{container_hit, drops_all};

/// The check.
pub static CHECK: Check = Check {
    id: "container-capabilities-drop-all",
    aliases: &["KSV-0003", "KSV003", "AVD-KSV-0003", "CKV_K8S_37"],
    title: "Default capabilities: some containers do not drop all",
    severity: Severity::Low,
    description: "A container that keeps the runtime's default capabilities can, for example, craft raw packets or change file ownership. Few applications need any of them, so each kept capability is attack surface for nothing.",
    remediation: "Set securityContext.capabilities.drop: [\"ALL\"] on every container and init container, and list in capabilities.add only the capabilities the process really needs.",
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
        .filter(|c| !drops_all(c))
        .map(|c| {
            container_hit(
                object,
                &c,
                c.security_path("capabilities.drop"),
                "should add 'ALL' to 'securityContext.capabilities.drop'",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_without_drop_all() {
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
        securityContext: {capabilities: {drop: [NET_RAW]}}
      - name: side
        image: envoy:1.30
        securityContext: {capabilities: {drop: [all]}}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].securityContext.capabilities.drop")
        );
        assert_eq!(
            found[0].message,
            "Container 'app' of Deployment 'web' should add 'ALL' to 'securityContext.capabilities.drop'"
        );
    }

    #[test]
    fn passes_when_all_dropped() {
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
    securityContext: {capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}
"#,
        );
        assert!(found.is_empty());
    }
}
