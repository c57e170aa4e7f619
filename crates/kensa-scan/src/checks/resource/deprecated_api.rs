//! An object written against an API version that Kubernetes has deprecated
//! or stopped serving: the API server rejects it once the version is removed,
//! and tools that convert it may drop fields.
//!
//! Fields: `apiVersion` and `kind`, looked up in kensa's table of the
//! built-in API versions Kubernetes removed (from the Kubernetes deprecated
//! API migration guide), each with the minor version that deprecated it, the
//! one that stopped serving it and its replacement. An object is reported
//! once the scan's Kubernetes version (`Settings::kubernetes_minor`) has
//! reached the deprecation; the message says whether it is already removed.
//! Alpha and beta versions of APIs that are still evolving (and versions
//! deprecated but never removed, such as `v1` ComponentStatus) are not listed.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "deprecated-api-version",
    aliases: &["KSV-0107", "KSV107", "AVD-KSV-0107"],
    title: "The deprecated 'apiVersion' and 'kind' should not be used",
    severity: Severity::Low,
    description: "Kubernetes stops serving deprecated beta API versions a few releases after their replacement is stable. Manifests that still use them fail to apply on newer clusters, block upgrades, and may lose fields when converted.",
    remediation: "Change apiVersion to the replacement the finding names (for example apps/v1 for Deployments, networking.k8s.io/v1 for Ingresses, policy/v1 for PodDisruptionBudgets) and adapt the fields that changed between the versions.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Any,
        check,
    },
};

/// A removed API: `apiVersion`, kinds, the minor versions that deprecated and
/// removed it, and what replaces it.
struct Removed {
    api_version: &'static str,
    kinds: &'static [&'static str],
    deprecated: u32,
    removed: u32,
    replacement: &'static str,
}

const fn api(
    api_version: &'static str,
    kinds: &'static [&'static str],
    deprecated: u32,
    removed: u32,
    replacement: &'static str,
) -> Removed {
    Removed {
        api_version,
        kinds,
        deprecated,
        removed,
        replacement,
    }
}

const WORKLOADS: &[&str] = &[
    "Deployment",
    "DaemonSet",
    "ReplicaSet",
    "StatefulSet",
    "ControllerRevision",
];
const RBAC: &[&str] = &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"];
const FLOW_CONTROL: &[&str] = &["FlowSchema", "PriorityLevelConfiguration"];
const ACCESS_REVIEWS: &[&str] = &[
    "SubjectAccessReview",
    "LocalSubjectAccessReview",
    "SelfSubjectAccessReview",
];
const STORAGE: &[&str] = &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"];

static REMOVED: &[Removed] = &[
    // Kubernetes 1.16
    api(
        "extensions/v1beta1",
        &["Deployment", "DaemonSet", "ReplicaSet"],
        9,
        16,
        "apps/v1",
    ),
    api(
        "apps/v1beta1",
        &["Deployment", "StatefulSet", "ControllerRevision"],
        9,
        16,
        "apps/v1",
    ),
    api("apps/v1beta2", WORKLOADS, 9, 16, "apps/v1"),
    api(
        "extensions/v1beta1",
        &["NetworkPolicy"],
        9,
        16,
        "networking.k8s.io/v1",
    ),
    api(
        "extensions/v1beta1",
        &["PodSecurityPolicy"],
        10,
        16,
        "policy/v1beta1",
    ),
    // Kubernetes 1.22
    api(
        "admissionregistration.k8s.io/v1beta1",
        &[
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
        ],
        16,
        22,
        "admissionregistration.k8s.io/v1",
    ),
    api(
        "apiextensions.k8s.io/v1beta1",
        &["CustomResourceDefinition"],
        16,
        22,
        "apiextensions.k8s.io/v1",
    ),
    api(
        "apiregistration.k8s.io/v1beta1",
        &["APIService"],
        19,
        22,
        "apiregistration.k8s.io/v1",
    ),
    api(
        "authentication.k8s.io/v1beta1",
        &["TokenReview"],
        19,
        22,
        "authentication.k8s.io/v1",
    ),
    api(
        "authorization.k8s.io/v1beta1",
        ACCESS_REVIEWS,
        19,
        22,
        "authorization.k8s.io/v1",
    ),
    api(
        "certificates.k8s.io/v1beta1",
        &["CertificateSigningRequest"],
        19,
        22,
        "certificates.k8s.io/v1",
    ),
    api(
        "coordination.k8s.io/v1beta1",
        &["Lease"],
        19,
        22,
        "coordination.k8s.io/v1",
    ),
    api(
        "extensions/v1beta1",
        &["Ingress"],
        14,
        22,
        "networking.k8s.io/v1",
    ),
    api(
        "networking.k8s.io/v1beta1",
        &["Ingress", "IngressClass"],
        19,
        22,
        "networking.k8s.io/v1",
    ),
    api(
        "rbac.authorization.k8s.io/v1beta1",
        RBAC,
        17,
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    api(
        "rbac.authorization.k8s.io/v1alpha1",
        RBAC,
        17,
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    api(
        "scheduling.k8s.io/v1beta1",
        &["PriorityClass"],
        14,
        22,
        "scheduling.k8s.io/v1",
    ),
    api(
        "storage.k8s.io/v1beta1",
        STORAGE,
        19,
        22,
        "storage.k8s.io/v1",
    ),
    // Kubernetes 1.25
    api("batch/v1beta1", &["CronJob"], 21, 25, "batch/v1"),
    api(
        "discovery.k8s.io/v1beta1",
        &["EndpointSlice"],
        21,
        25,
        "discovery.k8s.io/v1",
    ),
    api(
        "events.k8s.io/v1beta1",
        &["Event"],
        19,
        25,
        "events.k8s.io/v1",
    ),
    api(
        "autoscaling/v2beta1",
        &["HorizontalPodAutoscaler"],
        22,
        25,
        "autoscaling/v2",
    ),
    api(
        "policy/v1beta1",
        &["PodDisruptionBudget"],
        21,
        25,
        "policy/v1",
    ),
    api(
        "policy/v1beta1",
        &["PodSecurityPolicy"],
        21,
        25,
        "Pod Security Admission (no replacement API)",
    ),
    api(
        "node.k8s.io/v1beta1",
        &["RuntimeClass"],
        20,
        25,
        "node.k8s.io/v1",
    ),
    // Kubernetes 1.26
    api(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        FLOW_CONTROL,
        23,
        26,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    api(
        "autoscaling/v2beta2",
        &["HorizontalPodAutoscaler"],
        23,
        26,
        "autoscaling/v2",
    ),
    // Kubernetes 1.27
    api(
        "storage.k8s.io/v1beta1",
        &["CSIStorageCapacity"],
        24,
        27,
        "storage.k8s.io/v1",
    ),
    // Kubernetes 1.29
    api(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        FLOW_CONTROL,
        26,
        29,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    // Kubernetes 1.32
    api(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        FLOW_CONTROL,
        29,
        32,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
];

fn lookup(api_version: &str, kind: &str) -> Option<&'static Removed> {
    REMOVED
        .iter()
        .find(|removed| removed.api_version == api_version && removed.kinds.contains(&kind))
}

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let api_version = object.object.api_version.as_str();
    let Some(removed) = lookup(api_version, object.kind()) else {
        return Vec::new();
    };
    let minor = object.settings.kubernetes_minor;
    if minor < removed.deprecated {
        return Vec::new();
    }
    let status = if minor >= removed.removed {
        format!("was removed in Kubernetes 1.{}", removed.removed)
    } else {
        format!(
            "is deprecated since Kubernetes 1.{} and removed in 1.{}",
            removed.deprecated, removed.removed
        )
    };
    vec![Hit::at(
        "apiVersion",
        format!(
            "{} uses apiVersion '{api_version}', which {status}; use {}",
            object.describe(),
            removed.replacement
        ),
    )]
}

#[cfg(test)]
mod tests {
    use crate::context::Settings;
    use crate::testing::{hits, hits_with};

    use super::{CHECK, REMOVED};

    #[test]
    fn fails_on_a_removed_version() {
        let found = hits(
            &CHECK,
            "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: nightly}\nspec:\n  schedule: '@daily'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: job, image: busybox}]\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("apiVersion"));
        assert_eq!(
            found[0].message,
            "CronJob 'nightly' uses apiVersion 'batch/v1beta1', which was removed in Kubernetes 1.25; use batch/v1"
        );
    }

    #[test]
    fn says_deprecated_before_the_removal() {
        let settings = Settings {
            kubernetes_minor: 23,
            ..Settings::default()
        };
        let yaml = "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: pdb}\nspec: {minAvailable: 1}\n";
        let found = hits_with(&CHECK, yaml, &settings);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .message
                .contains("deprecated since Kubernetes 1.21 and removed in 1.25")
        );
        let old = Settings {
            kubernetes_minor: 20,
            ..Settings::default()
        };
        assert!(hits_with(&CHECK, yaml, &old).is_empty());
    }

    #[test]
    fn passes_on_current_versions() {
        for yaml in [
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\n",
            "apiVersion: extensions/v1beta1\nkind: Unknown\nmetadata: {name: x}\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n",
        ] {
            assert!(hits(&CHECK, yaml).is_empty(), "{yaml}");
        }
    }

    #[test]
    fn table_is_consistent() {
        for removed in REMOVED {
            assert!(
                removed.deprecated < removed.removed,
                "{}",
                removed.api_version
            );
        }
    }
}
