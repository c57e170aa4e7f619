//! An AdmissionReview's bytes in, the answer's bytes out.
//!
//! The decision is [`kensa_pss::admission`]'s; this module decodes the
//! review with kube's `admission.k8s.io/v1` types, looks the namespace up in
//! the [`Store`], and encodes the answer.
//!
//! What is answered how (the API contract: a webhook that answers anything
//! but a well-formed AdmissionReview with the request's uid has *failed*,
//! and the API server applies the webhook's `failurePolicy`):
//!
//! | request | answer |
//! |---|---|
//! | not JSON, not an object, no `request`, no `request.uid`, or not `admission.k8s.io/v1` `AdmissionReview` | HTTP 400, a plain-text reason (there is no uid to answer to; the API server counts a webhook error) |
//! | a review whose `object` or `oldObject` does not decode | HTTP 200, a review as upstream answers it: pods and namespaces `allowed: false` with status `BadRequest` and an `error` audit annotation; pod-template kinds `allowed: true` with the `error` annotation |
//! | anything else | HTTP 200, the decision |
//!
//! Bodies over the size limit never get here (HTTP 413, see [`crate::serve`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Namespace, Pod, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kensa_pss::Evaluator;
use kensa_pss::admission::{
    self as decide, Attributes, Decoded, NamespaceView, Operation, PodView, Response,
};
use kensa_pss::namespace::{AdmissionConfig, DryRunLimits};
use kube::core::DynamicObject;
use kube::core::admission::{self as review, AdmissionRequest, AdmissionResponse, AdmissionReview};
use kube::core::response::{Status, StatusCause, StatusDetails, StatusSummary};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::metrics::{Decision, ErrorKind};
use crate::state::{LookupError, Store, StoredPod};

/// How long the namespace dry run may take (upstream's default).
pub const DRY_RUN_BUDGET: Duration = Duration::from_secs(1);

/// Answers reviews from the configuration and the cluster state.
pub struct Reviewer {
    config: AdmissionConfig,
    store: Arc<Store>,
    dry_run_budget: Duration,
}

/// One answer, with what the metrics need.
#[derive(Debug)]
pub struct Reviewed {
    /// The HTTP status (200 for every review answered as a review).
    pub status: u16,
    /// The body: a JSON AdmissionReview, or plain text for a 400.
    pub body: Vec<u8>,
    /// The request's resource (`pods`, ...), empty when unknown.
    pub resource: String,
    /// The request's operation, empty when unknown.
    pub operation: String,
    /// Allowed, denied, or not a review.
    pub decision: Decision,
    /// What went wrong, if anything.
    pub error: Option<ErrorKind>,
}

/// The fields read before the typed decoding, to route the review and to
/// tell a broken envelope (400) from a broken object (answered in-review).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    request: Option<EnvelopeRequest>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnvelopeRequest {
    #[serde(default)]
    uid: Option<String>,
    #[serde(default)]
    resource: EnvelopeResource,
    #[serde(default)]
    operation: String,
}

#[derive(Deserialize, Default)]
struct EnvelopeResource {
    #[serde(default)]
    group: String,
    #[serde(default)]
    resource: String,
}

/// A pod-template kind: its name, where its template is, and whether the
/// template may be absent (a pointer in the Go type: ReplicationController's)
/// rather than empty.
struct ControllerKind {
    kind: &'static str,
    template_path: &'static [&'static str],
    optional: bool,
}

/// The pod-template kinds, by (group, resource).
fn controller_kind(group: &str, resource: &str) -> Option<ControllerKind> {
    const SPEC_TEMPLATE: &[&str] = &["spec", "template"];
    let (kind, template_path, optional) = match (group, resource) {
        ("", "podtemplates") => ("PodTemplate", &["template"][..], false),
        ("", "replicationcontrollers") => ("ReplicationController", SPEC_TEMPLATE, true),
        ("apps", "deployments") => ("Deployment", SPEC_TEMPLATE, false),
        ("apps", "replicasets") => ("ReplicaSet", SPEC_TEMPLATE, false),
        ("apps", "statefulsets") => ("StatefulSet", SPEC_TEMPLATE, false),
        ("apps", "daemonsets") => ("DaemonSet", SPEC_TEMPLATE, false),
        ("batch", "jobs") => ("Job", SPEC_TEMPLATE, false),
        ("batch", "cronjobs") => (
            "CronJob",
            &["spec", "jobTemplate", "spec", "template"][..],
            false,
        ),
        _ => return None,
    };
    Some(ControllerKind {
        kind,
        template_path,
        optional,
    })
}

/// The kind an object says it is, empty when it does not say.
fn kind_of(object: Option<&DynamicObject>) -> &str {
    object
        .and_then(|o| o.types.as_ref())
        .map_or("", |t| t.kind.as_str())
}

fn operation_of(operation: &review::Operation) -> Operation {
    match operation {
        review::Operation::Create => Operation::Create,
        review::Operation::Update => Operation::Update,
        review::Operation::Delete => Operation::Delete,
        review::Operation::Connect => Operation::Connect,
    }
}

fn attributes<'a, T: kube::Resource>(request: &'a AdmissionRequest<T>) -> Attributes<'a> {
    Attributes {
        operation: operation_of(&request.operation),
        namespace: request.namespace.as_deref().unwrap_or(""),
        name: &request.name,
        username: request.user_info.username.as_deref().unwrap_or(""),
        group: &request.resource.group,
        resource: &request.resource.resource,
        subresource: request.sub_resource.as_deref().unwrap_or(""),
    }
}

static EMPTY_META: std::sync::LazyLock<ObjectMeta> = std::sync::LazyLock::new(ObjectMeta::default);
static EMPTY_SPEC: std::sync::LazyLock<PodSpec> = std::sync::LazyLock::new(PodSpec::default);

fn template_view(template: &PodTemplateSpec) -> PodView<'_> {
    PodView {
        metadata: template.metadata.as_ref().unwrap_or(&EMPTY_META),
        spec: template.spec.as_ref().unwrap_or(&EMPTY_SPEC),
    }
}

static EMPTY_LABELS: std::sync::LazyLock<BTreeMap<String, String>> =
    std::sync::LazyLock::new(BTreeMap::new);

fn namespace_view(ns: &Namespace) -> NamespaceView<'_> {
    NamespaceView {
        name: ns.metadata.name.as_deref().unwrap_or(""),
        labels: ns.metadata.labels.as_ref().unwrap_or(&EMPTY_LABELS),
    }
}

fn pod_view(pod: &Pod) -> PodView<'_> {
    PodView {
        metadata: &pod.metadata,
        spec: pod.spec.as_ref().unwrap_or(&EMPTY_SPEC),
    }
}

impl Reviewer {
    /// A reviewer with upstream's dry-run budget.
    pub fn new(config: AdmissionConfig, store: Arc<Store>) -> Self {
        Reviewer {
            config,
            store,
            dry_run_budget: DRY_RUN_BUDGET,
        }
    }

    /// Answers one request body.
    pub fn review(&self, body: &[u8]) -> Reviewed {
        let envelope: Envelope = match serde_json::from_slice(body) {
            Ok(envelope) => envelope,
            Err(error) => {
                return refused(
                    ErrorKind::malformed,
                    format!("malformed AdmissionReview: {error}"),
                );
            }
        };
        if envelope.kind != "AdmissionReview" || envelope.api_version != "admission.k8s.io/v1" {
            return refused(
                ErrorKind::wrong_type,
                format!(
                    "expected an admission.k8s.io/v1 AdmissionReview, got {:?} {:?}",
                    envelope.api_version, envelope.kind
                ),
            );
        }
        let Some(request) = envelope.request else {
            return no_request();
        };
        let Some(uid) = request.uid.filter(|uid| !uid.is_empty()) else {
            return refused(
                ErrorKind::no_request,
                "the AdmissionReview's request has no uid".into(),
            );
        };
        let (group, resource) = (request.resource.group, request.resource.resource);
        let operation = request.operation;
        let mut reviewed = match (group.as_str(), resource.as_str()) {
            ("", "pods") => self.typed::<Pod>(body, &uid, |r| self.pod(r)),
            ("", "namespaces") => self.typed::<Namespace>(body, &uid, |r| self.namespace(r)),
            _ => match controller_kind(&group, &resource) {
                Some(kind) => self.controller(body, &uid, &kind),
                // Not a resource PSA looks at: nothing to say.
                None => answered(&uid, Response::allowed(), None),
            },
        };
        reviewed.resource = resource;
        reviewed.operation = operation;
        reviewed
    }

    /// Decodes the review with `K` as the object type and decides with
    /// `decide`; an object that does not decode as `K` is decided as such.
    fn typed<K>(
        &self,
        body: &[u8],
        uid: &str,
        decide: impl FnOnce(&AdmissionRequest<K>) -> Response,
    ) -> Reviewed
    where
        K: kube::Resource + DeserializeOwned + Clone,
    {
        match serde_json::from_slice::<AdmissionReview<K>>(body) {
            Ok(review) => {
                let Some(request) = review.request else {
                    return no_request();
                };
                let response = decide(&request);
                answered(uid, response, None)
            }
            Err(error) => self.undecodable(body, uid, error.to_string()),
        }
    }

    /// A workload: decoded generically (upstream's Go types have zero
    /// values where k8s-openapi requires fields, so an empty Deployment must
    /// decode), its template read from the kind's path.
    fn controller(&self, body: &[u8], uid: &str, kind: &ControllerKind) -> Reviewed {
        let review = match serde_json::from_slice::<AdmissionReview<DynamicObject>>(body) {
            Ok(review) => review,
            Err(error) => return self.undecodable(body, uid, error.to_string()),
        };
        let Some(request) = review.request else {
            return no_request();
        };
        let attrs = attributes(&request);
        let labels = self.labels(attrs.namespace);
        let object = request.object.as_ref();
        let template: Decoded<Option<PodTemplateSpec>> = match object {
            None => Decoded::Failed("no object".into()),
            Some(_) if !kind_of(object).is_empty() && kind_of(object) != kind.kind => {
                Decoded::WrongKind
            }
            Some(object) => {
                let found = kind
                    .template_path
                    .iter()
                    .try_fold(&object.data, |value, key| value.get(*key));
                match found {
                    None if kind.optional => Decoded::Ok(None),
                    None => Decoded::Ok(Some(PodTemplateSpec::default())),
                    Some(value) => match PodTemplateSpec::deserialize(value) {
                        Ok(template) => Decoded::Ok(Some(template)),
                        Err(error) => Decoded::Failed(error.to_string()),
                    },
                }
            }
        };
        let error = matches!(template, Decoded::Failed(_) | Decoded::WrongKind)
            .then_some(ErrorKind::bad_object);
        let view = match &template {
            Decoded::Ok(Some(template)) => Decoded::Ok(Some(template_view(template))),
            Decoded::Ok(None) => Decoded::Ok(None),
            Decoded::Failed(message) => Decoded::Failed(message.clone()),
            Decoded::WrongKind => Decoded::WrongKind,
        };
        let response =
            decide::validate_pod_controller(&self.config, &attrs, labels_ref(&labels), view);
        answered(uid, response, error)
    }

    fn labels(&self, namespace: &str) -> Result<Arc<BTreeMap<String, String>>, String> {
        self.store
            .namespace_labels(namespace)
            .map_err(|error| match error {
                LookupError::NotFound => {
                    format!(
                        "namespace {} not found",
                        kensa_pss::checks::go_quote(namespace)
                    )
                }
                other => other.to_string(),
            })
    }

    fn pod(&self, request: &AdmissionRequest<Pod>) -> Response {
        let attrs = attributes(request);
        let labels = self.labels(attrs.namespace);
        let new = match &request.object {
            Some(pod) => Decoded::Ok(pod_view(pod)),
            None => Decoded::Failed("no object".into()),
        };
        let old = (attrs.operation == Operation::Update).then(|| match &request.old_object {
            Some(pod) => Decoded::Ok(pod_view(pod)),
            None => Decoded::Failed("no old object".into()),
        });
        decide::validate_pod(&self.config, &attrs, labels_ref(&labels), new, old)
    }

    fn namespace(&self, request: &AdmissionRequest<Namespace>) -> Response {
        let attrs = attributes(request);
        let new = match &request.object {
            Some(ns) => Decoded::Ok(namespace_view(ns)),
            None => Decoded::Failed("no object".into()),
        };
        let old = request
            .old_object
            .as_ref()
            .map(|ns| Decoded::Ok(namespace_view(ns)));
        let name = attrs.name.to_owned();
        decide::validate_namespace(&self.config, &attrs, new, old, |enforce| {
            self.dry_run(&name, enforce)
        })
    }

    /// The warnings for the namespace's existing pods under a new enforce
    /// level, within the time budget.
    fn dry_run(&self, namespace: &str, enforce: kensa_pss::api::LevelVersion) -> Vec<String> {
        // References into the store's pods: a dry run over thousands of
        // pods must not copy their specs.
        let pods = self.store.pods(namespace).map_err(drop);
        let pods: Result<Vec<&StoredPod>, ()> = pods
            .as_ref()
            .map(|pods| pods.iter().map(AsRef::as_ref).collect())
            .map_err(|_| ());
        let deadline = Instant::now() + self.dry_run_budget;
        let evaluator = Evaluator::global();
        kensa_pss::namespace::evaluate_pods_in_namespace(
            namespace,
            enforce,
            pods.as_deref().map_err(|_| ()),
            &self.config,
            DryRunLimits::default(),
            |pod| {
                let result = evaluator.evaluate(enforce, &pod.metadata, &pod.spec);
                (!result.allowed()).then(|| result.forbidden_reason())
            },
            || Instant::now() > deadline,
        )
    }

    /// A review whose object does not decode: answered as upstream answers
    /// it when the envelope is sound.
    fn undecodable(&self, body: &[u8], uid: &str, error: String) -> Reviewed {
        // Decode again with the object left as plain JSON, to get the
        // attributes upstream checks before decoding (exemptions, ...).
        let review = match serde_json::from_slice::<AdmissionReview<DynamicObject>>(body) {
            Ok(review) => review,
            Err(_) => {
                let response = Response {
                    allowed: false,
                    status: Some(decide::Status {
                        code: 400,
                        reason: "BadRequest",
                        message: "failed to decode object".into(),
                        details: None,
                    }),
                    warnings: Vec::new(),
                    audit_annotations: BTreeMap::from([(
                        decide::ERROR,
                        format!("failed to decode object: {error}"),
                    )]),
                };
                return answered(uid, response, Some(ErrorKind::bad_object));
            }
        };
        let Some(request) = review.request else {
            return no_request();
        };
        let attrs = attributes(&request);
        let labels = self.labels(attrs.namespace);
        let kind = kind_of(request.object.as_ref());
        let failed = |expected: &str| {
            if !kind.is_empty() && kind != expected {
                None
            } else {
                Some(error.clone())
            }
        };
        let response = match (attrs.group, attrs.resource) {
            ("", "pods") => {
                let new = failed("Pod").map_or(Decoded::WrongKind, Decoded::Failed);
                // The old object is judged only once the new one decoded.
                decide::validate_pod(&self.config, &attrs, labels_ref(&labels), new, None)
            }
            ("", "namespaces") => {
                let new = failed("Namespace").map_or(Decoded::WrongKind, Decoded::Failed);
                decide::validate_namespace(&self.config, &attrs, new, None, |_| Vec::new())
            }
            _ => Response::allowed(),
        };
        answered(uid, response, Some(ErrorKind::bad_object))
    }
}

fn labels_ref(
    labels: &Result<Arc<BTreeMap<String, String>>, String>,
) -> Result<&BTreeMap<String, String>, String> {
    match labels {
        Ok(labels) => Ok(labels.as_ref()),
        Err(error) => Err(error.clone()),
    }
}

/// HTTP 400: a review without a request.
fn no_request() -> Reviewed {
    refused(
        ErrorKind::no_request,
        "the AdmissionReview has no request".into(),
    )
}

/// HTTP 400 with a plain-text reason.
fn refused(kind: ErrorKind, message: String) -> Reviewed {
    Reviewed {
        status: 400,
        body: format!("{message}\n").into_bytes(),
        resource: String::new(),
        operation: String::new(),
        decision: Decision::error,
        error: Some(kind),
    }
}

/// HTTP 200 with the review answering `uid`.
fn answered(uid: &str, response: Response, error: Option<ErrorKind>) -> Reviewed {
    let decision = if response.allowed {
        Decision::allowed
    } else {
        Decision::denied
    };
    let mut answer = AdmissionResponse::invalid("");
    answer.uid = uid.to_owned();
    answer.allowed = response.allowed;
    answer.result = match response.status {
        Some(status) => Status {
            status: Some(StatusSummary::Failure),
            code: status.code,
            message: status.message,
            metadata: None,
            reason: status.reason.to_owned(),
            details: status.details.map(|d| StatusDetails {
                name: d.name,
                group: d.group,
                kind: d.kind,
                uid: String::new(),
                causes: d
                    .causes
                    .into_iter()
                    .map(|(field, message)| StatusCause {
                        reason: "FieldValueInvalid".into(),
                        message,
                        field,
                    })
                    .collect(),
                retry_after_seconds: 0,
            }),
        },
        None => Status::default(),
    };
    answer.warnings = (!response.warnings.is_empty()).then_some(response.warnings);
    answer.audit_annotations = response
        .audit_annotations
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect::<HashMap<_, _>>();
    let review = answer.into_review();
    match serde_json::to_vec(&review) {
        Ok(body) => Reviewed {
            status: 200,
            body,
            resource: String::new(),
            operation: String::new(),
            decision,
            error,
        },
        Err(error) => refused(
            ErrorKind::malformed,
            format!("encoding the answer: {error}"),
        ),
    }
}
