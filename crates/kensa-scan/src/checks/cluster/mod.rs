//! The cluster checks: relations between objects (which NetworkPolicy,
//! Service or PodDisruptionBudget selects which pods), judged over every
//! object of the scan.
//!
//! Objects without a namespace are taken to be in `default`, which is where
//! `kubectl apply` puts them unless told otherwise. Pods are represented by
//! the pod templates of the loaded workloads; an object whose controlling
//! owner (`metadata.ownerReferences[controller=true]`) is itself loaded (a
//! ReplicaSet of a loaded Deployment, a Pod of a loaded ReplicaSet, as in a
//! cluster snapshot) is judged through its owner only, so that one problem
//! gives one finding.

use std::collections::{BTreeMap, HashSet};

use kensa_k8s::Object;

use crate::check::Check;

mod replicated_without_pdb;
mod selector;
mod service_account_token_automount;
mod service_selects_no_pods;
mod workload_without_network_policy;

/// The cluster checks, in registry order.
pub(crate) static CHECKS: &[&Check] = &[
    &workload_without_network_policy::CHECK,
    &service_selects_no_pods::CHECK,
    &replicated_without_pdb::CHECK,
    &service_account_token_automount::CHECK,
];

/// The namespace an object is in: its own, or `default`.
pub(crate) fn namespace(object: &Object) -> &str {
    object
        .namespace()
        .filter(|namespace| !namespace.is_empty())
        .unwrap_or("default")
}

/// The labels of the pods an object runs: a workload's pod template labels
/// (a Pod's own), or for an OpenShift DeploymentConfig those of
/// `spec.template`. `None` for objects that run no pods, and for workloads
/// without a pod template.
pub(crate) fn pod_labels(object: &Object) -> Option<BTreeMap<String, String>> {
    if let Some(pod) = &object.pod {
        return Some(pod.metadata.labels.clone().unwrap_or_default());
    }
    if object.kind != "DeploymentConfig" {
        return None;
    }
    let template = object.body.as_ref()?.get("spec")?.get("template")?;
    let labels = template
        .get("metadata")
        .and_then(|metadata| metadata.get("labels"))
        .and_then(serde_json::Value::as_object)
        .map(|labels| {
            labels
                .iter()
                .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    Some(labels)
}

/// The loaded objects by namespace, kind and name, to find owners.
pub(crate) struct Loaded<'a>(HashSet<(&'a str, &'a str, &'a str)>);

impl<'a> Loaded<'a> {
    /// Indexes `objects`.
    pub(crate) fn new(objects: &'a [Object]) -> Loaded<'a> {
        Loaded(
            objects
                .iter()
                .map(|object| (namespace(object), object.kind.as_str(), object.name()))
                .collect(),
        )
    }

    /// Whether `object`'s controlling owner is loaded (same namespace, kind
    /// and name), so that the owner stands for it.
    pub(crate) fn has_owner_of(&self, object: &Object) -> bool {
        let own_namespace = namespace(object);
        object
            .metadata
            .owner_references
            .iter()
            .flatten()
            .filter(|owner| owner.controller == Some(true))
            .any(|owner| {
                self.0
                    .contains(&(own_namespace, owner.kind.as_str(), owner.name.as_str()))
            })
    }
}

/// `Kind 'name' in namespace 'ns'`, as cluster messages name an object.
pub(crate) fn describe(object: &Object) -> String {
    format!(
        "{} '{}' in namespace '{}'",
        object.kind,
        object.name(),
        namespace(object)
    )
}

#[cfg(test)]
pub(crate) mod testing {
    //! Runs a cluster check with every object's body filled in, as a scan
    //! that keeps workload bodies would load them.

    use crate::check::{Check, ClusterHit, Hit, Run};
    use crate::context::{ClusterContext, Settings};

    /// Like [`crate::testing::cluster_hits`], but with `body` set on every
    /// object (the loader leaves it out for pod-bearing kinds).
    pub(crate) fn cluster_hits_with_bodies(check: &Check, yaml: &str) -> Vec<(String, Hit)> {
        let mut objects = crate::testing::objects(yaml);
        let documents: Vec<serde_json::Value> = serde_saphyr::from_multiple(yaml)
            .expect("fixture parses")
            .into_iter()
            .filter(|document: &serde_json::Value| !document.is_null())
            .collect();
        assert_eq!(objects.len(), documents.len(), "one object per document");
        for (object, document) in objects.iter_mut().zip(documents) {
            object.body.get_or_insert(document);
        }
        let settings = Settings::default();
        let Run::Cluster(run) = check.run else {
            panic!("{} is not a cluster check", check.id);
        };
        run(&ClusterContext {
            objects: &objects,
            settings: &settings,
        })
        .into_iter()
        .map(|ClusterHit { object, hit }| (objects[object].display_name(), hit))
        .collect()
    }
}
