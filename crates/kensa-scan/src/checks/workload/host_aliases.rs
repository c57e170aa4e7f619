//! `hostAliases` writes extra entries into the pod's `/etc/hosts`, which the
//! kubelet manages: the entries override DNS for the names they list and can
//! hide where traffic really goes.
//!
//! Field: `hostAliases` of the pod spec. Passes when absent or empty.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "pod-host-aliases",
    aliases: &["KSV-0007", "KSV007", "AVD-KSV-0007"],
    title: "Manages /etc/hosts",
    severity: Severity::Low,
    description: "Entries from hostAliases are written into the /etc/hosts file the kubelet manages for the pod. They silently override cluster DNS for the names they list, can send traffic to unexpected addresses, and go stale when the real addresses change.",
    remediation: "Remove hostAliases from the pod spec; publish the names through DNS (a Service, an ExternalName Service or the cluster DNS configuration) instead.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let set = object
        .pod_spec()
        .and_then(|spec| spec.host_aliases.as_ref())
        .is_some_and(|aliases| !aliases.is_empty());
    if !set {
        return Vec::new();
    }
    let path = object.spec_path("hostAliases");
    let message = format!("{} should not set '{path}'", object.describe());
    vec![Hit::at(path, message)]
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_when_host_aliases_set() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          hostAliases:
          - ip: 10.0.0.5
            hostnames: [db.internal]
          containers: [{name: app, image: report:2}]
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.jobTemplate.spec.template.spec.hostAliases")
        );
        assert_eq!(
            found[0].message,
            "CronJob 'report' should not set 'spec.jobTemplate.spec.template.spec.hostAliases'"
        );
    }

    #[test]
    fn passes_without_host_aliases() {
        let found = hits(
            &CHECK,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  hostAliases: []\n  containers: [{name: app, image: nginx}]\n",
        );
        assert!(found.is_empty());
    }
}
