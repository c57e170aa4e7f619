//! Images pulled from outside the organisation's Azure Container Registries
//! have not gone through its scanning, signing and access controls, and their
//! content can change under the same name.
//!
//! Fields: `containers[*].image` and the same for `initContainers`. Fails when
//! the registry host is not `azurecr.io` or a sub-domain of it (an image
//! without a registry is from Docker Hub). Off by default: it only makes sense
//! for clusters that pull every image from that registry.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{is_azure_registry, untrusted_image_hits};

/// The check.
pub static CHECK: Check = Check {
    id: "container-image-not-azure-registry",
    aliases: &["KSV-0032", "KSV032", "AVD-KSV-0032"],
    title: "All container images must start with the *.azurecr.io domain",
    severity: Severity::Medium,
    description: "Images pulled from outside the organisation's Azure Container Registries have not gone through its scanning, signing and access controls, and their content can change under the same name.",
    remediation: "Push the images to an Azure Container Registry (NAME.azurecr.io) and reference them from there in every container and init container.",
    default_enabled: false,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    untrusted_image_hits(
        object,
        "an Azure Container Registry (*.azurecr.io)",
        |_, host| is_azure_registry(host),
    )
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
        image: contoso.azurecr.io/web/nginx:1.27
      containers:
      - name: app
        image: nginx:1.27
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].image")
        );
        assert_eq!(
            found[0].message,
            "Container 'app' of Deployment 'web' should use an image from an Azure Container Registry (*.azurecr.io), not 'nginx:1.27'"
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
    image: contoso.azurecr.io/web/nginx:1.27
"#,
        );
        assert!(found.is_empty());
    }
}
