//! Images pulled from outside the organisation's Google Container Registry have
//! not gone through its scanning and access controls, and their content can
//! change under the same name.
//!
//! Fields: `containers[*].image` and the same for `initContainers`. Fails when
//! the registry host is not `gcr.io` or a sub-domain of it (`eu.gcr.io`, ...).
//! Off by default: it only makes sense for clusters that pull every image from
//! that registry.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{is_gcr_registry, untrusted_image_hits};

/// The check.
pub static CHECK: Check = Check {
    id: "container-image-not-gcr",
    aliases: &["KSV-0033", "KSV033", "AVD-KSV-0033"],
    title: "All container images must start with a GCR domain",
    severity: Severity::Medium,
    description: "Images pulled from outside the organisation's Google Container Registry have not gone through its scanning and access controls, and their content can change under the same name.",
    remediation: "Push the images to Google Container Registry (gcr.io or a regional host such as eu.gcr.io) and reference them from there in every container and init container.",
    default_enabled: false,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    untrusted_image_hits(object, "Google Container Registry (gcr.io)", |_, host| {
        is_gcr_registry(host)
    })
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_other_registries() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
      - name: init
        image: eu.gcr.io/my-project/app:2
      containers:
      - name: app
        image: quay.io/prometheus/prometheus:v3.0.0
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].image")
        );
        assert_eq!(
            found[0].message,
            "Container 'app' of Deployment 'web' should use an image from Google Container Registry (gcr.io), not 'quay.io/prometheus/prometheus:v3.0.0'"
        );
    }

    #[test]
    fn passes_on_the_registry() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    image: eu.gcr.io/my-project/app:2
"#,
        );
        assert!(found.is_empty());
    }
}
