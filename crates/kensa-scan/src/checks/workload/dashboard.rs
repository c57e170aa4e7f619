//! The Kubernetes dashboard is a web UI with broad access to the cluster.
//! Exposed or misconfigured instances (and the service accounts they run
//! with) have been a common way into clusters; most clusters are better off
//! without it.
//!
//! Fields: `image` of each container and init container, and the labels
//! `app` and `k8s-app` of the object and its pod template. Fails for each
//! container whose image contains `kubernetes-dashboard` or `kubernetesui`;
//! when no image does, fails once when a label `app` or `k8s-app` is
//! `kubernetes-dashboard`. Passes otherwise.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::label;

/// The check.
pub static CHECK: Check = Check {
    id: "kubernetes-dashboard-deployed",
    aliases: &["CKV_K8S_33"],
    title: "Kubernetes dashboard is deployed",
    severity: Severity::Medium,
    description: "The Kubernetes dashboard gives a browser full view of, and often control over, the cluster. Deployments exposed to a network or running with a powerful service account have repeatedly let attackers take over clusters, and the UI adds an attack surface most clusters do not need.",
    remediation: "Remove the dashboard Deployment and its Service; use kubectl or a hardened external console with per-user authentication instead. If it must stay, run it with a minimal service account and reach it only through kubectl port-forward or an authenticating proxy.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn is_dashboard_image(image: &str) -> bool {
    image.contains("kubernetes-dashboard") || image.contains("kubernetesui")
}

/// The path of a dashboard label in `meta` (at `base`), if there is one.
fn dashboard_label(meta: &ObjectMeta, base: &str) -> Option<String> {
    ["app", "k8s-app"].into_iter().find_map(|key| {
        (label(meta.labels.as_ref(), key) == Some("kubernetes-dashboard"))
            .then(|| format!("{base}.labels.{key}"))
    })
}

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let subject = object.describe();
    let by_image: Vec<Hit> = object
        .containers()
        .into_iter()
        .filter_map(|c| {
            let image = c.container.image.as_deref().filter(|i| is_dashboard_image(i))?;
            Some(Hit::at(
                format!("{}.image", c.path),
                format!(
                    "Container '{}' of {subject} runs the Kubernetes dashboard (image '{image}'); it should not be deployed",
                    c.name()
                ),
            ))
        })
        .collect();
    if !by_image.is_empty() {
        return by_image;
    }
    let by_label = dashboard_label(object.metadata(), "metadata").or_else(|| {
        let pod = object.pod()?;
        dashboard_label(&pod.metadata, pod.metadata_path)
    });
    by_label
        .map(|path| {
            Hit::at(
                path,
                format!(
                    "{subject} is labelled as the Kubernetes dashboard; it should not be deployed"
                ),
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
    fn fails_on_a_dashboard_image() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: kubernetes-dashboard, namespace: kubernetes-dashboard}
spec:
  template:
    spec:
      containers:
      - name: kubernetes-dashboard
        image: kubernetesui/dashboard:v2.7.0
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].image")
        );
        assert_eq!(
            found[0].message,
            "Container 'kubernetes-dashboard' of Deployment 'kubernetes-dashboard' runs the Kubernetes dashboard (image 'kubernetesui/dashboard:v2.7.0'); it should not be deployed"
        );
    }

    #[test]
    fn fails_on_a_dashboard_label() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: ui}
spec:
  template:
    metadata: {labels: {k8s-app: kubernetes-dashboard}}
    spec:
      containers: [{name: ui, image: registry.example.com/ui:2}]
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.metadata.labels.k8s-app")
        );
    }

    #[test]
    fn passes_for_other_workloads() {
        let found = hits(
            &CHECK,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec:\n  containers: [{name: app, image: nginx}]\n",
        );
        assert!(found.is_empty());
    }
}
