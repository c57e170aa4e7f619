//! Every capability added beyond the runtime's defaults widens what a
//! compromised process can do to the kernel and the node.
//!
//! Fields: `containers[*].securityContext.capabilities.add` and the same for
//! `initContainers`. Fails on every added capability that is not in the
//! `allowed_capabilities` setting (empty by default, so any addition fails);
//! names are compared in upper case without a `CAP_` prefix.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{added_capabilities, capability_name, container_hit};

/// The check.
pub static CHECK: Check = Check {
    id: "container-capabilities-added",
    aliases: &["KSV-0022", "KSV022", "AVD-KSV-0022", "CKV_K8S_25"],
    title: "Specific capabilities added",
    severity: Severity::Medium,
    description: "Added capabilities hand pieces of root's power to the container: network administration, raw sockets, tracing other processes and so on. Each one is something an attacker inside the container can use against the node or its neighbours.",
    remediation: "Remove the entries from securityContext.capabilities.add; if the workload truly needs one, allow it explicitly in kensa's allowed capabilities setting.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let allowed: Vec<String> = object
        .settings
        .allowed_capabilities
        .iter()
        .map(|cap| capability_name(cap))
        .collect();
    let mut hits = Vec::new();
    for c in object.containers() {
        for (i, cap) in added_capabilities(&c) {
            let name = capability_name(cap);
            if name.is_empty() || allowed.contains(&name) {
                continue;
            }
            hits.push(container_hit(
                object,
                &c,
                format!("{}[{i}]", c.security_path("capabilities.add")),
                format_args!(
                    "should not add capability '{name}' in 'securityContext.capabilities.add'"
                ),
            ));
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use crate::context::Settings;
    use crate::testing::{hits, hits_with};

    use super::CHECK;

    const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    image: nginx:1.27
    securityContext: {capabilities: {add: [NET_BIND_SERVICE, cap_chown]}}
"#;

    #[test]
    fn fails_on_added_capabilities() {
        let found = hits(&CHECK, POD);
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[1].path.as_deref(),
            Some("spec.containers[0].securityContext.capabilities.add[1]")
        );
        assert_eq!(
            found[1].message,
            "Container 'app' of Pod 'web' should not add capability 'CHOWN' in 'securityContext.capabilities.add'"
        );
    }

    #[test]
    fn allowed_capabilities_pass() {
        let settings = Settings {
            allowed_capabilities: vec!["NET_BIND_SERVICE".into(), "CAP_CHOWN".into()],
            ..Settings::default()
        };
        assert!(hits_with(&CHECK, POD, &settings).is_empty());
    }

    #[test]
    fn passes_without_additions() {
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
    securityContext: {capabilities: {drop: [ALL]}}
"#,
        );
        assert!(found.is_empty());
    }
}
