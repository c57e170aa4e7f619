//! Images should come only from registries the organisation trusts, where they
//! are scanned, signed and access-controlled.
//!
//! Fields: `containers[*].image` and the same for `initContainers`. Fails when
//! the image's registry is not in the `trusted_registries` setting. An entry
//! matches its host and sub-domains (`azurecr.io` matches `acme.azurecr.io`);
//! an entry with a path (`registry.acme.io/team`) matches images under that
//! path. With no setting, Trivy's default list applies: Azure Container
//! Registry, Google Container Registry and private Amazon ECR hosts.
//!
//! Off by default: which registries are trusted is a site decision, and the
//! default list would flag nearly every image of a cluster that uses none of
//! those three clouds' registries.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{
    host_in, is_azure_registry, is_ecr_registry, is_gcr_registry, untrusted_image_hits,
};

/// The check.
pub static CHECK: Check = Check {
    id: "container-image-untrusted-registry",
    aliases: &["KSV-0125", "KSV0125", "AVD-KSV-0125"],
    title: "Restrict container images to trusted registries",
    severity: Severity::Medium,
    description: "An image from a registry outside the organisation's control has not passed its vulnerability scanning, signing or review, and whoever controls that registry decides what the cluster runs.",
    remediation: "Reference every container and init container image from one of your trusted registries (mirror third-party images there), and list those registries in kensa's trusted registries setting.",
    default_enabled: false,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let trusted = &object.settings.trusted_registries;
    untrusted_image_hits(object, "a trusted registry", |reference, host| {
        if trusted.is_empty() {
            return is_azure_registry(host) || is_gcr_registry(host) || is_ecr_registry(host);
        }
        trusted
            .iter()
            .any(|entry| matches_entry(entry, reference, host))
    })
}

/// Whether an image matches one trusted-registry entry.
fn matches_entry(entry: &str, reference: &str, host: &str) -> bool {
    let entry = entry.trim().trim_end_matches('/');
    match entry.split_once('/') {
        Some((registry, path)) => {
            let Some((first, rest)) = reference.trim().split_once('/') else {
                return false;
            };
            first.eq_ignore_ascii_case(registry)
                && rest
                    .strip_prefix(path)
                    .is_some_and(|tail| tail.starts_with('/'))
        }
        None => {
            let entry = entry.split(':').next().unwrap_or(entry);
            host_in(host, entry)
        }
    }
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
  - name: acr
    image: acme.azurecr.io/web:1
  - name: team
    image: registry.acme.io/team/api:2
  - name: other
    image: registry.acme.io/otherteam/api:2
"#;

    #[test]
    fn default_list_trusts_cloud_registries() {
        let found = hits(&CHECK, POD);
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].path.as_deref(), Some("spec.containers[0].image"));
        assert_eq!(
            found[0].message,
            "Container 'app' of Pod 'web' should use an image from a trusted registry, not 'nginx:1.27'"
        );
    }

    #[test]
    fn configured_registries_replace_the_default() {
        let settings = Settings {
            trusted_registries: vec!["registry.acme.io/team".into(), "docker.io".into()],
            ..Settings::default()
        };
        let found = hits_with(&CHECK, POD, &settings);
        let names: Vec<&str> = found
            .iter()
            .map(|hit| hit.message.split('\'').nth(1).unwrap_or(""))
            .collect();
        assert_eq!(names, ["acr", "other"]);
    }

    #[test]
    fn passes_on_trusted_registry() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1
"#,
        );
        assert!(found.is_empty());
    }
}
