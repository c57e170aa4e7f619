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

async fn client(context: Option<&str>) -> Result<Client, ClusterError> {
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
