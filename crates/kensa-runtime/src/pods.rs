//! Which cgroups belong to which pods on this node, and so which policies
//! apply where: the agent's side of `podSelector`.
//!
//! The kubelet puts every pod in a cgroup named after its UID, with its
//! containers below it: `kubepods/burstable/pod<UID>/<container>` with the
//! cgroupfs driver, `kubepods.slice/kubepods-burstable.slice/
//! kubepods-burstable-pod<UID_with_underscores>.slice/cri-containerd-<id>.scope`
//! with the systemd driver. Pod names and labels come from the API server;
//! kensa reads them from a `kubectl get pods -A -o json` snapshot.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::events::Pod;
use crate::policy::{Policy, PolicyKind, Workload};

/// A pod as the snapshot describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodInfo {
    /// `metadata.uid`.
    pub uid: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
}

/// A pod's cgroup on this node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodCgroup {
    /// The pod.
    pub pod: PodInfo,
    /// Its cgroup directory.
    pub dir: PathBuf,
    /// Its cgroup id.
    pub id: u64,
    /// The ids of the cgroups below it (its containers), for attributing
    /// events.
    pub descendants: Vec<u64>,
}

/// Why a pods snapshot could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct PodsError {
    /// The snapshot file.
    pub file: String,
    /// What is wrong.
    pub problem: String,
}

/// Reads the pods of a `kubectl get pods -A -o json` list (or a single
/// pod). Items without a UID are skipped: they cannot be found on a node.
pub fn parse_pods(file: &str, text: &str) -> Result<Vec<PodInfo>, PodsError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| PodsError {
        file: file.to_owned(),
        problem: format!("line {}: {e}", e.line()),
    })?;
    let items: Vec<&serde_json::Value> = match value.get("items") {
        Some(serde_json::Value::Array(items)) => items.iter().collect(),
        _ if value.get("kind").and_then(|k| k.as_str()) == Some("Pod") => vec![&value],
        _ => {
            return Err(PodsError {
                file: file.to_owned(),
                problem: "neither a list with items nor a Pod".into(),
            });
        }
    };
    Ok(items
        .into_iter()
        .filter_map(|item| {
            let meta = item.get("metadata")?;
            let text = |k: &str| meta.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            Some(PodInfo {
                uid: text("uid")?,
                namespace: text("namespace").unwrap_or_else(|| "default".into()),
                name: text("name").unwrap_or_default(),
                labels: meta
                    .get("labels")
                    .and_then(|l| l.as_object())
                    .map(|l| {
                        l.iter()
                            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect())
}

/// The pod UID a kubelet cgroup directory name stands for, if it is one.
pub fn pod_uid_of(dir_name: &str) -> Option<String> {
    // systemd driver: kubepods-<qos>-pod<uid with _>.slice or kubepods-pod<uid>.slice
    if let Some(rest) = dir_name.strip_suffix(".slice")
        && let Some(at) = rest.rfind("-pod")
        && rest.starts_with("kubepods")
    {
        return Some(rest[at + 4..].replace('_', "-"));
    }
    // cgroupfs driver: pod<uid>
    dir_name
        .strip_prefix("pod")
        .filter(|uid| uid.len() >= 32 && uid.chars().all(|c| c.is_ascii_hexdigit() || c == '-'))
        .map(str::to_owned)
}

/// Finds the cgroup of every pod in `pods` below `root` (the cgroup2
/// mount, or a subtree of it). Pods not on this node are not found.
pub fn find_pod_cgroups(root: &Path, pods: &[PodInfo]) -> Vec<PodCgroup> {
    use std::os::unix::fs::MetadataExt;
    let by_uid: HashMap<&str, &PodInfo> = pods.iter().map(|p| (p.uid.as_str(), p)).collect();
    let mut found = Vec::new();
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if !entry.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            match pod_uid_of(&name).and_then(|uid| by_uid.get(uid.as_str()).copied()) {
                Some(pod) => {
                    let Ok(meta) = std::fs::metadata(&path) else {
                        continue;
                    };
                    found.push(PodCgroup {
                        pod: pod.clone(),
                        descendants: descendant_ids(&path),
                        dir: path,
                        id: meta.ino(),
                    });
                }
                // Pods sit a few levels down (kubepods/qos/pod); no need to
                // walk every service's cgroup tree to the bottom.
                None if depth < 6 => stack.push((path, depth + 1)),
                None => {}
            }
        }
    }
    found.sort_by(|a, b| a.dir.cmp(&b.dir));
    found
}

fn descendant_ids(dir: &Path) -> Vec<u64> {
    use std::os::unix::fs::MetadataExt;
    let mut ids = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                if let Ok(meta) = entry.metadata() {
                    ids.push(meta.ino());
                }
                stack.push(entry.path());
            }
        }
    }
    ids
}

/// Where each policy applies: (pod cgroup id, policy bits) and the bits of
/// the policies that apply to every process of the node (a cluster-wide
/// policy without a pod selector, as in Tetragon).
pub fn scope(policies: &[Policy], pods: &[PodCgroup]) -> (Vec<(u64, u64)>, u64) {
    let mut global = 0u64;
    let mut per_pod: BTreeMap<u64, u64> = BTreeMap::new();
    for (i, policy) in policies.iter().enumerate().take(64) {
        let bit = 1u64 << i;
        if policy.kind == PolicyKind::TracingPolicy && policy.spec.pod_selector.is_none() {
            global |= bit;
            continue;
        }
        for pod in pods {
            let workload = Workload {
                namespace: Some(pod.pod.namespace.clone()),
                labels: pod.pod.labels.clone(),
                container: String::new(),
            };
            // The agent refuses container selectors before this point.
            let selected = policy.selects(&workload);
            if selected {
                *per_pod.entry(pod.id).or_default() |= bit;
            }
        }
    }
    (per_pod.into_iter().collect(), global)
}

/// Pods by the cgroup ids of the pod and its containers, for events.
pub fn pods_by_cgroup(pods: &[PodCgroup]) -> HashMap<u64, Pod> {
    let mut map = HashMap::new();
    for p in pods {
        let pod = Pod {
            namespace: p.pod.namespace.clone(),
            name: p.pod.name.clone(),
            container_name: None,
            labels: p.pod.labels.clone(),
        };
        map.insert(p.id, pod.clone());
        for id in &p.descendants {
            map.insert(*id, pod.clone());
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubelet_cgroup_names_give_the_pod_uid() {
        let uid = "0f6d1c2e-9a3b-4c5d-8e7f-001122334455";
        assert_eq!(pod_uid_of(&format!("pod{uid}")).as_deref(), Some(uid));
        assert_eq!(
            pod_uid_of(&format!(
                "kubepods-burstable-pod{}.slice",
                uid.replace('-', "_")
            ))
            .as_deref(),
            Some(uid)
        );
        assert_eq!(pod_uid_of("kubepods-besteffort.slice"), None);
        assert_eq!(pod_uid_of("podman"), None);
        assert_eq!(pod_uid_of("system.slice"), None);
    }

    #[test]
    fn a_pod_list_snapshot_reads() {
        let text = r#"{"apiVersion":"v1","kind":"List","items":[
          {"metadata":{"uid":"u1","namespace":"shop","name":"web-1","labels":{"app":"web"}}},
          {"metadata":{"name":"no-uid"}}]}"#;
        let pods = parse_pods("pods.json", text).unwrap();
        assert_eq!(pods.len(), 1);
        assert_eq!(pods[0].labels["app"], "web");
        let err = parse_pods("pods.json", "{\n oops").unwrap_err();
        assert!(err.to_string().starts_with("pods.json: line 2"), "{err}");
    }

    #[test]
    fn policies_apply_to_the_pods_they_select() {
        let yaml = r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicyNamespaced
metadata: {name: web-only, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
---
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata: {name: everywhere}
spec: {}
"#;
        let (policies, errors) = crate::parse_policies("p.yaml", yaml);
        assert!(errors.is_empty(), "{errors:?}");
        let pod = |uid: &str, ns: &str, app: &str, id| PodCgroup {
            pod: PodInfo {
                uid: uid.into(),
                namespace: ns.into(),
                name: uid.into(),
                labels: BTreeMap::from([("app".to_owned(), app.to_owned())]),
            },
            dir: PathBuf::from(uid),
            id,
            descendants: vec![id + 100],
        };
        let pods = [
            pod("a", "shop", "web", 1),
            pod("b", "shop", "db", 2),
            pod("c", "other", "web", 3),
        ];
        let (per_pod, global) = scope(&policies, &pods);
        assert_eq!(per_pod, vec![(1, 1)]);
        assert_eq!(global, 2);
        assert_eq!(pods_by_cgroup(&pods)[&101].name, "a");
    }
}
