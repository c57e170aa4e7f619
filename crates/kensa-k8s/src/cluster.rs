//! Reading a live cluster (feature `cluster`): a thin adapter over kube-rs.
//!
//! It lists Namespaces and Pods page by page, re-encodes them as the `List`
//! that `kubectl get namespaces,pods -A -o json` prints, and hands that to
//! [`crate::parse_bytes`]: a live cluster and a snapshot file go through the
//! same code, so the tests on `kubectl` output cover both.

use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::{Loaded, Snapshot};

/// Errors talking to a cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The kubeconfig could not be read or has no such context.
    #[error("kubeconfig: {0}")]
    Kubeconfig(String),
    /// The API server could not be reached or refused a request.
    #[error("listing {resource}: {source}")]
    Api {
        /// What was being listed.
        resource: &'static str,
        /// The client's error.
        #[source]
        source: kube::Error,
    },
    /// The async runtime could not start.
    #[error("starting the async runtime: {0}")]
    Runtime(#[from] std::io::Error),
    /// The listed objects could not be re-encoded.
    #[error("encoding listed objects: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Objects per list request, as kubectl pages.
const PAGE_SIZE: u32 = 500;

/// A client for the kubeconfig context (the current one when `None`), or the
/// in-cluster service account when there is no kubeconfig.
pub async fn client(context: Option<&str>) -> Result<Client, ClusterError> {
    let options = KubeConfigOptions {
        context: context.map(str::to_owned),
        ..Default::default()
    };
    let config = match Kubeconfig::read() {
        Ok(kubeconfig) => Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .map_err(|e| ClusterError::Kubeconfig(e.to_string())),
        // In a pod without a kubeconfig, the service account is the way in.
        Err(_) if context.is_none() => {
            Config::incluster().map_err(|e| ClusterError::Kubeconfig(e.to_string()))
        }
        Err(e) => return Err(ClusterError::Kubeconfig(e.to_string())),
    };
    let config = config?;
    Client::try_from(config).map_err(|e| ClusterError::Kubeconfig(e.to_string()))
}

/// Lists every item of a resource, following `continue` tokens.
macro_rules! list_pages {
    ($api:expr, $resource:expr, $kind:expr, $out:expr) => {{
        let mut params = ListParams::default().limit(PAGE_SIZE);
        loop {
            let page = $api
                .list(&params)
                .await
                .map_err(|source| ClusterError::Api {
                    resource: $resource,
                    source,
                })?;
            for item in page.items {
                let mut value = serde_json::to_value(&item)?;
                // List responses leave kind and apiVersion off their items; kubectl adds them back.
                value["apiVersion"] = "v1".into();
                value["kind"] = $kind.into();
                $out.push(value);
            }
            match page.metadata.continue_.filter(|token| !token.is_empty()) {
                Some(token) => params = params.continue_token(&token),
                None => break,
            }
        }
    }};
}

/// Reads namespaces and pods of the cluster behind `context` (the kubeconfig's
/// current context when `None`) into a [`Snapshot`].
pub async fn snapshot(context: Option<&str>) -> Result<Snapshot, ClusterError> {
    let loaded = load_cluster(context).await?;
    Ok(Snapshot::from_objects(loaded.objects))
}

/// The cluster's namespaces and pods as [`Loaded`] objects, sourced `cluster:CONTEXT`.
pub async fn load_cluster(context: Option<&str>) -> Result<Loaded, ClusterError> {
    let client = client(context).await?;
    let mut items = Vec::new();
    let namespaces: Api<Namespace> = Api::all(client.clone());
    list_pages!(namespaces, "namespaces", "Namespace", items);
    let pods: Api<Pod> = Api::all(client);
    list_pages!(pods, "pods", "Pod", items);
    let list = serde_json::json!({ "apiVersion": "v1", "kind": "List", "items": items });
    let source = format!("cluster:{}", context.unwrap_or("current-context"));
    Ok(crate::parse_bytes(&source, &serde_json::to_vec(&list)?))
}

/// [`snapshot`] on a private single-threaded runtime, for synchronous callers.
pub fn snapshot_blocking(context: Option<&str>) -> Result<Snapshot, ClusterError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(snapshot(context))
}

/// The kinds `kensa scan --cluster` lists: what the misconfiguration checks
/// read. Secrets are left out on purpose: no check needs their data.
const SCAN_KINDS: &[(&str, &str, &str)] = &[
    ("", "v1", "Namespace"),
    ("", "v1", "Pod"),
    ("", "v1", "Service"),
    ("", "v1", "ServiceAccount"),
    ("", "v1", "ConfigMap"),
    ("", "v1", "ReplicationController"),
    ("", "v1", "LimitRange"),
    ("", "v1", "ResourceQuota"),
    ("apps", "v1", "Deployment"),
    ("apps", "v1", "StatefulSet"),
    ("apps", "v1", "DaemonSet"),
    ("apps", "v1", "ReplicaSet"),
    ("batch", "v1", "Job"),
    ("batch", "v1", "CronJob"),
    ("rbac.authorization.k8s.io", "v1", "Role"),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding"),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole"),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"),
    ("networking.k8s.io", "v1", "NetworkPolicy"),
    ("networking.k8s.io", "v1", "Ingress"),
    ("policy", "v1", "PodDisruptionBudget"),
];

/// Whether an object is run by a controller whose own object is also
/// listed: its findings belong to the controller's template, so listing it
/// too would report every problem twice (Trivy skips them the same way).
fn controlled_by_listed_kind(value: &serde_json::Value) -> bool {
    value["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|owner| {
            owner["controller"] == true
                && owner["kind"]
                    .as_str()
                    .is_some_and(|kind| SCAN_KINDS.iter().any(|(_, _, k)| *k == kind))
        })
}

/// The cluster's objects of every kind the misconfiguration checks read,
/// as [`Loaded`] objects (bodies kept) sourced `cluster:CONTEXT`. A kind the
/// credentials may not list becomes a warning diagnostic, not an error.
pub async fn load_cluster_for_scan(context: Option<&str>) -> Result<Loaded, ClusterError> {
    use kube::api::{ApiResource, DynamicObject, GroupVersionKind};

    let client = client(context).await?;
    let source = format!("cluster:{}", context.unwrap_or("current-context"));
    let mut items = Vec::new();
    let mut warnings = Vec::new();
    for &(group, version, kind) in SCAN_KINDS {
        let resource = ApiResource::from_gvk(&GroupVersionKind::gvk(group, version, kind));
        let api: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
        let mut params = ListParams::default().limit(PAGE_SIZE);
        loop {
            let page = match api.list(&params).await {
                Ok(page) => page,
                Err(error) => {
                    warnings.push(format!("cannot list {}: {error}", resource.plural));
                    break;
                }
            };
            for item in page.items {
                let mut value = serde_json::to_value(&item)?;
                value["apiVersion"] = resource.api_version.clone().into();
                value["kind"] = kind.into();
                if !controlled_by_listed_kind(&value) {
                    items.push(value);
                }
            }
            match page.metadata.continue_.filter(|token| !token.is_empty()) {
                Some(token) => params = params.continue_token(&token),
                None => break,
            }
        }
    }
    let list = serde_json::json!({ "apiVersion": "v1", "kind": "List", "items": items });
    let options = crate::LoadOptions {
        keep_body: true,
        ..crate::LoadOptions::default()
    };
    let mut loaded = crate::parse_bytes_with(&source, &serde_json::to_vec(&list)?, &options);
    let source: std::sync::Arc<str> = source.into();
    loaded
        .diagnostics
        .extend(warnings.into_iter().map(|message| crate::Diagnostic {
            source: source.clone(),
            position: crate::Position::START,
            severity: crate::Severity::Warning,
            message,
            object: None,
        }));
    Ok(loaded)
}

/// [`load_cluster_for_scan`] on a private single-threaded runtime.
pub fn load_cluster_for_scan_blocking(context: Option<&str>) -> Result<Loaded, ClusterError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(load_cluster_for_scan(context))
}
