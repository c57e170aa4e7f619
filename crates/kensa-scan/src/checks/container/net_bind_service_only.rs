//! The restricted Pod Security Standard allows a container exactly one
//! capability: it must drop `ALL` and may add back only `NET_BIND_SERVICE`.
//!
//! Fields: `containers[*].securityContext.capabilities.drop` and `.add`, and
//! the same for `initContainers`. Fails when `drop` lacks `ALL`, and on every
//! added capability other than `NET_BIND_SERVICE` (names compared in upper case
//! without a `CAP_` prefix).

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{added_capabilities, capability_name, container_hit, drops_all};

/// The check.
pub static CHECK: Check = Check {
    id: "container-capabilities-beyond-net-bind-service",
    aliases: &["KSV-0106", "KSV106", "AVD-KSV-0106"],
    title: "Container capabilities must only include NET_BIND_SERVICE",
    severity: Severity::Low,
    description: "Under the restricted Pod Security Standard a container holds no capability except, if it needs to listen on a port below 1024, NET_BIND_SERVICE. Anything more is refused at admission in restricted namespaces and widens what a compromised process can do.",
    remediation: "Set securityContext.capabilities.drop: [\"ALL\"] on every container and init container, and list at most NET_BIND_SERVICE in capabilities.add.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let mut hits = Vec::new();
    for c in object.containers() {
        if !drops_all(&c) {
            hits.push(container_hit(
                object,
                &c,
                c.security_path("capabilities.drop"),
                "should drop 'ALL' capabilities in 'securityContext.capabilities.drop'",
            ));
        }
        for (i, cap) in added_capabilities(&c) {
            let name = capability_name(cap);
            if name.is_empty() || name == "NET_BIND_SERVICE" {
                continue;
            }
            hits.push(container_hit(
                object,
                &c,
                format!("{}[{i}]", c.security_path("capabilities.add")),
                format_args!(
                    "should add no capability but 'NET_BIND_SERVICE' (found '{name}' in 'securityContext.capabilities.add')"
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
    fn fails_without_drop_all_or_with_extra_caps() {
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
  - name: side
    image: envoy:1.30
    securityContext:
      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE, NET_ADMIN]}
"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.containers[0].securityContext.capabilities.drop")
        );
        assert_eq!(
            found[1].path.as_deref(),
            Some("spec.containers[1].securityContext.capabilities.add[1]")
        );
        assert_eq!(
            found[1].message,
            "Container 'side' of Pod 'web' should add no capability but 'NET_BIND_SERVICE' (found 'NET_ADMIN' in 'securityContext.capabilities.add')"
        );
    }

    #[test]
    fn passes_with_drop_all_and_bind_service() {
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
    securityContext:
      capabilities: {drop: [all], add: [CAP_NET_BIND_SERVICE]}
"#,
        );
        assert!(found.is_empty());
    }
}
