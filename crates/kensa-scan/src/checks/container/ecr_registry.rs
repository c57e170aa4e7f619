//! Images pulled from outside the organisation's Amazon ECR registries have not
//! gone through its scanning and access controls, and their content can change
//! under the same name.
//!
//! Fields: `containers[*].image` and the same for `initContainers`. Fails when
//! the registry host is not a private ECR host
//! (`ACCOUNT.dkr.ecr.REGION.amazonaws.com`, or `.amazonaws.com.cn`). Off by
//! default: it only makes sense for clusters that pull every image from that
//! registry.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{is_ecr_registry, untrusted_image_hits};

/// The check.
pub static CHECK: Check = Check {
    id: "container-image-not-ecr",
    aliases: &["KSV-0035", "KSV035", "AVD-KSV-0035"],
    title: "All container images must start with an ECR domain",
    severity: Severity::Medium,
    description: "Images pulled from outside the organisation's Amazon ECR registries have not gone through its scanning and access controls, and their content can change under the same name.",
    remediation: "Push the images to a private Amazon ECR repository and reference them as ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME:TAG in every container and init container.",
    default_enabled: false,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    untrusted_image_hits(
        object,
        "Amazon ECR (ACCOUNT.dkr.ecr.REGION.amazonaws.com)",
        |_, host| is_ecr_registry(host),
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
        image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:3
      containers:
      - name: app
        image: public.ecr.aws/nginx/nginx:1.27
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].image")
        );
        assert_eq!(
            found[0].message,
            "Container 'app' of Deployment 'web' should use an image from Amazon ECR (ACCOUNT.dkr.ecr.REGION.amazonaws.com), not 'public.ecr.aws/nginx/nginx:1.27'"
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
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:3
"#,
        );
        assert!(found.is_empty());
    }
}
