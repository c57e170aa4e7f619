//! What the rules share: Falco's lists and macros as Rust constants, request
//! body access, and message formatting.

use serde_json::Value;

use crate::event::{Event, Level, Stage};

use super::{Needs, RequestPattern};

// ---- Falco's lists ------------------------------------------------------

/// Falco `allowed_k8s_users` (with `vertical_pod_autoscaler_users` expanded).
pub const ALLOWED_K8S_USERS: &[&str] = &[
    "minikube",
    "minikube-user",
    "kubelet",
    "kops",
    "admin",
    "kube",
    "kube-proxy",
    "kube-apiserver-healthcheck",
    "kubernetes-admin",
    "vpa-recommender",
    "vpa-updater",
    "cluster-autoscaler",
    "system:addon-manager",
    "cloud-controller-manager",
    "system:kube-controller-manager",
];

/// Falco `eks_allowed_k8s_users`.
pub const EKS_ALLOWED_K8S_USERS: &[&str] = &[
    "eks:node-manager",
    "eks:certificate-controller",
    "eks:fargate-scheduler",
    "eks:k8s-metrics",
    "eks:authenticator",
    "eks:cluster-event-watcher",
    "eks:nodewatcher",
    "eks:pod-identity-mutating-webhook",
    "eks:cloud-controller-manager",
    "eks:vpc-resource-controller",
    "eks:addon-manager",
];

/// Falco `k8s_audit_sensitive_mount_images`.
pub const SENSITIVE_MOUNT_IMAGES: &[&str] = &[
    "falcosecurity/falco",
    "docker.io/falcosecurity/falco",
    "public.ecr.aws/falcosecurity/falco",
    "docker.io/sysdig/sysdig",
    "sysdig/sysdig",
    "gcr.io/google_containers/hyperkube",
    "gcr.io/google_containers/kube-proxy",
    "docker.io/calico/node",
    "docker.io/rook/toolbox",
    "docker.io/cloudnativelabs/kube-router",
    "docker.io/consul",
    "docker.io/datadog/docker-dd-agent",
    "docker.io/datadog/agent",
    "docker.io/docker/ucp-agent",
    "docker.io/gliderlabs/logspout",
    "docker.io/netdata/netdata",
    "docker.io/google/cadvisor",
    "docker.io/prom/node-exporter",
    "amazon/amazon-ecs-agent",
    "prom/node-exporter",
    "amazon/cloudwatch-agent",
];

/// Falco `k8s_audit_privileged_images`.
pub const PRIVILEGED_IMAGES: &[&str] = &[
    "falcosecurity/falco",
    "docker.io/falcosecurity/falco",
    "public.ecr.aws/falcosecurity/falco",
    "docker.io/calico/node",
    "calico/node",
    "docker.io/cloudnativelabs/kube-router",
    "docker.io/docker/ucp-agent",
    "docker.io/mesosphere/mesos-slave",
    "docker.io/rook/toolbox",
    "docker.io/sysdig/sysdig",
    "gcr.io/google_containers/kube-proxy",
    "gcr.io/google-containers/startup-script",
    "gcr.io/projectcalico-org/node",
    "gke.gcr.io/kube-proxy",
    "gke.gcr.io/gke-metadata-server",
    "gke.gcr.io/netd-amd64",
    "gke.gcr.io/watcher-daemonset",
    "gcr.io/google-containers/prometheus-to-sd",
    "registry.k8s.io/ip-masq-agent-amd64",
    "registry.k8s.io/kube-proxy",
    "registry.k8s.io/prometheus-to-sd",
    "quay.io/calico/node",
    "sysdig/sysdig",
    "registry.k8s.io/dns/k8s-dns-node-cache",
    "mcr.microsoft.com/oss/kubernetes/kube-proxy",
];

/// Falco `k8s_audit_hostnetwork_images`.
pub const HOSTNETWORK_IMAGES: &[&str] = &[
    "gcr.io/google-containers/prometheus-to-sd",
    "gcr.io/projectcalico-org/typha",
    "gcr.io/projectcalico-org/node",
    "gke.gcr.io/gke-metadata-server",
    "gke.gcr.io/kube-proxy",
    "gke.gcr.io/netd-amd64",
    "registry.k8s.io/ip-masq-agent-amd64",
    "registry.k8s.io/prometheus-to-sd",
];

/// Falco `k8s_audit_hostpid_images` (empty upstream).
pub const HOSTPID_IMAGES: &[&str] = &[];

/// Falco `k8s_audit_hostipc_images` (empty upstream).
pub const HOSTIPC_IMAGES: &[&str] = &[];

/// Falco `sensitive_vol_mount`: host paths a pod must not mount.
pub const SENSITIVE_HOST_PATHS: &[&str] = &[
    "/proc",
    "/var/run/docker.sock",
    "/",
    "/etc",
    "/root",
    "/var/run/crio/crio.sock",
    "/run/containerd/containerd.sock",
    "/home/admin",
    "/var/lib/kubelet",
    "/var/lib/kubelet/pki",
    "/etc/kubernetes",
    "/etc/kubernetes/manifests",
];

/// Falco `allowed_namespaces`.
pub const ALLOWED_NAMESPACES: &[&str] = &["kube-system", "kube-public", "default"];

/// Falco `allowed_kube_namespace_image_list` (the user lists are empty).
pub const ALLOWED_KUBE_NAMESPACE_IMAGES: &[&str] = &[
    "gcr.io/google-containers/prometheus-to-sd",
    "gcr.io/projectcalico-org/node",
    "gke.gcr.io/addon-resizer",
    "gke.gcr.io/heapster",
    "gke.gcr.io/gke-metadata-server",
    "registry.k8s.io/ip-masq-agent-amd64",
    "registry.k8s.io/kube-apiserver",
    "gke.gcr.io/kube-proxy",
    "gke.gcr.io/netd-amd64",
    "gke.gcr.io/watcher-daemonset",
    "registry.k8s.io/addon-resizer",
    "registry.k8s.io/prometheus-to-sd",
    "registry.k8s.io/k8s-dns-dnsmasq-nanny-amd64",
    "registry.k8s.io/k8s-dns-kube-dns-amd64",
    "registry.k8s.io/k8s-dns-sidecar-amd64",
    "registry.k8s.io/metrics-server-amd64",
    "kope/kube-apiserver-healthcheck",
];

/// Falco `known_sa_list`: controllers' service accounts in kube-system.
pub const KNOWN_SA_LIST: &[&str] = &[
    "coredns",
    "coredns-autoscaler",
    "cronjob-controller",
    "daemon-set-controller",
    "deployment-controller",
    "disruption-controller",
    "endpoint-controller",
    "endpointslice-controller",
    "endpointslicemirroring-controller",
    "generic-garbage-collector",
    "horizontal-pod-autoscaler",
    "job-controller",
    "namespace-controller",
    "node-controller",
    "persistent-volume-binder",
    "pod-garbage-collector",
    "pv-protection-controller",
    "pvc-protection-controller",
    "replicaset-controller",
    "resourcequota-controller",
    "root-ca-cert-publisher",
    "service-account-controller",
    "statefulset-controller",
];

/// Falco `full_admin_k8s_users`.
pub const FULL_ADMIN_K8S_USERS: &[&str] = &[
    "admin",
    "kubernetes-admin",
    "kubernetes-admin@kubernetes",
    "kubernetes-admin@cluster.local",
    "minikube-user",
];

/// Falco `allowed_k8s_nodes` (empty upstream).
pub const ALLOWED_K8S_NODES: &[&str] = &[];

/// Falco `contains_private_credentials`: words that betray a credential.
pub const CREDENTIAL_WORDS: &[&str] = &[
    "aws_access_key_id",
    "aws-access-key-id",
    "aws_s3_access_key_id",
    "aws-s3-access-key-id",
    "password",
    "passphrase",
];

/// Falco `writable_verbs`, plus `*` (kensa).
pub const WRITE_VERBS: &[&str] = &[
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "*",
];

/// System roles Falco expects to change in normal operation.
pub const MUTABLE_SYSTEM_ROLES: &[&str] =
    &["system:coredns", "system:managed-certificate-controller"];

/// kensa: identities whose job is reading secrets (service account name
/// prefixes within any namespace, and system users).
pub const SECRET_READERS: &[&str] = &[
    "cert-manager",
    "external-secrets",
    "sealed-secrets",
    "argocd-",
];

// ---- Needs shorthands -----------------------------------------------------

/// Final-stage only, like Falco's `kevt`.
pub const COMPLETE: &[Stage] = &[Stage::ResponseComplete];

/// Long-running requests: whichever of these stages is logged; the engine
/// fires once per request.
pub const STARTED_OR_COMPLETE: &[Stage] = &[Stage::ResponseStarted, Stage::ResponseComplete];

/// Needs for rules reading metadata of one set of requests at the final stage.
pub const fn metadata(requests: &'static [RequestPattern]) -> Needs {
    Needs {
        level: Level::Metadata,
        stages: COMPLETE,
        requests,
        identity: None,
    }
}

/// Needs for rules reading the request body at the final stage.
pub const fn request_body(requests: &'static [RequestPattern]) -> Needs {
    Needs {
        level: Level::Request,
        stages: COMPLETE,
        requests,
        identity: None,
    }
}

/// A pattern on verbs and resources of any group.
pub const fn pattern(
    verbs: &'static [&'static str],
    resources: &'static [&'static str],
) -> RequestPattern {
    RequestPattern {
        verbs,
        api_group: None,
        resources,
        subresources: &[],
        namespaces: &[],
    }
}

/// Needs for long-running requests (exec, attach, port-forward, proxy):
/// metadata at whichever of ResponseStarted and ResponseComplete is logged.
pub const fn long_running(requests: &'static [RequestPattern]) -> Needs {
    Needs {
        level: Level::Metadata,
        stages: STARTED_OR_COMPLETE,
        requests,
        identity: None,
    }
}

/// A pattern on streaming subresources of pods (core group), with verb `get`
/// (WebSocket clients) or `create` (SPDY clients).
pub const fn pod_stream(subresources: &'static [&'static str]) -> RequestPattern {
    RequestPattern {
        verbs: &["get", "create"],
        api_group: Some(""),
        resources: &["pods"],
        subresources,
        namespaces: &[],
    }
}

// ---- Falco's macros ---------------------------------------------------------

/// `non_system_user`.
pub fn is_system_user(name: &str) -> bool {
    name.starts_with("system:")
}

/// Falco `response_successful`: a 2xx code (absent code: no).
pub fn succeeded(event: &Event<'_>) -> bool {
    event.code().is_some_and(|code| (200..300).contains(&code))
}

/// kensa: a request that did not happen: a 4xx/5xx code. An absent code is
/// not a failure, so logs without `responseStatus` still fire.
pub fn failed(event: &Event<'_>) -> bool {
    event.code().is_some_and(|code| code >= 400)
}

/// Falco `pod`: the pods resource without a subresource.
pub fn is_pod(event: &Event<'_>) -> bool {
    event.resource() == Some("pods") && event.subresource().is_none()
}

/// The user name, `<none>` when unauthenticated.
pub fn user<'e>(event: &'e Event<'_>) -> &'e str {
    let name = event.user.username.as_ref();
    if name.is_empty() { "<none>" } else { name }
}

/// `namespace/name` or `name`, `?` when unknown.
pub fn object(event: &Event<'_>) -> String {
    let name = event
        .name()
        .map(str::to_string)
        .or_else(|| body_name(event))
        .unwrap_or_else(|| "?".to_string());
    match event.namespace() {
        Some(ns) => format!("{ns}/{name}"),
        None => name,
    }
}

fn body_name(event: &Event<'_>) -> Option<String> {
    for raw in [event.response_object, event.request_object]
        .into_iter()
        .flatten()
    {
        if let Ok(value) = serde_json::from_str::<Value>(raw.get())
            && let Some(name) = value.pointer("/metadata/name").and_then(Value::as_str)
        {
            return Some(name.to_string());
        }
    }
    None
}

/// The authorizer's decision and reason, for messages.
pub fn decision(event: &Event<'_>) -> String {
    let decision = event.decision().unwrap_or("?");
    match event.annotation("authorization.k8s.io/reason") {
        Some(reason) if !reason.is_empty() => format!("{decision} ({reason})"),
        _ => decision.to_string(),
    }
}

/// The response code, `?` when absent.
pub fn code(event: &Event<'_>) -> String {
    event
        .code()
        .map_or_else(|| "?".to_string(), |c| c.to_string())
}

/// The request body, parsed (level Request and above).
pub fn request_body_json(event: &Event<'_>) -> Option<Value> {
    serde_json::from_str(event.request_object?.get()).ok()
}

/// The strings of an array of strings; anything else is skipped.
pub fn strings(value: Option<&Value>) -> Vec<&str> {
    value
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// An image's repository: the image without tag or digest.
pub fn image_repository(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].find(':') {
        Some(colon) => &image[..last_slash + colon],
        None => image,
    }
}

/// One container of a pod spec.
#[derive(Debug, Clone, Default)]
pub struct Container {
    /// Its image.
    pub image: String,
    /// `securityContext.privileged`.
    pub privileged: bool,
}

/// The parts of a pod spec the rules read.
#[derive(Debug, Clone, Default)]
pub struct PodSpec {
    /// `containers`.
    pub containers: Vec<Container>,
    /// `initContainers`.
    pub init_containers: Vec<Container>,
    /// `ephemeralContainers`.
    pub ephemeral_containers: Vec<Container>,
    /// `hostNetwork`.
    pub host_network: bool,
    /// `hostPID`.
    pub host_pid: bool,
    /// `hostIPC`.
    pub host_ipc: bool,
    /// Every `hostPath` volume's path.
    pub host_paths: Vec<String>,
}

fn containers(spec: &Value, key: &str) -> Vec<Container> {
    spec.get(key)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|c| Container {
                    image: c
                        .get("image")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    privileged: c
                        .pointer("/securityContext/privileged")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                })
                .collect()
        })
        .unwrap_or_default()
}

impl PodSpec {
    /// Reads `requestObject.spec` of a pod create.
    pub fn from_event(event: &Event<'_>) -> Option<PodSpec> {
        let body = request_body_json(event)?;
        let spec = body.get("spec")?;
        let flag = |key: &str| spec.get(key).and_then(Value::as_bool).unwrap_or(false);
        let host_paths = spec
            .get("volumes")
            .and_then(Value::as_array)
            .map(|volumes| {
                volumes
                    .iter()
                    .filter_map(|v| v.pointer("/hostPath/path").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        Some(PodSpec {
            containers: containers(spec, "containers"),
            init_containers: containers(spec, "initContainers"),
            ephemeral_containers: containers(spec, "ephemeralContainers"),
            host_network: flag("hostNetwork"),
            host_pid: flag("hostPID"),
            host_ipc: flag("hostIPC"),
            host_paths,
        })
    }

    /// Every container of every list.
    pub fn all_containers(&self) -> impl Iterator<Item = &Container> {
        self.containers
            .iter()
            .chain(&self.init_containers)
            .chain(&self.ephemeral_containers)
    }

    /// Falco `any_container_privileged`.
    pub fn any_privileged(&self) -> bool {
        self.all_containers().any(|c| c.privileged)
    }

    /// Falco's `ka.req.pod.containers.image.repository in (list)`: every
    /// (regular) container's image is in one of the lists. A pod without
    /// containers is not allowlisted.
    pub fn images_in(&self, lists: &[&[&str]]) -> bool {
        !self.containers.is_empty()
            && self.containers.iter().all(|c| {
                let repository = image_repository(&c.image);
                lists.iter().any(|list| list.contains(&repository))
            })
    }

    /// The sensitive host paths mounted (compared without a trailing slash).
    pub fn sensitive_paths(&self) -> Vec<&str> {
        self.host_paths
            .iter()
            .map(|p| {
                let trimmed = p.trim_end_matches('/');
                if trimmed.is_empty() { "/" } else { trimmed }
            })
            .filter(|p| SENSITIVE_HOST_PATHS.contains(p))
            .collect()
    }

    /// The regular containers' images, comma-separated.
    pub fn images(&self) -> String {
        join(self.containers.iter().map(|c| c.image.as_str()))
    }
}

/// kensa: images allowed to run privileged are node agents that need host
/// namespaces too, so they are also allowed hostNetwork, hostPID and hostIPC.
fn host_namespace_allowed(spec: &PodSpec, falco_list: &'static [&'static str]) -> bool {
    spec.images_in(&[falco_list, PRIVILEGED_IMAGES])
}

/// The images of privileged containers outside the allowlist (Falco
/// `Create Privileged Pod`).
pub fn privileged_finding(spec: &PodSpec) -> Option<String> {
    if !spec.any_privileged() || spec.images_in(&[PRIVILEGED_IMAGES]) {
        return None;
    }
    Some(join(
        spec.all_containers()
            .filter(|c| c.privileged)
            .map(|c| c.image.as_str()),
    ))
}

/// hostNetwork outside the allowlist.
pub fn host_network_finding(spec: &PodSpec) -> bool {
    spec.host_network && !host_namespace_allowed(spec, HOSTNETWORK_IMAGES)
}

/// hostPID outside the allowlist.
pub fn host_pid_finding(spec: &PodSpec) -> bool {
    spec.host_pid && !host_namespace_allowed(spec, HOSTPID_IMAGES)
}

/// hostIPC outside the allowlist.
pub fn host_ipc_finding(spec: &PodSpec) -> bool {
    spec.host_ipc && !host_namespace_allowed(spec, HOSTIPC_IMAGES)
}

/// Sensitive host paths outside the allowlist, comma-separated.
pub fn sensitive_mount_finding(spec: &PodSpec) -> Option<String> {
    let paths = spec.sensitive_paths();
    if paths.is_empty() || spec.images_in(&[SENSITIVE_MOUNT_IMAGES]) {
        return None;
    }
    Some(paths.join(","))
}

/// A pod in kube-system or kube-public with images outside the allowlists.
pub fn kube_namespace_finding(namespace: Option<&str>, spec: &PodSpec) -> bool {
    matches!(namespace, Some("kube-system" | "kube-public"))
        && !spec.images_in(&[ALLOWED_KUBE_NAMESPACE_IMAGES, PRIVILEGED_IMAGES])
}

/// The pod create's spec, for the pod rules: `None` unless this is a pod
/// create with a body.
pub fn pod_create(event: &Event<'_>) -> Option<PodSpec> {
    if event.verb != "create" || !is_pod(event) {
        return None;
    }
    PodSpec::from_event(event)
}

/// The pod spec of a pod create that succeeded. The response code is
/// checked before the body is parsed: a failed create costs no parse.
pub fn successful_pod_create(event: &Event<'_>) -> Option<PodSpec> {
    if failed(event) {
        return None;
    }
    pod_create(event)
}

/// The pod spec of a pod create that failed (e.g. refused by admission).
pub fn failed_pod_create(event: &Event<'_>) -> Option<PodSpec> {
    if !failed(event) {
        return None;
    }
    pod_create(event)
}

/// The service account name of a `system:serviceaccount:<ns>:<name>` user.
pub fn service_account_name(user: &str) -> Option<&str> {
    let rest = user.strip_prefix("system:serviceaccount:")?;
    rest.split_once(':').map(|(_, name)| name)
}

/// kensa: identities that read secrets by design (see [`SECRET_READERS`]).
pub fn is_secret_reader(user: &str) -> bool {
    user.starts_with("system:node:")
        || user == "system:kube-controller-manager"
        || user == "system:apiserver"
        || service_account_name(user)
            .is_some_and(|sa| SECRET_READERS.iter().any(|prefix| sa.starts_with(prefix)))
}

/// Joins strings with commas.
pub fn join<'s>(items: impl Iterator<Item = &'s str>) -> String {
    items.collect::<Vec<_>>().join(",")
}

/// The values of a query parameter of the request URI, percent-decoded
/// (pairs without `=` are skipped).
pub fn query_values(uri: &str, key: &str) -> Vec<String> {
    crate::uri::query_pairs(uri)
        .filter(|(k, _)| *k == key)
        .filter_map(|(_, v)| v.map(crate::uri::decode))
        .collect()
}

// ---- Shapes shared by several rules ---------------------------------------

/// An activity-stream message (Falco's `K8s <Kind> Created/Deleted` rules):
/// `None` unless the request is on the resource itself (no subresource) and
/// succeeded; else `"<what> (user=… <key>=… code=… decision=…)"`, e.g. `what`
/// `"ClusterRole created"` and `key` `"clusterrole"`.
pub fn activity(event: &Event<'_>, what: &str, key: &str) -> Option<String> {
    if event.subresource().is_some() || !succeeded(event) {
        return None;
    }
    Some(format!(
        "{what} (user={} {key}={} code={} decision={})",
        user(event),
        object(event),
        code(event),
        decision(event)
    ))
}

/// A role create (Falco's `ClusterRole With … Created` rules) that did not
/// fail and has an entry of `rules` for which `grants` holds: `"role with
/// <what> created (user=… role=… rules=…)"`.
pub fn role_created(
    event: &Event<'_>,
    what: &str,
    grants: impl Fn(&Value) -> bool,
) -> Option<String> {
    if failed(event) {
        return None;
    }
    let body = request_body_json(event)?;
    let rules = body.get("rules")?.as_array()?;
    if !rules.iter().any(grants) {
        return None;
    }
    Some(format!(
        "role with {what} created (user={} role={} rules={})",
        user(event),
        object(event),
        body["rules"]
    ))
}

/// A node create (no subresource) by a node outside [`ALLOWED_K8S_NODES`]
/// whose outcome is `joined` (succeeded or not), for Falco's `Untrusted Node …`
/// rules: `"node not in the allowed list <what> (user=… node=… code=…)"`.
pub fn untrusted_node(event: &Event<'_>, joined: bool, what: &str) -> Option<String> {
    if event.subresource().is_some() || succeeded(event) != joined {
        return None;
    }
    let name = event.name().unwrap_or("?");
    if ALLOWED_K8S_NODES.contains(&name) {
        return None;
    }
    Some(format!(
        "node not in the allowed list {what} (user={} node={} code={})",
        user(event),
        name,
        code(event)
    ))
}

/// Test helpers shared by the rule files.
#[cfg(test)]
pub mod testing {
    use crate::detect::Rule;
    use crate::event::Event;

    /// Runs a rule (stage and request filters included) on one JSON event.
    pub fn run(rule: &Rule, json: &str) -> Option<String> {
        let event = Event::from_json(json.as_bytes()).expect("test event parses");
        rule.evaluate(&event)
    }

    /// A final-stage event with the given verb, user, objectRef, code and
    /// extra top-level fields (`""` for none).
    pub fn event(verb: &str, user: &str, object_ref: &str, code: i32, extra: &str) -> String {
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!(",{extra}")
        };
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"t-1","stage":"ResponseComplete","requestURI":"/x","verb":"{verb}","user":{{"username":"{user}","groups":["system:authenticated"]}},"sourceIPs":["203.0.113.9"],"objectRef":{object_ref},"responseStatus":{{"code":{code}}},"annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"test"}},"stageTimestamp":"2025-03-14T09:00:00.000000Z"{extra}}}"#
        )
    }

    /// Asserts an activity-stream rule fires on a successful `verb` of
    /// `resource` (answered `success_code`, in namespace `a` when
    /// `namespaced`), and neither on the same request denied (403) nor on
    /// another resource.
    pub fn assert_activity(
        rule: &Rule,
        verb: &str,
        resource: &str,
        namespaced: bool,
        success_code: i32,
    ) {
        let object_ref = if namespaced {
            format!(r#"{{"resource":"{resource}","namespace":"a","name":"n"}}"#)
        } else {
            format!(r#"{{"resource":"{resource}","name":"n"}}"#)
        };
        let ok = event(verb, "bob", &object_ref, success_code, "");
        assert!(run(rule, &ok).is_some(), "{} skips a success", rule.id);
        let denied = event(verb, "bob", &object_ref, 403, "");
        assert_eq!(run(rule, &denied), None, "{} fires on a 403", rule.id);
        let other = event(
            verb,
            "bob",
            r#"{"resource":"pods","namespace":"a","name":"n"}"#,
            success_code,
            "",
        );
        assert_eq!(run(rule, &other), None, "{} fires on pods", rule.id);
    }

    /// A ClusterRole create with the given `rules` (JSON array).
    pub fn role_event(rules: &str) -> String {
        let body = format!(r#""requestObject":{{"rules":{rules}}}"#);
        event(
            "create",
            "bob",
            r#"{"resource":"clusterroles","name":"r"}"#,
            201,
            &body,
        )
    }

    /// Asserts an untrusted-node rule fires on a node create answered
    /// `fires_code` and not on one answered `skips_code`.
    pub fn assert_node_join(rule: &Rule, fires_code: i32, skips_code: i32) {
        let node = |code| {
            event(
                "create",
                "system:node:n1",
                r#"{"resource":"nodes","name":"n1"}"#,
                code,
                "",
            )
        };
        assert!(run(rule, &node(fires_code)).is_some());
        assert_eq!(run(rule, &node(skips_code)), None);
    }

    /// A request to a pod's streaming `subresource` at `stage`, whose URI
    /// carries the command `sh -c 'id -u'`.
    pub fn pod_stream_event(subresource: &str, verb: &str, stage: &str, code: i32) -> String {
        event(
            verb,
            "bob",
            &format!(
                r#"{{"resource":"pods","subresource":"{subresource}","namespace":"a","name":"p"}}"#
            ),
            code,
            "",
        )
        .replace("ResponseComplete", stage)
        .replace(
            r#""requestURI":"/x""#,
            &format!(
                r#""requestURI":"/api/v1/namespaces/a/pods/p/{subresource}?command=sh&command=-c&command=id+-u""#
            ),
        )
    }

    /// Asserts a pod streaming rule fires on WebSocket `get` at
    /// ResponseStarted and SPDY `create` at ResponseComplete, and neither at
    /// RequestReceived nor when denied.
    pub fn assert_pod_stream(rule: &Rule, subresource: &str) {
        let stream =
            |verb, stage, code| run(rule, &pod_stream_event(subresource, verb, stage, code));
        assert!(stream("get", "ResponseStarted", 101).is_some());
        assert!(stream("create", "ResponseComplete", 101).is_some());
        assert_eq!(stream("get", "RequestReceived", 101), None);
        assert_eq!(stream("create", "ResponseComplete", 403), None);
    }

    /// A pod create in a namespace with a spec (JSON of `spec`).
    pub fn pod_event(namespace: &str, spec: &str, code: i32) -> String {
        event(
            "create",
            "alice",
            &format!(
                r#"{{"resource":"pods","namespace":"{namespace}","name":"p","apiVersion":"v1"}}"#
            ),
            code,
            &format!(r#""requestObject":{{"kind":"Pod","metadata":{{"name":"p"}},"spec":{spec}}}"#),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_drop_tags_and_digests_not_ports() {
        assert_eq!(
            image_repository("docker.io/calico/node:v3.28.1"),
            "docker.io/calico/node"
        );
        assert_eq!(image_repository("nginx"), "nginx");
        assert_eq!(image_repository("reg:5000/team/app:1"), "reg:5000/team/app");
        assert_eq!(image_repository("reg:5000/app@sha256:abc"), "reg:5000/app");
    }

    #[test]
    fn query_values_pick_one_key() {
        let uri = "/exec?command=sh&command=-c&command=chroot+%2Fhost+id&container=app&flag";
        assert_eq!(
            query_values(uri, "command"),
            ["sh", "-c", "chroot /host id"]
        );
        assert!(query_values(uri, "flag").is_empty());
        assert!(query_values("/no-query", "command").is_empty());
    }
}
