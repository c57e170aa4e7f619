//! The admission decision of the API server's PodSecurity plugin, as a pure
//! function: what it answers for a pod, a pod-template workload or a
//! namespace (upstream `k8s.io/pod-security-admission/admission`:
//! `ValidatePod`, `ValidatePodController`, `ValidateNamespace`,
//! `EvaluatePod`).
//!
//! The caller decodes the request and looks the namespace up; this module
//! decides in upstream's order, so that, as upstream, an object that does
//! not decode in an exempt namespace is still allowed (exemptions and the
//! privileged short cut come before decoding). The answer carries what the
//! webhook puts in its AdmissionResponse: allowed, the status of a denial
//! (code, reason, message, details), warnings and audit annotations
//! (unprefixed keys: the API server prefixes a webhook's keys with its
//! name, the built-in plugin with `pod-security.kubernetes.io/`).
//!
//! `kensa-server` serves this as a ValidatingAdmissionWebhook.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::{LabelError, LevelVersion, Policy, policy_to_evaluate};
use crate::evaluate::{Evaluation, Evaluator};
use crate::namespace::{self, AdmissionConfig};

/// Audit annotation: the enforce level-version a pod was checked against.
pub const ENFORCE_POLICY: &str = "enforce-policy";
/// Audit annotation: what the audit level would have rejected.
pub const AUDIT_VIOLATIONS: &str = "audit-violations";
/// Audit annotation: why the request was not checked (`namespace`, `user`,
/// `runtimeClass`).
pub const EXEMPT: &str = "exempt";
/// Audit annotation: what went wrong.
pub const ERROR: &str = "error";

/// Pod subresources that never change what PSS checks; every other one
/// (`ephemeralcontainers`, and any a newer API server adds) is evaluated,
/// so a skewed webhook fails safe.
pub const IGNORED_POD_SUBRESOURCES: &[&str] = &[
    "attach",
    "binding",
    "eviction",
    "exec",
    "log",
    "portforward",
    "proxy",
    "status",
];

/// The request's operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// CREATE.
    Create,
    /// UPDATE.
    Update,
    /// DELETE.
    Delete,
    /// CONNECT.
    Connect,
}

/// Who asked for what (upstream `api.Attributes`).
#[derive(Debug, Clone, Copy)]
pub struct Attributes<'a> {
    /// The operation.
    pub operation: Operation,
    /// The object's namespace (for a Namespace, its own name).
    pub namespace: &'a str,
    /// The object's name (empty for a CREATE with `generateName`).
    pub name: &'a str,
    /// The requesting user.
    pub username: &'a str,
    /// The resource's API group (`""` for core).
    pub group: &'a str,
    /// The resource (`pods`, `deployments`, `namespaces`, ...).
    pub resource: &'a str,
    /// The subresource, `""` for none.
    pub subresource: &'a str,
}

/// A pod's metadata and spec, or a workload's pod template.
#[derive(Debug, Clone, Copy)]
pub struct PodView<'a> {
    /// The metadata (annotations matter to some checks).
    pub metadata: &'a ObjectMeta,
    /// The spec.
    pub spec: &'a PodSpec,
}

/// What became of decoding the request's object.
#[derive(Debug, Clone)]
pub enum Decoded<T> {
    /// It decoded.
    Ok(T),
    /// It is not valid for its resource; the decoder's message.
    Failed(String),
    /// It decoded as another kind than the resource holds.
    WrongKind,
}

/// A status of a refused request (`metav1.Status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The HTTP code the API server reports.
    pub code: u16,
    /// `Forbidden`, `BadRequest`, `Invalid` or `InternalError`.
    pub reason: &'static str,
    /// The message the client sees.
    pub message: String,
    /// The object it is about, when there is one.
    pub details: Option<StatusDetails>,
}

/// `metav1.StatusDetails`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusDetails {
    /// The object's name.
    pub name: String,
    /// The API group.
    pub group: String,
    /// The kind (upstream puts the resource here for Forbidden).
    pub kind: String,
    /// Field causes of an Invalid status: (field, message).
    pub causes: Vec<(String, String)>,
}

/// The answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// Why not, when it may not.
    pub status: Option<Status>,
    /// Warnings for the client.
    pub warnings: Vec<String>,
    /// Audit annotations (unprefixed keys).
    pub audit_annotations: BTreeMap<&'static str, String>,
}

impl Response {
    /// Allowed, nothing to say.
    pub fn allowed() -> Self {
        Response {
            allowed: true,
            status: None,
            warnings: Vec::new(),
            audit_annotations: BTreeMap::new(),
        }
    }

    fn allowed_with(key: &'static str, value: impl Into<String>) -> Self {
        let mut response = Self::allowed();
        response.audit_annotations.insert(key, value.into());
        response
    }

    /// Refused with `status`, the `error` annotation saying why (upstream
    /// `errorResponse`): the status message, then the cause if any.
    fn error(status: Status, cause: Option<&str>) -> Self {
        let detail = match cause {
            Some(cause) => format!("{}: {cause}", status.message),
            None => status.message.clone(),
        };
        Response {
            allowed: false,
            status: Some(status),
            warnings: Vec::new(),
            audit_annotations: BTreeMap::from([(ERROR, detail)]),
        }
    }
}

fn bad_request(message: &str) -> Status {
    Status {
        code: 400,
        reason: "BadRequest",
        message: message.to_owned(),
        details: None,
    }
}

/// `apierrors.NewInternalError(err)`.
fn internal_error(message: &str) -> Status {
    Status {
        code: 500,
        reason: "InternalError",
        message: format!("Internal error occurred: {message}"),
        details: None,
    }
}

/// `group.String()` of a GroupResource or GroupKind: `name` or `name.group`.
fn qualified(name: &str, group: &str) -> String {
    if group.is_empty() {
        name.to_owned()
    } else {
        format!("{name}.{group}")
    }
}

/// `apierrors.NewForbidden(resource, name, err)`.
fn forbidden(attrs: &Attributes<'_>, error: String) -> Status {
    let resource = qualified(attrs.resource, attrs.group);
    let message = if attrs.name.is_empty() {
        format!("{resource} is forbidden: {error}")
    } else {
        format!(
            "{resource} {} is forbidden: {error}",
            crate::checks::go_quote(attrs.name)
        )
    };
    Status {
        code: 403,
        reason: "Forbidden",
        message,
        details: Some(StatusDetails {
            name: attrs.name.to_owned(),
            group: attrs.group.to_owned(),
            kind: attrs.resource.to_owned(),
            causes: Vec::new(),
        }),
    }
}

/// `field.ErrorList.ToAggregate().Error()`: one error as itself, several
/// (duplicates dropped) as `[a, b]`.
fn aggregate(errors: &[LabelError]) -> String {
    let mut seen: Vec<String> = Vec::new();
    for error in errors {
        let text = error.to_string();
        if !seen.contains(&text) {
            seen.push(text);
        }
    }
    match seen.len() {
        1 => seen.remove(0),
        _ => format!("[{}]", seen.join(", ")),
    }
}

/// The decision for a pod (resource `pods`), upstream `ValidatePod`.
///
/// `namespace_labels` is the namespace's labels, or the lookup error's text
/// (e.g. `namespace "x" not found`). `old` is the old object of an UPDATE.
pub fn validate_pod(
    config: &AdmissionConfig,
    attrs: &Attributes<'_>,
    namespace_labels: Result<&BTreeMap<String, String>, String>,
    new: Decoded<PodView<'_>>,
    old: Option<Decoded<PodView<'_>>>,
) -> Response {
    if IGNORED_POD_SUBRESOURCES.contains(&attrs.subresource) {
        return Response::allowed();
    }
    if let Some(exempt) = exemption(config, attrs) {
        return exempt;
    }
    let labels = match namespace_labels {
        Ok(labels) => labels,
        Err(error) => {
            let message = format!(
                "failed to lookup namespace {}",
                crate::checks::go_quote(attrs.namespace)
            );
            return Response::error(internal_error(&message), Some(&error));
        }
    };
    let (policy, label_errors) = policy_to_evaluate(labels, &config.defaults);
    if label_errors.is_empty() && policy.fully_privileged() {
        return Response::allowed_with(ENFORCE_POLICY, LevelVersion::PRIVILEGED_LATEST.to_string());
    }
    let pod = match new {
        Decoded::Ok(pod) => pod,
        Decoded::Failed(error) => {
            return Response::error(bad_request("failed to decode object"), Some(&error));
        }
        Decoded::WrongKind => return Response::error(bad_request("failed to decode pod"), None),
    };
    if attrs.operation == Operation::Update {
        match old {
            Some(Decoded::Ok(old)) => {
                if !significant_pod_update(pod, old) {
                    return Response::allowed();
                }
            }
            Some(Decoded::Failed(error)) => {
                return Response::error(bad_request("failed to decode old object"), Some(&error));
            }
            Some(Decoded::WrongKind) | None => {
                return Response::error(bad_request("failed to decode old pod"), None);
            }
        }
    }
    evaluate_pod(config, attrs, &policy, &label_errors, pod, true)
}

/// The decision for a pod-template workload (Deployment, CronJob, ...),
/// upstream `ValidatePodController`: warn and audit only, never a denial.
/// `template` is `Ok(None)` for a workload without a pod template.
pub fn validate_pod_controller(
    config: &AdmissionConfig,
    attrs: &Attributes<'_>,
    namespace_labels: Result<&BTreeMap<String, String>, String>,
    template: Decoded<Option<PodView<'_>>>,
) -> Response {
    if !attrs.subresource.is_empty() {
        return Response::allowed();
    }
    if let Some(exempt) = exemption(config, attrs) {
        return exempt;
    }
    let labels = match namespace_labels {
        Ok(labels) => labels,
        Err(error) => {
            return Response::allowed_with(
                ERROR,
                format!(
                    "failed to lookup namespace {}: {error}",
                    crate::checks::go_quote(attrs.namespace)
                ),
            );
        }
    };
    let (policy, label_errors) = policy_to_evaluate(labels, &config.defaults);
    if label_errors.is_empty()
        && policy.warn.level == crate::api::Level::Privileged
        && policy.audit.level == crate::api::Level::Privileged
    {
        return Response::allowed();
    }
    let template = match template {
        Decoded::Ok(Some(template)) => template,
        Decoded::Ok(None) => return Response::allowed(),
        Decoded::Failed(error) => {
            return Response::allowed_with(ERROR, format!("failed to decode object: {error}"));
        }
        Decoded::WrongKind => {
            return Response::allowed_with(
                ERROR,
                "failed to extract pod template: unexpected object type",
            );
        }
    };
    evaluate_pod(config, attrs, &policy, &label_errors, template, false)
}

/// A Namespace's labels as the decision needs them.
#[derive(Debug, Clone, Copy)]
pub struct NamespaceView<'a> {
    /// `metadata.name`.
    pub name: &'a str,
    /// `metadata.labels`.
    pub labels: &'a BTreeMap<String, String>,
}

/// The decision for a namespace (resource `namespaces`), upstream
/// `ValidateNamespace`. `dry_run` is called with the new enforce level when
/// the namespace's existing pods must be checked against it (an enforce
/// label added or tightened); it returns the warnings, normally from
/// [`namespace::evaluate_pods_in_namespace`].
pub fn validate_namespace(
    config: &AdmissionConfig,
    attrs: &Attributes<'_>,
    new: Decoded<NamespaceView<'_>>,
    old: Option<Decoded<NamespaceView<'_>>>,
    dry_run: impl FnOnce(LevelVersion) -> Vec<String>,
) -> Response {
    if !attrs.subresource.is_empty() {
        return Response::allowed();
    }
    let new = match new {
        Decoded::Ok(new) => new,
        Decoded::Failed(error) => {
            return Response::error(bad_request("failed to decode object"), Some(&error));
        }
        Decoded::WrongKind => {
            return Response::error(bad_request("failed to decode namespace"), None);
        }
    };
    let old_labels = match attrs.operation {
        Operation::Create => None,
        Operation::Update => match old {
            Some(Decoded::Ok(old)) => Some(old.labels),
            Some(Decoded::Failed(error)) => {
                return Response::error(bad_request("failed to decode old object"), Some(&error));
            }
            Some(Decoded::WrongKind) | None => {
                return Response::error(bad_request("failed to decode old namespace"), None);
            }
        },
        Operation::Delete | Operation::Connect => return Response::allowed(),
    };
    let decision = namespace::validate_namespace(config, new.name, new.labels, old_labels, dry_run);
    if decision.allowed {
        let mut response = Response::allowed();
        response.warnings = decision.warnings;
        return response;
    }
    // apierrors.NewInvalid(GroupKind{Kind: "Namespace"}, name, errors).
    let status = Status {
        code: 422,
        reason: "Invalid",
        message: format!(
            "Namespace {} is invalid: {}",
            crate::checks::go_quote(attrs.name),
            aggregate(&decision.errors)
        ),
        details: Some(StatusDetails {
            name: attrs.name.to_owned(),
            group: String::new(),
            kind: "Namespace".to_owned(),
            causes: decision
                .errors
                .iter()
                .map(|e| {
                    let text = e.to_string();
                    let field = format!("metadata.labels[{}]", e.label);
                    let body = text
                        .strip_prefix(&format!("{field}: "))
                        .unwrap_or(&text)
                        .to_owned();
                    (field, body)
                })
                .collect(),
        }),
    };
    Response {
        allowed: false,
        status: Some(status),
        warnings: Vec::new(),
        audit_annotations: BTreeMap::new(),
    }
}

/// Namespace and user exemptions, as upstream checks them first.
fn exemption(config: &AdmissionConfig, attrs: &Attributes<'_>) -> Option<Response> {
    if config.exempt_namespace(attrs.namespace) {
        return Some(Response::allowed_with(EXEMPT, "namespace"));
    }
    if config.exempt_user(attrs.username) {
        return Some(Response::allowed_with(EXEMPT, "user"));
    }
    None
}

/// Upstream `EvaluatePod`: enforce (pods only), audit and warn, each level
/// evaluated once.
fn evaluate_pod(
    config: &AdmissionConfig,
    attrs: &Attributes<'_>,
    policy: &Policy,
    label_errors: &[LabelError],
    pod: PodView<'_>,
    enforce: bool,
) -> Response {
    if config.exempt_runtime_class(pod.spec.runtime_class_name.as_deref()) {
        return Response::allowed_with(EXEMPT, "runtimeClass");
    }
    let mut response = Response::allowed();
    if !label_errors.is_empty() {
        response.audit_annotations.insert(
            ERROR,
            format!("Failed to parse policy: {}", aggregate(label_errors)),
        );
    }
    let evaluator = Evaluator::global();
    let mut cache: Vec<Evaluation> = Vec::with_capacity(3);
    let mut evaluation = |lv: LevelVersion| -> Evaluation {
        if let Some(hit) = cache.iter().find(|e| e.level_version == lv) {
            return hit.clone();
        }
        let result = evaluator.evaluate(lv, pod.metadata, pod.spec);
        cache.push(result.clone());
        result
    };
    if enforce {
        response
            .audit_annotations
            .insert(ENFORCE_POLICY, policy.enforce.to_string());
        let result = evaluation(policy.enforce);
        if !result.allowed() {
            response.allowed = false;
            response.status = Some(forbidden(attrs, result.enforce_message()));
        }
    }
    let audit = evaluation(policy.audit);
    if !audit.allowed() {
        response
            .audit_annotations
            .insert(AUDIT_VIOLATIONS, audit.warning_message());
    }
    // No warnings on a request that is refused anyway.
    if response.allowed {
        let warn = evaluation(policy.warn);
        if !warn.allowed() {
            response.warnings.push(warn.warning_message());
        }
    }
    response
}

/// Upstream `isSignificantPodUpdate`: only a change of containers, images
/// or per-container seccomp annotations can change the outcome of the
/// checks on a running pod (the rest of the spec is immutable).
pub fn significant_pod_update(pod: PodView<'_>, old_pod: PodView<'_>) -> bool {
    let (spec, old_spec) = (pod.spec, old_pod.spec);
    let ephemeral = |spec: &PodSpec| spec.ephemeral_containers.as_ref().map_or(0, Vec::len);
    let init = |spec: &PodSpec| spec.init_containers.as_ref().map_or(0, Vec::len);
    if spec.containers.len() != old_spec.containers.len()
        || init(spec) != init(old_spec)
        || ephemeral(spec) != ephemeral(old_spec)
    {
        return true;
    }
    let changed = |name: &str, image: &Option<String>, old_image: &Option<String>| {
        if image != old_image {
            return true;
        }
        let key = format!("container.seccomp.security.alpha.kubernetes.io/{name}");
        annotation(pod.metadata, &key) != annotation(old_pod.metadata, &key)
    };
    let containers = spec.containers.iter().zip(&old_spec.containers).chain(
        spec.init_containers
            .iter()
            .flatten()
            .zip(old_spec.init_containers.iter().flatten()),
    );
    for (container, old) in containers {
        if changed(&container.name, &container.image, &old.image) {
            return true;
        }
    }
    for container in spec.ephemeral_containers.iter().flatten() {
        let old = old_spec
            .ephemeral_containers
            .iter()
            .flatten()
            .find(|old| old.name == container.name);
        match old {
            None => return true,
            Some(old) if changed(&container.name, &container.image, &old.image) => return true,
            Some(_) => {}
        }
    }
    false
}

fn annotation<'a>(metadata: &'a ObjectMeta, key: &str) -> Option<&'a str> {
    metadata.annotations.as_ref()?.get(key).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::labels;
    use k8s_openapi::api::core::v1::{Container, EphemeralContainer, SecurityContext};

    fn attrs(resource: &'static str) -> Attributes<'static> {
        Attributes {
            operation: Operation::Create,
            namespace: "ns",
            name: "web",
            username: "alice",
            group: "",
            resource,
            subresource: "",
        }
    }

    fn privileged_spec() -> PodSpec {
        PodSpec {
            containers: vec![Container {
                name: "c".into(),
                image: Some("busybox".into()),
                security_context: Some(SecurityContext {
                    privileged: Some(true),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn enforce(level: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(labels::ENFORCE_LEVEL.to_owned(), level.to_owned())])
    }

    #[test]
    fn a_denial_names_the_pod_as_new_forbidden_does() {
        let spec = privileged_spec();
        let meta = ObjectMeta::default();
        let pod = PodView {
            metadata: &meta,
            spec: &spec,
        };
        let config = AdmissionConfig::default();
        let labels = enforce("baseline");
        let response = validate_pod(&config, &attrs("pods"), Ok(&labels), Decoded::Ok(pod), None);
        let status = response.status.expect("denied");
        assert_eq!(
            status.message,
            "pods \"web\" is forbidden: violates PodSecurity \"baseline:latest\": privileged (container \"c\" must not set securityContext.privileged=true)"
        );
        assert_eq!((status.code, status.reason), (403, "Forbidden"));
        assert!(response.warnings.is_empty(), "no warnings on a denial");

        let mut unnamed = attrs("pods");
        unnamed.name = "";
        let response = validate_pod(&config, &unnamed, Ok(&labels), Decoded::Ok(pod), None);
        assert!(
            response
                .status
                .expect("denied")
                .message
                .starts_with("pods is forbidden: ")
        );
    }

    #[test]
    fn a_controller_is_warned_never_denied() {
        let spec = privileged_spec();
        let meta = ObjectMeta::default();
        let pod = PodView {
            metadata: &meta,
            spec: &spec,
        };
        let mut labels = enforce("restricted");
        labels.insert(labels::WARN_LEVEL.to_owned(), "baseline".to_owned());
        let mut deployment = attrs("deployments");
        deployment.group = "apps";
        let response = validate_pod_controller(
            &AdmissionConfig::default(),
            &deployment,
            Ok(&labels),
            Decoded::Ok(Some(pod)),
        );
        assert!(response.allowed);
        assert_eq!(response.warnings.len(), 1);
        assert!(
            response.warnings[0]
                .starts_with("would violate PodSecurity \"baseline:latest\": privileged")
        );
        assert!(!response.audit_annotations.contains_key(ENFORCE_POLICY));
    }

    #[test]
    fn lookup_failures_deny_pods_and_annotate_controllers() {
        let spec = PodSpec::default();
        let meta = ObjectMeta::default();
        let pod = PodView {
            metadata: &meta,
            spec: &spec,
        };
        let config = AdmissionConfig::default();
        let missing = || Err("namespace \"ns\" not found".to_owned());
        let response = validate_pod(&config, &attrs("pods"), missing(), Decoded::Ok(pod), None);
        let status = response.status.expect("denied");
        assert_eq!(status.reason, "InternalError");
        assert_eq!(
            status.message,
            "Internal error occurred: failed to lookup namespace \"ns\""
        );
        assert_eq!(
            response.audit_annotations[ERROR],
            "Internal error occurred: failed to lookup namespace \"ns\": namespace \"ns\" not found"
        );
        let response =
            validate_pod_controller(&config, &attrs("jobs"), missing(), Decoded::Ok(Some(pod)));
        assert!(response.allowed);
        assert_eq!(
            response.audit_annotations[ERROR],
            "failed to lookup namespace \"ns\": namespace \"ns\" not found"
        );
    }

    #[test]
    fn several_label_errors_aggregate_in_brackets() {
        let labels = BTreeMap::from([
            (labels::ENFORCE_LEVEL.to_owned(), "x".to_owned()),
            (labels::AUDIT_LEVEL.to_owned(), "y".to_owned()),
        ]);
        let mut ns = attrs("namespaces");
        ns.namespace = "test";
        ns.name = "test";
        let response = validate_namespace(
            &AdmissionConfig::default(),
            &ns,
            Decoded::Ok(NamespaceView {
                name: "test",
                labels: &labels,
            }),
            None,
            |_| Vec::new(),
        );
        let status = response.status.expect("invalid");
        assert_eq!((status.code, status.reason), (422, "Invalid"));
        assert!(
            status
                .message
                .starts_with("Namespace \"test\" is invalid: [metadata.labels["),
            "{}",
            status.message
        );
        assert_eq!(status.details.expect("details").causes.len(), 2);
    }

    #[test]
    fn only_container_images_counts_and_seccomp_annotations_are_significant() {
        let spec = privileged_spec();
        let meta = ObjectMeta::default();
        let view = |meta, spec| PodView {
            metadata: meta,
            spec,
        };
        assert!(!significant_pod_update(
            view(&meta, &spec),
            view(&meta, &spec)
        ));

        let mut tolerations = spec.clone();
        tolerations.tolerations = Some(vec![Default::default()]);
        assert!(!significant_pod_update(
            view(&meta, &tolerations),
            view(&meta, &spec)
        ));

        let mut image = spec.clone();
        image.containers[0].image = Some("busybox:2".into());
        assert!(significant_pod_update(
            view(&meta, &image),
            view(&meta, &spec)
        ));

        let annotated = ObjectMeta {
            annotations: Some(BTreeMap::from([(
                "container.seccomp.security.alpha.kubernetes.io/c".to_owned(),
                "unconfined".to_owned(),
            )])),
            ..Default::default()
        };
        assert!(significant_pod_update(
            view(&annotated, &spec),
            view(&meta, &spec)
        ));

        let mut debug = spec.clone();
        debug.ephemeral_containers = Some(vec![EphemeralContainer {
            name: "dbg".into(),
            ..Default::default()
        }]);
        assert!(significant_pod_update(
            view(&meta, &debug),
            view(&meta, &spec)
        ));
    }

    #[test]
    fn ignored_subresources_and_exemptions_come_first() {
        let config = AdmissionConfig {
            exemptions: crate::namespace::Exemptions {
                usernames: vec!["alice".into()],
                ..Default::default()
            },
            ..Default::default()
        };
        let mut status = attrs("pods");
        status.subresource = "status";
        let broken = || Decoded::<PodView<'_>>::Failed("bad".into());
        assert_eq!(
            validate_pod(&config, &status, Err("x".into()), broken(), None),
            Response::allowed()
        );
        let response = validate_pod(&config, &attrs("pods"), Err("x".into()), broken(), None);
        assert_eq!(response.audit_annotations[EXEMPT], "user");
        let mut ephemeral = attrs("pods");
        ephemeral.subresource = "ephemeralcontainers";
        ephemeral.username = "bob";
        let response = validate_pod(
            &config,
            &ephemeral,
            Ok(&enforce("baseline")),
            broken(),
            None,
        );
        assert_eq!(response.status.expect("bad request").reason, "BadRequest");
    }
}
