//! `kube-system` belongs to the cluster's own components. Putting user
//! objects there mixes them with highly privileged system service accounts,
//! secrets and add-ons, and exempts them from policies that usually skip
//! that namespace.
//!
//! Fields: `metadata.namespace` of any object; for Pods also
//! `metadata.labels.tier`, `metadata.labels.component` and
//! `spec.priorityClassName`. Fails for every object in `kube-system` except
//! the control-plane static Pods: a Pod labelled `tier: control-plane` with
//! `component` one of `kube-apiserver`, `etcd`, `kube-controller-manager` or
//! `kube-scheduler` and `priorityClassName: system-node-critical`. Like
//! Trivy, it applies to every kind.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::label;

/// The check.
pub static CHECK: Check = Check {
    id: "object-in-kube-system",
    aliases: &["KSV-0037", "KSV037", "AVD-KSV-0037"],
    title: "User resources should not be placed in kube-system namespace",
    severity: Severity::Medium,
    description: "The kube-system namespace holds the control plane's and add-ons' objects, including powerful service accounts and their secrets. User workloads placed there can reach those credentials more easily, are often exempted from admission policies, and make system components harder to tell apart and protect.",
    remediation: "Set metadata.namespace to a dedicated application namespace instead of kube-system, and restrict who may create objects in kube-system.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Any,
        check,
    },
};

const CONTROL_PLANE_COMPONENTS: &[&str] = &[
    "kube-apiserver",
    "etcd",
    "kube-controller-manager",
    "kube-scheduler",
];

/// Whether the object is a control-plane static Pod as kubeadm writes them.
fn is_control_plane_pod(object: &ObjectContext<'_>) -> bool {
    if object.kind() != "Pod" {
        return false;
    }
    let labels = object.metadata().labels.as_ref();
    label(labels, "tier") == Some("control-plane")
        && label(labels, "component").is_some_and(|c| CONTROL_PLANE_COMPONENTS.contains(&c))
        && object
            .pod_spec()
            .and_then(|spec| spec.priority_class_name.as_deref())
            == Some("system-node-critical")
}

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    if object.namespace() != Some("kube-system") || is_control_plane_pod(object) {
        return Vec::new();
    }
    vec![Hit::at(
        "metadata.namespace",
        format!(
            "{} should not be placed in the 'kube-system' namespace",
            object.describe()
        ),
    )]
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_for_user_objects_in_kube_system() {
        let found = hits(
            &CHECK,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: kube-system}\nspec:\n  template:\n    spec:\n      containers: [{name: app, image: nginx}]\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("metadata.namespace"));
        assert_eq!(
            found[0].message,
            "Deployment 'web' should not be placed in the 'kube-system' namespace"
        );
        let found = hits(
            &CHECK,
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: kube-system}\ndata: {a: b}\n",
        );
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn fails_for_a_pod_that_only_looks_like_the_control_plane() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver-node1
  namespace: kube-system
  labels: {tier: control-plane, component: kube-apiserver}
spec:
  containers: [{name: kube-apiserver, image: registry.k8s.io/kube-apiserver:v1.33.0}]
"#,
        );
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn passes_for_static_control_plane_pods_and_other_namespaces() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata:
  name: etcd-node1
  namespace: kube-system
  labels: {tier: control-plane, component: etcd}
spec:
  priorityClassName: system-node-critical
  hostNetwork: true
  containers: [{name: etcd, image: registry.k8s.io/etcd:3.5.21-0}]
"#,
        );
        assert!(found.is_empty());
        let found = hits(
            &CHECK,
            "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  ports: [{port: 80}]\n",
        );
        assert!(found.is_empty());
    }
}
