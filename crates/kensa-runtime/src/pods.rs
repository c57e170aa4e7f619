//! Which cgroups belong to which pods on this node, and so which policies
//! apply where: the agent's side of `podSelector`.
//!
//! The kubelet puts every pod in a cgroup named after its UID, with its
//! containers below it: `kubepods/burstable/pod<UID>/<container>` with the
//! cgroupfs driver, `kubepods.slice/kubepods-burstable.slice/
//! kubepods-burstable-pod<UID_with_underscores>.slice/cri-containerd-<id>.scope`
//! with the systemd driver. Pod names, labels and container ids come from
//! the API server: the agent watches its node's pods through kensa-k8s, or
//! reads a `kubectl get pods -A -o json` snapshot. Both are the same JSON,
//! read here by [`pod_from_json`].
//!
//! `containerSelector` is carried out by container cgroup: the container
//! runtime names each container's cgroup after the id the kubelet reports
//! in `status.containerStatuses[].containerID`, so a container's name leads
//! to its cgroup id.

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
    /// Its containers that have been started (init, app and ephemeral).
    pub containers: Vec<ContainerInfo>,
}

/// A started container of a pod, from `status.*containerStatuses`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerInfo {
    /// `name`: what `containerSelector` matches as the `name` key.
    pub name: String,
    /// The runtime's id with the `containerd://`-style scheme removed: the
    /// name of the container's cgroup.
    pub id: String,
}

/// A container's cgroup below its pod's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerCgroup {
    /// The container's name.
    pub name: String,
    /// Its cgroup id.
    pub id: u64,
    /// The ids of the cgroups below it, for attributing events.
    pub descendants: Vec<u64>,
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
    /// The cgroups of its containers the pod's status names.
    pub containers: Vec<ContainerCgroup>,
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
    Ok(items.into_iter().filter_map(pod_from_json).collect())
}

/// A pod as the API server serializes it (a watch event's object, a list
/// item, kubectl's output). `None` without a UID: such a pod cannot be
/// found on a node.
pub fn pod_from_json(item: &serde_json::Value) -> Option<PodInfo> {
    let meta = item.get("metadata")?;
    let text = |k: &str| meta.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let status = item.get("status");
    let containers = [
        "initContainerStatuses",
        "containerStatuses",
        "ephemeralContainerStatuses",
    ]
    .iter()
    .filter_map(|key| status?.get(key)?.as_array())
    .flatten()
    .filter_map(|c| {
        Some(ContainerInfo {
            name: c.get("name")?.as_str()?.to_owned(),
            id: container_id(c.get("containerID")?.as_str()?)?.to_owned(),
        })
    })
    .collect();
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
        containers,
    })
}

/// The id in a `containerID` (`containerd://<id>`, `cri-o://<id>`,
/// `docker://<id>`): the scheme names the runtime, the id names the cgroup.
/// `None` when empty (a container still waiting to start has none).
pub fn container_id(container_id: &str) -> Option<&str> {
    let id = container_id
        .split_once("://")
        .map_or(container_id, |(_, id)| id);
    (!id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric())).then_some(id)
}

/// The container id a cgroup directory below a pod's is named after: the
/// bare id (containerd, docker) or `crio-<id>` with the cgroupfs driver,
/// `cri-containerd-<id>.scope`, `crio-<id>.scope` or `docker-<id>.scope`
/// with the systemd driver. CRI-O's `crio-conmon-<id>` monitor cgroup
/// gives `conmon-<id>`, which no container has.
pub fn container_id_of(dir_name: &str) -> &str {
    let unit = dir_name.strip_suffix(".scope").unwrap_or(dir_name);
    ["cri-containerd-", "crio-", "docker-"]
        .iter()
        .find_map(|prefix| unit.strip_prefix(prefix))
        .unwrap_or(unit)
}

/// The cgroups of `pod`'s containers directly below its cgroup `dir`.
fn container_cgroups(dir: &Path, pod: &PodInfo) -> Vec<ContainerCgroup> {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<ContainerCgroup> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|entry| {
            let dir_name = entry.file_name();
            let id = container_id_of(dir_name.to_str()?);
            let container = pod.containers.iter().find(|c| c.id == id)?;
            Some(ContainerCgroup {
                name: container.name.clone(),
                id: entry.metadata().ok()?.ino(),
                descendants: descendant_ids(&entry.path()),
            })
        })
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    found
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
                        containers: container_cgroups(&path, pod),
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

/// Where each policy applies: (cgroup id, policy bits) of pod and container
/// cgroups, and the bits of the policies that apply to every process of the
/// node (a cluster-wide policy without a pod or container selector, as in
/// Tetragon). A policy with a `containerSelector` is scoped to the cgroups
/// of the containers it selects, never to their whole pod, so a sidecar
/// beside a selected container stays out of it.
pub fn scope(policies: &[Policy], pods: &[PodCgroup]) -> (Vec<(u64, u64)>, u64) {
    let mut global = 0u64;
    let mut per_cgroup: BTreeMap<u64, u64> = BTreeMap::new();
    for (i, policy) in policies.iter().enumerate().take(64) {
        let bit = 1u64 << i;
        if policy.kind == PolicyKind::TracingPolicy
            && policy.spec.pod_selector.is_none()
            && policy.spec.container_selector.is_none()
        {
            global |= bit;
            continue;
        }
        for pod in pods {
            let workload = |container: &str| Workload {
                namespace: Some(pod.pod.namespace.clone()),
                labels: pod.pod.labels.clone(),
                container: container.to_owned(),
            };
            if policy.spec.container_selector.is_none() {
                if policy.selects(&workload("")) {
                    *per_cgroup.entry(pod.id).or_default() |= bit;
                }
                continue;
            }
            for container in &pod.containers {
                if policy.selects(&workload(&container.name)) {
                    *per_cgroup.entry(container.id).or_default() |= bit;
                }
            }
        }
    }
    (per_cgroup.into_iter().collect(), global)
}

/// Pods by the cgroup ids of the pod and its containers, for events; a
/// container's cgroups also give the container's name.
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
        for container in &p.containers {
            let in_container = Pod {
                container_name: Some(container.name.clone()),
                ..pod.clone()
            };
            for id in std::iter::once(&container.id).chain(&container.descendants) {
                map.insert(*id, in_container.clone());
            }
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
                containers: Vec::new(),
            },
            dir: PathBuf::from(uid),
            id,
            descendants: vec![id + 100],
            containers: Vec::new(),
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

    /// A pod as the API server returns it, abridged from a real list
    /// (containerd, one init container, one app container not started yet).
    const API_POD: &str = r#"{
      "metadata": {"name": "web-7d9c", "namespace": "shop",
        "uid": "4c1f7a52-6b0e-4a57-9d7e-2f1a0c3b8e11", "resourceVersion": "81234",
        "labels": {"app": "web", "pod-template-hash": "7d9c"}},
      "spec": {"nodeName": "node-a", "containers": [{"name": "app"}, {"name": "sidecar"}]},
      "status": {"phase": "Running",
        "initContainerStatuses": [{"name": "init-perms", "ready": true, "restartCount": 0,
          "image": "busybox:1.36",
          "containerID": "containerd://0b1e2f0c3d4a5b6c7d8e9f00112233445566778899aabbccddeeff0011223344",
          "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
        "containerStatuses": [
          {"name": "app", "ready": true, "restartCount": 0, "image": "nginx:1.27",
           "containerID": "containerd://9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0",
           "state": {"running": {"startedAt": "2026-11-29T09:00:00Z"}}},
          {"name": "sidecar", "ready": false, "restartCount": 0, "image": "envoy:1.31",
           "state": {"waiting": {"reason": "ContainerCreating"}}}]}
    }"#;

    #[test]
    fn an_api_pod_gives_its_containers_by_runtime_id() {
        let value: serde_json::Value = serde_json::from_str(API_POD).unwrap();
        let pod = pod_from_json(&value).unwrap();
        assert_eq!(pod.uid, "4c1f7a52-6b0e-4a57-9d7e-2f1a0c3b8e11");
        assert_eq!(
            (pod.namespace.as_str(), pod.name.as_str()),
            ("shop", "web-7d9c")
        );
        assert_eq!(pod.labels["app"], "web");
        let containers: Vec<(&str, &str)> = pod
            .containers
            .iter()
            .map(|c| (c.name.as_str(), c.id.as_str()))
            .collect();
        assert_eq!(
            containers,
            vec![
                (
                    "init-perms",
                    "0b1e2f0c3d4a5b6c7d8e9f00112233445566778899aabbccddeeff0011223344"
                ),
                (
                    "app",
                    "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0"
                ),
            ]
        );
        assert!(pod_from_json(&serde_json::json!({"metadata": {"name": "x"}})).is_none());
    }

    #[test]
    fn container_ids_lose_their_runtime_scheme() {
        assert_eq!(container_id("containerd://abc123"), Some("abc123"));
        assert_eq!(container_id("cri-o://abc123"), Some("abc123"));
        assert_eq!(container_id("docker://abc123"), Some("abc123"));
        assert_eq!(container_id(""), None);
        assert_eq!(container_id("containerd://"), None);
        // Not a path anyone could slip into a cgroup walk.
        assert_eq!(container_id("containerd://../../x"), None);
        assert_eq!(container_id_of("abc123"), "abc123");
        assert_eq!(container_id_of("cri-containerd-abc123.scope"), "abc123");
        assert_eq!(container_id_of("crio-abc123.scope"), "abc123");
        assert_eq!(container_id_of("crio-abc123"), "abc123");
        assert_eq!(container_id_of("docker-abc123.scope"), "abc123");
        assert_eq!(container_id_of("crio-conmon-abc123.scope"), "conmon-abc123");
    }

    fn ino(path: &Path) -> u64 {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).unwrap().ino()
    }

    /// Both kubelet cgroup drivers' layouts, made of plain directories (the
    /// walk reads only names and inode numbers), with a container selector
    /// scoping one container of each pod.
    #[test]
    fn container_cgroups_are_found_under_both_drivers_and_scoped_alone() {
        let tmp = std::env::temp_dir().join(format!("kensa-pods-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let (uid_a, uid_b) = (
            "4c1f7a52-6b0e-4a57-9d7e-2f1a0c3b8e11",
            "5d2e8b63-7c1f-4b68-8e8f-3a2b1d4c9f22",
        );
        let (app_a, side_a, app_b, side_b) = ("aaa111", "aaa222", "bbb111", "bbb222");
        // cgroupfs (containerd): the pause container's cgroup has no status.
        let pod_a = tmp.join(format!("kubepods/burstable/pod{uid_a}"));
        for c in [app_a, side_a, "pause0"] {
            std::fs::create_dir_all(pod_a.join(c)).unwrap();
        }
        std::fs::create_dir_all(pod_a.join(app_a).join("nested")).unwrap();
        // systemd (cri-o): the conmon cgroup sits beside the container's.
        let pod_b = tmp.join(format!(
            "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{}.slice",
            uid_b.replace('-', "_")
        ));
        for c in [
            format!("crio-{app_b}.scope"),
            format!("crio-{side_b}.scope"),
            format!("crio-conmon-{app_b}.scope"),
        ] {
            std::fs::create_dir_all(pod_b.join(c)).unwrap();
        }
        let pod = |uid: &str, name: &str, app: &str, side: &str| PodInfo {
            uid: uid.into(),
            namespace: "shop".into(),
            name: name.into(),
            labels: BTreeMap::from([("app".to_owned(), "web".to_owned())]),
            containers: vec![
                ContainerInfo {
                    name: "app".into(),
                    id: app.into(),
                },
                ContainerInfo {
                    name: "sidecar".into(),
                    id: side.into(),
                },
            ],
        };
        let infos = [
            pod(uid_a, "web-a", app_a, side_a),
            pod(uid_b, "web-b", app_b, side_b),
        ];
        let found = find_pod_cgroups(&tmp, &infos);
        assert_eq!(found.len(), 2);
        let names = |p: &PodCgroup| -> Vec<(String, u64)> {
            p.containers
                .iter()
                .map(|c| (c.name.clone(), c.id))
                .collect()
        };
        let (a, b) = (&found[0], &found[1]);
        assert_eq!(a.pod.name, "web-a");
        assert_eq!(
            names(a),
            vec![
                ("app".to_owned(), ino(&pod_a.join(app_a))),
                ("sidecar".to_owned(), ino(&pod_a.join(side_a)))
            ]
        );
        assert_eq!(
            names(b),
            vec![
                (
                    "app".to_owned(),
                    ino(&pod_b.join(format!("crio-{app_b}.scope")))
                ),
                (
                    "sidecar".to_owned(),
                    ino(&pod_b.join(format!("crio-{side_b}.scope")))
                )
            ]
        );

        let yaml = r#"
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata: {name: app-only}
spec:
  containerSelector: {matchLabels: {name: app}}
---
apiVersion: cilium.io/v1alpha1
kind: TracingPolicyNamespaced
metadata: {name: web-pods, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
---
apiVersion: cilium.io/v1alpha1
kind: TracingPolicyNamespaced
metadata: {name: sidecars-elsewhere, namespace: other}
spec:
  containerSelector: {matchLabels: {name: sidecar}}
"#;
        let (policies, errors) = crate::parse_policies("p.yaml", yaml);
        assert!(errors.is_empty(), "{errors:?}");
        let (roots, global) = scope(&policies, &found);
        // No node-wide bit for a cluster-wide policy that selects containers.
        assert_eq!(global, 0);
        let mut expected = vec![
            (a.containers[0].id, 0b001),
            (b.containers[0].id, 0b001),
            (a.id, 0b010),
            (b.id, 0b010),
        ];
        expected.sort();
        assert_eq!(roots, expected);

        let by_cgroup = pods_by_cgroup(&found);
        let nested = ino(&pod_a.join(app_a).join("nested"));
        assert_eq!(by_cgroup[&nested].container_name.as_deref(), Some("app"));
        assert_eq!(
            by_cgroup[&a.containers[1].id].container_name.as_deref(),
            Some("sidecar")
        );
        assert_eq!(by_cgroup[&ino(&pod_a.join("pause0"))].container_name, None);
        assert_eq!(by_cgroup[&a.id].name, "web-a");
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
