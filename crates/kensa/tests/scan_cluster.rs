//! `kensa scan --cluster --context CTX` through kube-rs against a stand-in
//! API server on loopback: the kinds the checks read are listed page by
//! page, controller-owned objects are left to their controller, and a kind
//! the credentials may not list is a warning, not a failure.

mod support;

use assert_cmd::Command;
use serde_json::{Value, json};

use support::Answer;

fn list(kind: &'static str, items: Vec<Value>) -> Answer {
    Answer::List {
        kind,
        items,
        page: 2,
    }
}

#[test]
fn scans_a_live_cluster() {
    let container =
        json!({"name": "app", "image": "nginx:1.27", "securityContext": {"privileged": true}});
    let template =
        json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}});
    let deployment = json!({"metadata": {"name": "web", "namespace": "shop", "uid": "d1"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": template}});
    let owned_pod = json!({"metadata": {"name": "web-1", "namespace": "shop",
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-x", "uid": "r1", "controller": true}]},
        "spec": {"containers": [container]}});
    let bare_pod = json!({"metadata": {"name": "debug", "namespace": "shop"},
        "spec": {"hostPID": true, "containers": [{"name": "sh", "image": "busybox:1.36"}]}});
    let pods: Vec<Value> = (0..3)
        .map(|i| {
            let mut pod = owned_pod.clone();
            pod["metadata"]["name"] = format!("web-{i}").into();
            pod
        })
        .chain([bare_pod])
        .collect();
    let binding = json!({"metadata": {"name": "ci-admin"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "tools"}]});
    let api = support::start(vec![
        ("/api/v1/pods", list("PodList", pods)),
        (
            "/apis/apps/v1/deployments",
            list("DeploymentList", vec![deployment]),
        ),
        (
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            list("ClusterRoleBindingList", vec![binding]),
        ),
        ("/api/v1/configmaps", Answer::Error(403)),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = support::kubeconfig(&dir, &api.url);

    let output = Command::cargo_bin("kensa")
        .unwrap()
        .env("KUBECONFIG", &kubeconfig)
        .args(["scan", "--cluster", "--context", "local-ctx", "-o", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot list configmaps"), "{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["ArtifactType"], "kubernetes");
    let results = report["Results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["Target"], "cluster:local-ctx");
    let resources: Vec<(String, String)> = results[0]["Misconfigurations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["ID"].as_str().unwrap().to_owned(),
                m["CauseMetadata"]["Resource"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let has = |id: &str, resource: &str| resources.iter().any(|(i, r)| i == id && r == resource);
    assert!(
        has("container-privileged", "Deployment shop/web"),
        "{resources:?}"
    );
    assert!(has("pod-host-pid", "Pod shop/debug"), "{resources:?}");
    assert!(
        has(
            "serviceaccount-cluster-admin",
            "ClusterRoleBinding ci-admin"
        ),
        "{resources:?}"
    );
    // The ReplicaSet's pods are judged through their controller.
    assert!(
        !resources
            .iter()
            .any(|(_, r)| r.starts_with("Pod shop/web-")),
        "{resources:?}"
    );

    let seen = api.seen.lock().unwrap();
    assert!(
        seen.iter()
            .any(|r| r.contains("/api/v1/pods?") && r.contains("continue=page1")),
        "{seen:?}"
    );
    assert!(
        seen.iter().all(|r| r.contains("Bearer kensa-test-token")),
        "{seen:?}"
    );
    assert!(
        !seen.iter().any(|r| r.contains("/secrets")),
        "secrets must never be listed: {seen:?}"
    );
}
