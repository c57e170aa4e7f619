//! Every pod gets its service account's API token mounted unless told
//! otherwise. A workload that never calls the Kubernetes API gains nothing
//! from it, while anyone who compromises the container can use it.
//!
//! Fields: `automountServiceAccountToken` of the pod spec, and
//! `volumeMounts[*].mountPath` of the containers and init containers.
//! Fails when `automountServiceAccountToken` is true, or when it is unset
//! and a container explicitly mounts
//! `/var/run/secrets/kubernetes.io/serviceaccount` (Trivy's test). Passes
//! when it is false, or unset without such a mount. Trivy reads the field
//! from the object's top-level `spec`; kensa reads it from the pod template,
//! where Kubernetes honours it. Checkov's CKV_K8S_38 is stricter and also
//! fails when the field is unset; that is the cluster check
//! `workload-service-account-token-automounted`, which also consults the
//! pod's ServiceAccount.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "pod-service-account-token",
    aliases: &["KSV-0036", "KSV036", "AVD-KSV-0036"],
    title: "Protecting Pod service account tokens",
    severity: Severity::Medium,
    description: "A mounted service account token lets any process in the pod authenticate to the Kubernetes API with the service account's permissions. Workloads that do not talk to the API should not carry one, so that a compromised container cannot use it to move through the cluster.",
    remediation: "Set automountServiceAccountToken: false in the pod spec (or on the ServiceAccount) and drop any volume mount of /var/run/secrets/kubernetes.io/serviceaccount; for workloads that need API access, mount a short-lived projected token explicitly.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

const TOKEN_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let Some(spec) = object.pod_spec() else {
        return Vec::new();
    };
    match spec.automount_service_account_token {
        Some(false) => Vec::new(),
        Some(true) => {
            let path = object.spec_path("automountServiceAccountToken");
            let message = format!("{} should set '{path}' to false", object.describe());
            vec![Hit::at(path, message)]
        }
        None => {
            let mut out = Vec::new();
            for container in object.containers() {
                let mounts = container
                    .container
                    .volume_mounts
                    .as_deref()
                    .unwrap_or_default();
                for (j, mount) in mounts.iter().enumerate() {
                    let mount_path = mount.mount_path.trim_end_matches('/');
                    if mount_path != TOKEN_DIR {
                        continue;
                    }
                    let path = format!("{}.volumeMounts[{j}].mountPath", container.path);
                    let message = format!(
                        "Container '{}' of {} mounts the service account token at '{TOKEN_DIR}'; {} should set '{}' to false",
                        container.name(),
                        object.describe(),
                        object.describe(),
                        object.spec_path("automountServiceAccountToken"),
                    );
                    out.push(Hit::at(path, message));
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_when_automount_is_true() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      automountServiceAccountToken: true
      containers: [{name: app, image: nginx}]
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.automountServiceAccountToken")
        );
        assert_eq!(
            found[0].message,
            "Deployment 'web' should set 'spec.template.spec.automountServiceAccountToken' to false"
        );
    }

    #[test]
    fn fails_when_unset_and_the_token_is_mounted() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    image: nginx
    volumeMounts:
    - {name: cache, mountPath: /cache}
    - {name: token, mountPath: /var/run/secrets/kubernetes.io/serviceaccount/}
  volumes:
  - {name: cache, emptyDir: {}}
  - {name: token, secret: {secretName: token}}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.containers[0].volumeMounts[1].mountPath")
        );
    }

    #[test]
    fn passes_when_false_even_with_the_mount() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  automountServiceAccountToken: false
  containers:
  - name: app
    image: nginx
    volumeMounts: [{name: token, mountPath: /var/run/secrets/kubernetes.io/serviceaccount}]
  volumes: [{name: token, emptyDir: {}}]
"#,
        );
        assert!(found.is_empty());
    }

    #[test]
    fn passes_when_unset_without_the_mount() {
        let found = hits(
            &CHECK,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: app, image: nginx}]\n",
        );
        assert!(found.is_empty());
    }
}
