//! A tag can be moved to other content at any time; only a digest names exactly
//! one image, so every node runs the same bytes and a compromised registry
//! cannot swap them.
//!
//! Fields: `containers[*].image` and the same for `initContainers`. Passes when
//! the reference carries a digest (`@sha256:...`). Containers without an image
//! are skipped.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{Image, container_hit, images};

/// The check.
pub static CHECK: Check = Check {
    id: "container-image-digest",
    aliases: &["CKV_K8S_43"],
    title: "Image should be pinned by digest",
    severity: Severity::Low,
    description: "Image tags are mutable: whoever can push to the repository can point a tag at different content, and nodes pulling at different times may get different images. A digest fixes the exact image that runs.",
    remediation: "Reference every container and init container image by digest, e.g. nginx:1.27@sha256:<digest> (the tag may stay for readability).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    images(object)
        .into_iter()
        .filter(|(_, reference)| Image::parse(reference).digest.is_none())
        .map(|(c, reference)| {
            container_hit(
                object,
                &c,
                format!("{}.image", c.path),
                format_args!("should pin image '{reference}' by digest (@sha256:...)"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_without_digest() {
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
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("spec.containers[0].image"));
        assert_eq!(
            found[0].message,
            "Container 'app' of Pod 'web' should pin image 'nginx:1.27' by digest (@sha256:...)"
        );
    }

    #[test]
    fn passes_with_digest() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    image: nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
"#,
        );
        assert!(found.is_empty());
    }
}
