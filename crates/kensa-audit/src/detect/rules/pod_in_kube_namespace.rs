//! A pod was created in `kube-system` or `kube-public` with images outside
//! the allowlist. System namespaces are exempt from most policies and hold
//! powerful service accounts; attackers hide pods there under system-like
//! names.
//!
//! Falco: `Pod Created in Kube Namespace` (`allowed_kube_namespace_image_list`).
//! kensa also allows the images allowed to run privileged (node agents such
//! as calico-node and kube-proxy live in kube-system) and fires only when the
//! create succeeded.

use crate::detect::support::*;
use crate::detect::{Priority, RequestPattern, Rule};
use crate::event::Event;

/// Pod created in a kube namespace.
pub static RULE: Rule = Rule {
    id: "k8s-pod-in-kube-namespace",
    falco_name: Some("Pod Created in Kube Namespace"),
    title: "Pod created in a kube namespace",
    priority: Priority::Warning,
    description: "A pod with images outside the allowlist was created in kube-system or kube-public.",
    default_enabled: true,
    needs: request_body(&[RequestPattern {
        verbs: &["create"],
        api_group: Some(""),
        resources: &["pods"],
        subresources: &[],
        namespaces: &["kube-system", "kube-public"],
    }]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    let spec = successful_pod_create(event)?;
    if !kube_namespace_finding(event.namespace(), &spec) {
        return None;
    }
    Some(format!(
        "pod created in kube namespace (user={} pod={} images={})",
        user(event),
        object(event),
        spec.images()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_for_unknown_images_in_kube_system() {
        let spec = r#"{"containers":[{"name":"a","image":"docker.io/library/alpine:3.19"}]}"#;
        assert!(run(&RULE, &pod_event("kube-system", spec, 201)).is_some());
    }

    #[test]
    fn skips_other_namespaces_and_known_images() {
        let spec = r#"{"containers":[{"name":"a","image":"docker.io/library/alpine:3.19"}]}"#;
        assert_eq!(run(&RULE, &pod_event("web", spec, 201)), None);
        let known =
            r#"{"containers":[{"name":"a","image":"registry.k8s.io/metrics-server-amd64:v0.3"}]}"#;
        assert_eq!(run(&RULE, &pod_event("kube-system", known, 201)), None);
    }
}
