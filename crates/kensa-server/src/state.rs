//! What the webhook knows of the cluster: namespace labels (for the policy)
//! and the pods of a namespace (for the dry run when an enforce label is
//! tightened).
//!
//! Two sources: a snapshot file (`kubectl get namespaces,pods -A -o json`),
//! for offline use and tests, and in a cluster kube-rs watchers
//! ([`crate::watch`], feature `cluster`). Both fill a [`Store`]; requests
//! read it under a read lock that writers hold only to swap one entry.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kensa_pss::namespace::ExistingPod;

use crate::Error;

/// A pod as the dry run needs it.
#[derive(Debug, Clone)]
pub struct StoredPod {
    /// `metadata.name`.
    pub name: String,
    /// The uid of the owner reference with `controller: true`.
    pub controller_uid: Option<String>,
    /// The pod's metadata (annotations matter to some checks).
    pub metadata: ObjectMeta,
    /// The pod's spec.
    pub spec: PodSpec,
}

impl StoredPod {
    /// A pod from its metadata and spec.
    pub fn new(metadata: ObjectMeta, spec: PodSpec) -> Self {
        let controller_uid = metadata
            .owner_references
            .iter()
            .flatten()
            .find(|owner| owner.controller == Some(true))
            .map(|owner| owner.uid.clone());
        StoredPod {
            name: metadata.name.clone().unwrap_or_default(),
            controller_uid,
            metadata,
            spec,
        }
    }
}

impl ExistingPod for &StoredPod {
    fn name(&self) -> &str {
        &self.name
    }
    fn controller_uid(&self) -> Option<&str> {
        self.controller_uid.as_deref()
    }
    fn runtime_class_name(&self) -> Option<&str> {
        self.spec.runtime_class_name.as_deref()
    }
}

/// Why a lookup failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// The namespace does not exist (in the snapshot or the watch cache).
    NotFound,
    /// The cache is not filled yet.
    NotReady,
}

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LookupError::NotFound => "not found",
            LookupError::NotReady => "the namespace cache is not synced yet",
        })
    }
}

/// Namespaces and pods, shared between the request handlers and whatever
/// fills it.
#[derive(Debug, Default)]
pub struct Store {
    namespaces: RwLock<HashMap<String, Arc<BTreeMap<String, String>>>>,
    pods: RwLock<HashMap<String, Vec<Arc<StoredPod>>>>,
    ready: AtomicBool,
}

impl Store {
    /// An empty store, not ready.
    pub fn new() -> Self {
        Self::default()
    }

    /// The labels of namespace `name`.
    pub fn namespace_labels(
        &self,
        name: &str,
    ) -> Result<Arc<BTreeMap<String, String>>, LookupError> {
        let namespaces = self.namespaces.read().unwrap_or_else(|e| e.into_inner());
        match namespaces.get(name) {
            Some(labels) => Ok(Arc::clone(labels)),
            None if self.is_ready() => Err(LookupError::NotFound),
            None => Err(LookupError::NotReady),
        }
    }

    /// The pods of namespace `name`, in the order they were stored.
    pub fn pods(&self, name: &str) -> Result<Vec<Arc<StoredPod>>, LookupError> {
        if !self.is_ready() {
            return Err(LookupError::NotReady);
        }
        let pods = self.pods.read().unwrap_or_else(|e| e.into_inner());
        Ok(pods.get(name).cloned().unwrap_or_default())
    }

    /// Whether the store has been filled once (`/readyz`).
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Marks the store filled.
    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    /// Sets (or replaces) a namespace's labels.
    pub fn put_namespace(&self, name: String, labels: BTreeMap<String, String>) {
        let mut namespaces = self.namespaces.write().unwrap_or_else(|e| e.into_inner());
        namespaces.insert(name, Arc::new(labels));
    }

    /// Forgets a namespace.
    pub fn remove_namespace(&self, name: &str) {
        let mut namespaces = self.namespaces.write().unwrap_or_else(|e| e.into_inner());
        namespaces.remove(name);
    }

    /// Replaces every namespace at once (a watcher's re-list).
    pub fn replace_namespaces(&self, all: HashMap<String, BTreeMap<String, String>>) {
        let all = all.into_iter().map(|(k, v)| (k, Arc::new(v))).collect();
        *self.namespaces.write().unwrap_or_else(|e| e.into_inner()) = all;
    }

    /// Replaces every pod at once, grouped by namespace.
    pub fn replace_pods(&self, all: HashMap<String, Vec<Arc<StoredPod>>>) {
        *self.pods.write().unwrap_or_else(|e| e.into_inner()) = all;
    }

    /// Sets (or replaces, by name) one pod of a namespace.
    pub fn put_pod(&self, namespace: &str, pod: StoredPod) {
        let mut pods = self.pods.write().unwrap_or_else(|e| e.into_inner());
        let list = pods.entry(namespace.to_owned()).or_default();
        match list.iter_mut().find(|p| p.name == pod.name) {
            Some(slot) => *slot = Arc::new(pod),
            None => list.push(Arc::new(pod)),
        }
    }

    /// Forgets one pod.
    pub fn remove_pod(&self, namespace: &str, name: &str) {
        let mut pods = self.pods.write().unwrap_or_else(|e| e.into_inner());
        if let Some(list) = pods.get_mut(namespace) {
            list.retain(|p| p.name != name);
        }
    }

    /// A store filled from a snapshot: what `kubectl get namespaces,pods -A
    /// -o json` (or `-o yaml`, or files of Namespaces and Pods) prints.
    /// Documents that fail to parse are errors: a webhook must not start on
    /// a half-read cluster.
    pub fn from_snapshot_file(path: &Path) -> Result<Store, Error> {
        let input = kensa_k8s::Input::from_arg(&path.display().to_string());
        let loaded = kensa_k8s::load(std::slice::from_ref(&input));
        if let Some(first) = loaded.errors().next() {
            return Err(Error::Snapshot {
                path: path.display().to_string(),
                message: first.to_string(),
            });
        }
        let snapshot = kensa_k8s::Snapshot::from_objects(loaded.objects);
        let store = Store::new();
        store.replace_namespaces(
            snapshot
                .namespaces
                .into_iter()
                .map(|ns| (ns.name, ns.labels))
                .collect(),
        );
        let mut pods: HashMap<String, Vec<Arc<StoredPod>>> = HashMap::new();
        for object in snapshot.pods {
            let namespace = object.namespace().unwrap_or("default").to_owned();
            // For a Pod, the template view holds its own metadata and spec.
            if let Some(template) = object.pod {
                pods.entry(namespace)
                    .or_default()
                    .push(Arc::new(StoredPod::new(template.metadata, template.spec)));
            }
        }
        store.replace_pods(pods);
        store.set_ready();
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_fills_namespaces_and_pods() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cluster.json");
        std::fs::write(
            &path,
            r#"{"apiVersion":"v1","kind":"List","items":[
              {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"dev","labels":{"pod-security.kubernetes.io/enforce":"baseline"}}},
              {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","namespace":"dev","ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web","uid":"u1","controller":true}]},"spec":{"containers":[{"name":"app","image":"nginx"}]}}
            ]}"#,
        )
        .expect("write");
        let store = Store::from_snapshot_file(&path).expect("snapshot");
        assert!(store.is_ready());
        let labels = store.namespace_labels("dev").expect("dev");
        assert_eq!(labels["pod-security.kubernetes.io/enforce"], "baseline");
        assert_eq!(store.namespace_labels("prod"), Err(LookupError::NotFound));
        let pods = store.pods("dev").expect("pods");
        assert_eq!(pods.len(), 1);
        assert_eq!(pods[0].controller_uid.as_deref(), Some("u1"));
        assert_eq!(pods[0].spec.containers[0].image.as_deref(), Some("nginx"));
    }

    #[test]
    fn a_broken_snapshot_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("broken.json");
        std::fs::write(&path, "{\"kind\": ").expect("write");
        let error = Store::from_snapshot_file(&path).expect_err("broken");
        assert!(error.to_string().contains("broken.json"), "{error}");
    }

    #[test]
    fn an_unfilled_store_is_not_ready() {
        let store = Store::new();
        assert_eq!(store.namespace_labels("x"), Err(LookupError::NotReady));
        store.put_namespace("x".into(), BTreeMap::new());
        assert!(store.namespace_labels("x").is_ok());
        store.put_pod(
            "x",
            StoredPod::new(
                ObjectMeta {
                    name: Some("p".into()),
                    ..Default::default()
                },
                PodSpec::default(),
            ),
        );
        store.set_ready();
        assert_eq!(store.pods("x").expect("pods").len(), 1);
        store.remove_pod("x", "p");
        assert!(store.pods("x").expect("pods").is_empty());
    }
}
