//! Tiller, the in-cluster server of Helm v2, listens for gRPC requests
//! without authentication by default and usually runs with cluster-admin
//! rights: anyone who reaches it can deploy anything. Helm v2 is end of
//! life; Helm v3 has no server component.
//!
//! Fields: `image` of each container and init container, and the object's
//! (and the pod template's) `metadata.name`, `metadata.labels.app` and
//! `metadata.labels.name`. Fails for each container whose image contains
//! `tiller`; when no image does, fails once when the name contains `tiller`
//! or the labels are `app: helm` or `name: tiller` (Helm v2's own labels).
//! Passes otherwise.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{label, tiller_containers};

/// The check.
pub static CHECK: Check = Check {
    id: "tiller-deployed",
    aliases: &["KSV-0102", "KSV102", "AVD-KSV-0102", "CKV_K8S_34"],
    title: "Tiller Is Deployed",
    severity: Severity::Critical,
    description: "Tiller (Helm v2) accepts unauthenticated requests on its gRPC port by default and typically holds cluster-admin rights, so any pod that can reach it can install arbitrary workloads or read every secret. Helm v2 no longer receives security fixes.",
    remediation: "Migrate the releases to Helm v3 (for example with the helm-2to3 plugin), then delete the Tiller Deployment, its Service and its service account bindings.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

/// Where Tiller's markers show in `meta` (at `base`), if they do.
fn metadata_marker(meta: &ObjectMeta, base: &str) -> Option<(String, String)> {
    let labels = meta.labels.as_ref();
    if meta
        .name
        .as_deref()
        .is_some_and(|name| name.contains("tiller"))
    {
        return Some((format!("{base}.name"), "is named like Tiller".to_owned()));
    }
    if label(labels, "app") == Some("helm") {
        return Some((
            format!("{base}.labels.app"),
            "has the label app: helm".to_owned(),
        ));
    }
    if label(labels, "name") == Some("tiller") {
        return Some((
            format!("{base}.labels.name"),
            "has the label name: tiller".to_owned(),
        ));
    }
    None
}

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let subject = object.describe();
    let by_image: Vec<Hit> = object
        .containers()
        .into_iter()
        .filter(|c| c.container.image.as_deref().is_some_and(|image| image.contains("tiller")))
        .map(|c| {
            Hit::at(
                format!("{}.image", c.path),
                format!(
                    "Container '{}' of {subject} runs Tiller (image '{}'); Helm v2's Tiller should not be deployed",
                    c.name(),
                    c.container.image.as_deref().unwrap_or_default()
                ),
            )
        })
        .collect();
    if !by_image.is_empty() {
        return by_image;
    }
    if tiller_containers(object).is_empty() {
        return Vec::new();
    }
    let marker = metadata_marker(object.metadata(), "metadata").or_else(|| {
        let pod = object.pod()?;
        metadata_marker(&pod.metadata, pod.metadata_path)
    });
    marker
        .map(|(path, why)| {
            Hit::at(
                path,
                format!("{subject} {why}; Helm v2's Tiller should not be deployed"),
            )
        })
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_a_tiller_image() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: helm-server, namespace: tools}
spec:
  template:
    spec:
      containers:
      - {name: proxy, image: envoy:1.30}
      - {name: server, image: "ghcr.io/helm/tiller:v2.17.0"}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[1].image")
        );
        assert_eq!(
            found[0].message,
            "Container 'server' of Deployment 'helm-server' runs Tiller (image 'ghcr.io/helm/tiller:v2.17.0'); Helm v2's Tiller should not be deployed"
        );
    }

    #[test]
    fn fails_on_tiller_metadata() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: deploy, namespace: kube-system}
spec:
  template:
    metadata:
      labels: {app: helm, name: tiller}
    spec:
      containers: [{name: server, image: "registry.example.com/helm-server:2"}]
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.metadata.labels.app")
        );
        assert_eq!(
            found[0].message,
            "Deployment 'deploy' has the label app: helm; Helm v2's Tiller should not be deployed"
        );
        let found = hits(
            &CHECK,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: tiller-deploy-1}\nspec:\n  containers: [{name: a, image: x}]\n",
        );
        assert_eq!(found[0].path.as_deref(), Some("metadata.name"));
    }

    #[test]
    fn passes_for_other_workloads() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx}]
"#,
        );
        assert!(found.is_empty());
    }
}
