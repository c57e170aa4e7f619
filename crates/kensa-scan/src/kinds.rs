//! Which kinds kensa checks: the built-in Kubernetes API groups. Objects of
//! other groups (custom resources) are skipped and counted.

/// API groups served by a stock Kubernetes API server, plus OpenShift's
/// `apps.openshift.io` (for DeploymentConfig, which Trivy and Checkov check).
const BUILT_IN_GROUPS: &[&str] = &[
    "",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "apps",
    "apps.openshift.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "extensions",
    "flowcontrol.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
];

/// Kinds Gatekeeper constraints that a check looks at, although they are custom resources.
const CHECKED_CUSTOM_GROUPS: &[&str] = &["constraints.gatekeeper.sh"];

/// The group of an `apiVersion`: `apps` for `apps/v1`, `""` for `v1`.
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// Whether objects of this `apiVersion` and `kind` are checked (built-in
/// kinds), as opposed to skipped (custom resources and unknown kinds).
pub fn is_checked_kind(api_version: &str, kind: &str) -> bool {
    if kind.is_empty() || kind.ends_with("List") {
        return false;
    }
    let group = group_of(api_version);
    BUILT_IN_GROUPS.contains(&group) || CHECKED_CUSTOM_GROUPS.contains(&group)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_kinds_are_checked_and_custom_resources_skipped() {
        assert!(is_checked_kind("apps/v1", "Deployment"));
        assert!(is_checked_kind("v1", "Service"));
        assert!(is_checked_kind(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole"
        ));
        assert!(!is_checked_kind(
            "monitoring.coreos.com/v1",
            "ServiceMonitor"
        ));
        assert!(!is_checked_kind("argoproj.io/v1alpha1", "AppProject"));
    }
}
