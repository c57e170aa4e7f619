//! The pods of one node, kept current by a kube-rs watcher (feature
//! `cluster`), for `kensa runtime agent`. A thin adapter on purpose: it only
//! holds the pods as the API server serialized them; what they mean (UIDs,
//! labels, container ids) is read by the agent's pure code, which tests
//! cover with the same JSON.
//!
//! The watcher lists with the field selector `spec.nodeName=<node>`, then
//! watches from the list's resourceVersion, re-listing when the server says
//! the version is gone; errors are retried with kube-rs's default backoff.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};

use crate::cluster::{ClusterError, client};

/// What the watcher has seen so far.
#[derive(Default)]
struct Seen {
    /// Pods by namespace/name, as JSON.
    pods: BTreeMap<String, serde_json::Value>,
    /// Pods of a re-list in progress, swapped in whole when it completes so
    /// a reader never sees half a list.
    pending: BTreeMap<String, serde_json::Value>,
    /// Whether a first list has completed.
    synced: bool,
    /// Bumped on every change, so readers convert only when it moves.
    generation: u64,
    /// Errors not yet taken by [`NodePods::take_errors`].
    errors: Vec<String>,
}

/// A node's pods, watched in the background on a thread of its own.
pub struct NodePods {
    seen: Arc<Mutex<Seen>>,
}

fn key(pod: &Pod) -> String {
    format!(
        "{}/{}",
        pod.metadata.namespace.as_deref().unwrap_or_default(),
        pod.metadata.name.as_deref().unwrap_or_default()
    )
}

fn lock(seen: &Mutex<Seen>) -> MutexGuard<'_, Seen> {
    // A panic elsewhere while holding the lock leaves the maps whole.
    seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl NodePods {
    /// Starts watching the pods scheduled on `node` through the kubeconfig
    /// `context` (the current one when `None`) or the in-cluster service
    /// account. Returns once the client is made: a missing kubeconfig is an
    /// error here, an unreachable API server is retried in the background.
    pub fn watch(context: Option<&str>, node: &str) -> Result<Self, ClusterError> {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let context = context.map(str::to_owned);
        let selector = format!("spec.nodeName={node}");
        let shared = Arc::clone(&seen);
        std::thread::Builder::new()
            .name("kensa-pods".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready_tx.send(Err(ClusterError::Runtime(e)));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let client = match client(context.as_deref()).await {
                        Ok(client) => {
                            let _ = ready_tx.send(Ok(()));
                            client
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let pods: Api<Pod> = Api::all(client);
                    let config = watcher::Config::default().fields(&selector);
                    let mut events = watcher::watcher(pods, config).default_backoff().boxed();
                    while let Some(event) = events.next().await {
                        apply(&shared, event);
                    }
                });
            })?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Self { seen }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(ClusterError::Kubeconfig(
                "the watching thread stopped before making a client".into(),
            )),
        }
    }

    /// The pods as JSON and the generation they are at, once a first list
    /// has completed (`None` before).
    pub fn current(&self) -> Option<(u64, Vec<serde_json::Value>)> {
        let seen = lock(&self.seen);
        seen.synced
            .then(|| (seen.generation, seen.pods.values().cloned().collect()))
    }

    /// The generation the pods are at, to skip reading them when unchanged.
    pub fn generation(&self) -> u64 {
        lock(&self.seen).generation
    }

    /// Waits up to `timeout` for the first list; whether it completed.
    pub fn wait_synced(&self, timeout: Duration) -> bool {
        let until = Instant::now() + timeout;
        loop {
            if lock(&self.seen).synced {
                return true;
            }
            if Instant::now() >= until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Watch errors since the last call (each is retried by the watcher).
    pub fn take_errors(&self) -> Vec<String> {
        std::mem::take(&mut lock(&self.seen).errors)
    }
}

fn apply(seen: &Mutex<Seen>, event: Result<Event<Pod>, watcher::Error>) {
    let mut seen = lock(seen);
    let encode = |pod: &Pod| serde_json::to_value(pod).ok();
    match event {
        Ok(Event::Apply(pod)) => {
            if let Some(value) = encode(&pod) {
                seen.pods.insert(key(&pod), value);
                seen.generation += 1;
            }
        }
        Ok(Event::Delete(pod)) => {
            seen.pods.remove(&key(&pod));
            seen.generation += 1;
        }
        Ok(Event::Init) => seen.pending.clear(),
        Ok(Event::InitApply(pod)) => {
            if let Some(value) = encode(&pod) {
                seen.pending.insert(key(&pod), value);
            }
        }
        Ok(Event::InitDone) => {
            seen.pods = std::mem::take(&mut seen.pending);
            seen.synced = true;
            seen.generation += 1;
        }
        Err(error) => {
            // Bounded: a reader that never drains them must not grow memory.
            if seen.errors.len() < 16 {
                seen.errors.push(error.to_string());
            }
        }
    }
}
