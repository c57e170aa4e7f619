//! Images from public registries can be published by anyone: a typo, a hijacked
//! account or a replaced tag puts someone else's code in the cluster, and pulls
//! depend on a third party's availability and rate limits.
//!
//! Fields: `containers[*].image` and the same for `initContainers`. Fails when
//! the image comes from Docker Hub (`docker.io` and its other host names, or no
//! registry at all, which means Docker Hub) or from GitHub's `ghcr.io`, the
//! public registries Trivy lists.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{host_in, untrusted_image_hits};

/// The check.
pub static CHECK: Check = Check {
    id: "container-image-public-registry",
    aliases: &["KSV-0034", "KSV034", "AVD-KSV-0034"],
    title: "Container images from public registries used",
    severity: Severity::Medium,
    description: "Public registries let anyone publish images, and a tag there can be overwritten at any time. Pulling from them trusts every publisher in the chain and depends on the registry being up and not rate-limiting the cluster.",
    remediation: "Mirror the images you use into a private registry you control, scan them there, and reference them by that registry's host name in every container and init container.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

/// Registries anyone can publish to.
const PUBLIC_REGISTRIES: &[&str] = &[
    "docker.io",
    "index.docker.io",
    "registry-1.docker.io",
    "registry.hub.docker.com",
    "ghcr.io",
];

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    untrusted_image_hits(object, "a private registry", |_, host| {
        !PUBLIC_REGISTRIES.iter().any(|public| host_in(host, public))
    })
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_public_registries() {
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
  - name: hub
    image: docker.io/library/redis:7
  - name: gh
    image: ghcr.io/acme/tool:1
  - name: own
    image: registry.acme.internal/web/app:4
"#,
        );
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].path.as_deref(), Some("spec.containers[0].image"));
        assert_eq!(
            found[0].message,
            "Container 'app' of Pod 'web' should use an image from a private registry, not 'nginx:1.27'"
        );
    }

    #[test]
    fn passes_on_private_registries() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    image: localhost:5000/web:1
  - name: acr
    image: acme.azurecr.io/web:1
"#,
        );
        assert!(found.is_empty());
    }
}
