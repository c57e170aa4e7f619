//! A container that drops no capability at all runs with the runtime's whole
//! default set, whether or not it needs it.
//!
//! Fields: `containers[*].securityContext.capabilities.drop` and the same for
//! `initContainers`. Passes when the list names at least one capability; a
//! missing or empty list fails (Trivy lets an empty list pass, but it drops
//! nothing either).

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{container_hit, dropped_capabilities};

/// The check.
pub static CHECK: Check = Check {
    id: "container-capabilities-drop-none",
    aliases: &["KSV-0004", "KSV004", "AVD-KSV-0004"],
    title: "Default capabilities: some containers do not drop any",
    severity: Severity::Low,
    description: "Without a capabilities.drop list the container keeps every capability the runtime grants by default, including ones such as NET_RAW that let a compromised process attack its neighbours.",
    remediation: "Add a securityContext.capabilities.drop list to every container and init container; [\"ALL\"] is the safest value.",
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
            !dropped_capabilities(c)
                .unwrap_or_default()
                .iter()
                .any(|cap| !cap.trim().is_empty())
        })
        .map(|c| {
            container_hit(
                object,
                &c,
                c.security_path("capabilities.drop"),
                "should drop at least one capability in 'securityContext.capabilities.drop'",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_without_drop_list() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      initContainers:
      - name: wait
        image: busybox:1.36
        securityContext: {capabilities: {drop: []}}
      containers:
      - name: app
        image: migrate:2
        securityContext: {capabilities: {drop: [NET_RAW]}}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.initContainers[0].securityContext.capabilities.drop")
        );
        assert!(
            found[0]
                .message
                .starts_with("Container 'wait' of Job 'migrate'")
        );
    }

    #[test]
    fn passes_when_something_dropped() {
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
    securityContext: {capabilities: {drop: [NET_RAW]}}
"#,
        );
        assert!(found.is_empty());
    }
}
