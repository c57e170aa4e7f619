//! With `imagePullPolicy: Always` the kubelet checks the registry on every
//! start, so a pod cannot use a copy of a private image that another tenant of
//! the node pulled, and a retagged image is picked up.
//!
//! Fields: `containers[*].imagePullPolicy` and `image`, and the same for
//! `initContainers`. Passes when the policy is `Always`, when it is unset and
//! the image has no tag or the `latest` tag (Kubernetes then defaults it to
//! `Always`), or when the image is pinned by digest (the content cannot
//! change), as Checkov does. Containers without an image are skipped.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{Image, container_hit, images};

/// The check.
pub static CHECK: Check = Check {
    id: "container-image-pull-policy",
    aliases: &["CKV_K8S_15"],
    title: "Image pull policy should be Always",
    severity: Severity::Low,
    description: "When the kubelet reuses an image already on the node, any pod there can run a private image without presenting pull credentials, and a tag moved in the registry is not seen. Pulling every time makes the registry's access control and current content apply.",
    remediation: "Set imagePullPolicy: Always on every container and init container, or pin the image by digest (image@sha256:...).",
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
            let path = format!("{}.imagePullPolicy", c.path);
            match c.container.image_pull_policy.as_deref() {
                Some("Always") => None,
                Some(policy) => Some(container_hit(
                    object,
                    &c,
                    path,
                    format_args!("should set 'imagePullPolicy' to Always instead of '{policy}'"),
                )),
                None if matches!(image.tag, None | Some("latest")) => None,
                None => Some(container_hit(
                    object,
                    &c,
                    path,
                    "should set 'imagePullPolicy' to Always",
                )),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_unless_always() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx:1.27
      - name: cached
        image: envoy:1.30
        imagePullPolicy: IfNotPresent
"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].imagePullPolicy")
        );
        assert_eq!(
            found[0].message,
            "Container 'app' of Deployment 'web' should set 'imagePullPolicy' to Always"
        );
        assert_eq!(
            found[1].message,
            "Container 'cached' of Deployment 'web' should set 'imagePullPolicy' to Always instead of 'IfNotPresent'"
        );
    }

    #[test]
    fn passes_when_always_or_defaulted_or_pinned() {
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
    imagePullPolicy: Always
  - name: latest
    image: nginx
  - name: pinned
    image: nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    imagePullPolicy: IfNotPresent
"#,
        );
        assert!(found.is_empty());
    }
}
