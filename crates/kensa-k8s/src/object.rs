//! The loaded object model.

use std::sync::Arc;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::position::Position;
use crate::spans::FieldSpans;

/// One Kubernetes object, as loaded from a source.
#[derive(Debug, Clone)]
pub struct Object {
    /// The source: the file path as given, or `<stdin>`.
    pub source: Arc<str>,
    /// Where the object starts in the source; for a list item, where the item starts.
    pub position: Position,
    /// The last line of the object in the source: for YAML the last line of
    /// the document's (or item's) content, blank and comment lines after it
    /// left out; for JSON the line of the closing brace.
    pub end_line: u32,
    /// `apiVersion`; for an item of a list that lacks it, the list's.
    pub api_version: String,
    /// `kind`; for an item of a typed list (`PodList`, ...) that lacks it, inferred (`Pod`).
    pub kind: String,
    /// `metadata` (empty when absent).
    pub metadata: ObjectMeta,
    /// The pod template of a pod-bearing kind, when it has one.
    pub pod: Option<PodTemplate>,
    /// The whole object as JSON, for kinds that are not pod-bearing (Namespace,
    /// Service, RBAC, ...). `None` for pod-bearing kinds, to save memory,
    /// unless [`crate::LoadOptions::keep_body`] asked for it.
    pub body: Option<serde_json::Value>,
    /// Where every field is, when [`crate::LoadOptions::field_spans`] asked
    /// for it; paths are relative to the object (to the item, for a list item).
    pub spans: Option<Arc<FieldSpans>>,
}

/// The pod view of a pod-bearing object, with the paths it came from.
#[derive(Debug, Clone)]
pub struct PodTemplate {
    /// For a Pod its own metadata; for a workload its template's metadata (empty when absent).
    pub metadata: ObjectMeta,
    /// The pod spec.
    pub spec: PodSpec,
    /// Where the metadata lives: `metadata`, `spec.template.metadata`,
    /// `spec.jobTemplate.spec.template.metadata` or `template.metadata`.
    pub metadata_path: &'static str,
    /// Where the spec lives: `spec`, `spec.template.spec`,
    /// `spec.jobTemplate.spec.template.spec` or `template.spec`.
    pub spec_path: &'static str,
}

/// The pod-bearing kinds: Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet,
/// Job, CronJob, ReplicationController, PodTemplate, and OpenShift's
/// DeploymentConfig (`apps.openshift.io/v1`, template at `spec.template`).
///
/// ```
/// assert!(kensa_k8s::pod_bearing_kind("CronJob"));
/// assert!(kensa_k8s::pod_bearing_kind("DeploymentConfig"));
/// assert!(!kensa_k8s::pod_bearing_kind("Service"));
/// ```
pub fn pod_bearing_kind(kind: &str) -> bool {
    template_location(kind).is_some()
}

/// Where the pod template of a pod-bearing kind lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TemplateLocation {
    /// The object is the pod: `metadata` and `spec`.
    Pod,
    /// `spec.template`.
    SpecTemplate,
    /// `spec.jobTemplate.spec.template`.
    JobTemplate,
    /// `template` (the PodTemplate kind).
    Template,
}

impl TemplateLocation {
    pub(crate) fn paths(self) -> (&'static str, &'static str) {
        match self {
            TemplateLocation::Pod => ("metadata", "spec"),
            TemplateLocation::SpecTemplate => ("spec.template.metadata", "spec.template.spec"),
            TemplateLocation::JobTemplate => (
                "spec.jobTemplate.spec.template.metadata",
                "spec.jobTemplate.spec.template.spec",
            ),
            TemplateLocation::Template => ("template.metadata", "template.spec"),
        }
    }
}

pub(crate) fn template_location(kind: &str) -> Option<TemplateLocation> {
    Some(match kind {
        "Pod" => TemplateLocation::Pod,
        "Deployment"
        | "ReplicaSet"
        | "StatefulSet"
        | "DaemonSet"
        | "Job"
        | "ReplicationController"
        | "DeploymentConfig" => TemplateLocation::SpecTemplate,
        "CronJob" => TemplateLocation::JobTemplate,
        "PodTemplate" => TemplateLocation::Template,
        _ => return None,
    })
}

impl Object {
    /// `metadata.namespace`, if set and not empty.
    pub fn namespace(&self) -> Option<&str> {
        self.metadata
            .namespace
            .as_deref()
            .filter(|ns| !ns.is_empty())
    }

    /// `metadata.name`, else `metadata.generateName`, else `""`.
    pub fn name(&self) -> &str {
        match self.metadata.name.as_deref() {
            Some(name) if !name.is_empty() => name,
            _ => self.metadata.generate_name.as_deref().unwrap_or(""),
        }
    }

    /// Whether [`Object::kind`] is a pod-bearing kind (see [`pod_bearing_kind`]).
    pub fn is_pod_bearing_kind(&self) -> bool {
        pod_bearing_kind(&self.kind)
    }

    /// `Kind namespace/name`, `Kind name` or `Kind`: how diagnostics name the object.
    pub fn display_name(&self) -> String {
        display_name(&self.kind, self.namespace(), self.name())
    }
}

pub(crate) fn display_name(kind: &str, namespace: Option<&str>, name: &str) -> String {
    match (namespace, name) {
        (_, "") => kind.to_owned(),
        (Some(ns), name) => format!("{kind} {ns}/{name}"),
        (None, name) => format!("{kind} {name}"),
    }
}
