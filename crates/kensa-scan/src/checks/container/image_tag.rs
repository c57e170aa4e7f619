//! An image without a tag, or tagged `latest`, names whatever was pushed last:
//! two pods of one workload can run different code, and a rollback cannot bring
//! the old version back.
//!
//! Fields: `containers[*].image` and the same for `initContainers`. Fails when
//! the reference has no tag or the tag `latest`; passes when the image is
//! pinned by digest (`@sha256:...`), whatever its tag. Containers without an
//! image are skipped.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{Image, container_hit, images};

/// The check.
pub static CHECK: Check = Check {
    id: "container-image-latest-tag",
    aliases: &["KSV-0013", "KSV013", "AVD-KSV-0013", "CKV_K8S_14"],
    title: "Image tag \":latest\" used",
    severity: Severity::Medium,
    description: "A missing or latest tag is a moving target: what runs depends on when each node pulled the image, changes arrive without review, and the version in use cannot be audited or rolled back.",
    remediation: "Give every container image a fixed version tag (nginx:1.27.3), or better pin it by digest (nginx@sha256:...).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    images(object)
        .into_iter()
        .filter_map(|(c, reference)| {
            let image = Image::parse(reference);
            if image.digest.is_some() {
                return None;
            }
            let text = match image.tag {
                None => format!("should give image '{reference}' a specific tag"),
                Some("latest") => {
                    format!(
                        "should use a specific tag instead of ':latest' for image '{reference}'"
                    )
                }
                Some(_) => return None,
            };
            Some(container_hit(object, &c, format!("{}.image", c.path), text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_latest_or_missing_tag() {
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
        image: registry.example.com:5000/tools/busybox
      containers:
      - name: app
        image: nginx:latest
      - name: ok
        image: envoy:1.30
"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].image")
        );
        assert_eq!(
            found[0].message,
            "Container 'app' of Deployment 'web' should use a specific tag instead of ':latest' for image 'nginx:latest'"
        );
        assert_eq!(
            found[1].path.as_deref(),
            Some("spec.template.spec.initContainers[0].image")
        );
    }

    #[test]
    fn passes_with_tag_or_digest() {
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
  - name: pinned
    image: nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  - name: bare
    image: nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
"#,
        );
        assert!(found.is_empty());
    }
}
