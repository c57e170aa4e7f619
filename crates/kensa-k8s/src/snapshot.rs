//! A cluster snapshot: namespaces and pods.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::diag::Loaded;
use crate::object::Object;
use crate::position::Position;

/// A namespace of a [`Snapshot`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceInfo {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.labels` (where the `pod-security.kubernetes.io/*` labels live).
    pub labels: BTreeMap<String, String>,
    /// Where the Namespace came from.
    pub source: Arc<str>,
    /// Where it starts in its source.
    pub position: Position,
}

/// A cluster snapshot: what `kubectl get namespaces,pods -A -o json|yaml`
/// prints (a `List` of Namespaces and Pods), or any mix of files holding
/// Namespaces and Pods.
///
/// ```
/// let json = br#"{"apiVersion":"v1","kind":"List","items":[
///   {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"dev","labels":{"pod-security.kubernetes.io/enforce":"baseline"}}},
///   {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"dev"},"spec":{"containers":[{"name":"app","image":"nginx"}]}}
/// ]}"#;
/// let loaded = kensa_k8s::parse_bytes("snapshot.json", json);
/// let snapshot = kensa_k8s::Snapshot::from_loaded(&loaded);
/// assert_eq!(snapshot.namespaces[0].labels["pod-security.kubernetes.io/enforce"], "baseline");
/// assert_eq!(snapshot.pods_in("dev").count(), 1);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The Namespace objects, in input order.
    pub namespaces: Vec<NamespaceInfo>,
    /// Objects of kind Pod only, in input order.
    pub pods: Vec<Object>,
}

fn namespace_info(object: &Object) -> NamespaceInfo {
    NamespaceInfo {
        name: object.name().to_owned(),
        labels: object.metadata.labels.clone().unwrap_or_default(),
        source: Arc::clone(&object.source),
        position: object.position,
    }
}

impl Snapshot {
    /// Picks the Namespaces and Pods out of loaded objects (copying the pods).
    pub fn from_loaded(loaded: &Loaded) -> Snapshot {
        let mut snapshot = Snapshot::default();
        for object in &loaded.objects {
            match object.kind.as_str() {
                "Namespace" => snapshot.namespaces.push(namespace_info(object)),
                "Pod" => snapshot.pods.push(object.clone()),
                _ => {}
            }
        }
        snapshot
    }

    /// Like [`Snapshot::from_loaded`], taking the objects instead of copying them.
    pub fn from_objects(objects: Vec<Object>) -> Snapshot {
        let mut snapshot = Snapshot::default();
        for object in objects {
            match object.kind.as_str() {
                "Namespace" => snapshot.namespaces.push(namespace_info(&object)),
                "Pod" => snapshot.pods.push(object),
                _ => {}
            }
        }
        snapshot
    }

    /// The pods of namespace `ns`, in input order. A pod without a namespace
    /// counts as being in `default`.
    pub fn pods_in<'a>(&'a self, ns: &'a str) -> impl Iterator<Item = &'a Object> {
        self.pods
            .iter()
            .filter(move |pod| pod.namespace().unwrap_or("default") == ns)
    }

    /// The namespace called `name`, if the snapshot has it.
    pub fn namespace(&self, name: &str) -> Option<&NamespaceInfo> {
        self.namespaces.iter().find(|ns| ns.name == name)
    }
}
