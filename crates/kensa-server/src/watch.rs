//! Namespaces and pods from a live cluster (feature `cluster`): two kube-rs
//! watchers filling the [`Store`]. This adapter is kept thin on purpose: no
//! API server runs in tests, so everything behind the store is tested with
//! snapshot files in `kubectl get -o json` form instead.
//!
//! The store is ready (`/readyz`) once both watchers have listed everything
//! once. Watch errors are retried with kube-rs's default backoff; a re-list
//! replaces what the store holds.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};

use crate::Error;
use crate::state::{Store, StoredPod};

fn stored(pod: Pod) -> Option<(String, StoredPod)> {
    let namespace = pod.metadata.namespace.clone()?;
    Some((namespace, StoredPod::new(pod.metadata, pod.spec?)))
}

/// Starts both watchers in the background and returns once the client is
/// made (errors finding a kubeconfig are returned here, not later).
pub async fn start(store: Arc<Store>, context: Option<&str>) -> Result<(), Error> {
    let client = kensa_k8s::cluster::client(context)
        .await
        .map_err(|e| Error::Config(e.to_string()))?;
    // Set bit 0 when namespaces have synced, bit 1 for pods.
    let synced = Arc::new(AtomicU8::new(0));
    let mark = |store: &Store, synced: &AtomicU8, bit: u8| {
        if synced.fetch_or(bit, Ordering::AcqRel) | bit == 0b11 {
            store.set_ready();
        }
    };

    let namespaces: Api<Namespace> = Api::all(client.clone());
    let ns_store = Arc::clone(&store);
    let ns_synced = Arc::clone(&synced);
    tokio::spawn(async move {
        let mut pending: HashMap<String, BTreeMap<String, String>> = HashMap::new();
        let mut events = watcher::watcher(namespaces, watcher::Config::default())
            .default_backoff()
            .boxed();
        while let Some(event) = events.next().await {
            match event {
                Ok(Event::Apply(ns)) => {
                    let name = ns.metadata.name.unwrap_or_default();
                    ns_store.put_namespace(name, ns.metadata.labels.unwrap_or_default());
                }
                Ok(Event::Delete(ns)) => {
                    ns_store.remove_namespace(ns.metadata.name.as_deref().unwrap_or_default());
                }
                Ok(Event::Init) => pending.clear(),
                Ok(Event::InitApply(ns)) => {
                    let name = ns.metadata.name.unwrap_or_default();
                    pending.insert(name, ns.metadata.labels.unwrap_or_default());
                }
                Ok(Event::InitDone) => {
                    ns_store.replace_namespaces(std::mem::take(&mut pending));
                    mark(&ns_store, &ns_synced, 0b01);
                }
                Err(error) => eprintln!("kensa serve: watching namespaces: {error}"),
            }
        }
    });

    let pods: Api<Pod> = Api::all(client);
    tokio::spawn(async move {
        let mut pending: HashMap<String, Vec<Arc<StoredPod>>> = HashMap::new();
        let mut events = watcher::watcher(pods, watcher::Config::default())
            .default_backoff()
            .boxed();
        while let Some(event) = events.next().await {
            match event {
                Ok(Event::Apply(pod)) => {
                    if let Some((namespace, pod)) = stored(pod) {
                        store.put_pod(&namespace, pod);
                    }
                }
                Ok(Event::Delete(pod)) => {
                    if let (Some(namespace), Some(name)) =
                        (&pod.metadata.namespace, &pod.metadata.name)
                    {
                        store.remove_pod(namespace, name);
                    }
                }
                Ok(Event::Init) => pending.clear(),
                Ok(Event::InitApply(pod)) => {
                    if let Some((namespace, pod)) = stored(pod) {
                        pending.entry(namespace).or_default().push(Arc::new(pod));
                    }
                }
                Ok(Event::InitDone) => {
                    store.replace_pods(std::mem::take(&mut pending));
                    mark(&store, &synced, 0b10);
                }
                Err(error) => eprintln!("kensa serve: watching pods: {error}"),
            }
        }
    });
    Ok(())
}
