//! `kensa pss namespaces` end to end: snapshot files, a PodSecurityConfiguration,
//! and a live-cluster read through kube-rs against a local HTTP API endpoint.

mod support;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{Value, json};

fn kensa() -> Command {
    Command::cargo_bin("kensa").unwrap()
}

fn namespace(name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})
}

fn pod(ns: &str, name: &str, controller: Option<&str>, spec: Value) -> Value {
    let mut metadata = json!({"name": name, "namespace": ns, "uid": format!("uid-{name}")});
    if let Some(uid) = controller {
        metadata["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": uid, "controller": true}]);
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec})
}

fn container(extra: Value) -> Value {
    let mut c = json!({"name": "app", "image": "app:1"});
    if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
        c.extend(extra.clone());
    }
    c
}

/// A small cluster as `kubectl get namespaces,pods -A -o json` prints it.
fn cluster() -> Value {
    let host_net = json!({"hostNetwork": true, "containers": [container(json!({}))]});
    json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [
        namespace("delta", json!({"pod-security.kubernetes.io/enforce-version": "v1.0"})),
        namespace("alpha", json!({"kubernetes.io/metadata.name": "alpha"})),
        namespace("beta", json!({"pod-security.kubernetes.io/enforce": "baseline"})),
        namespace("gamma", json!({"pod-security.kubernetes.io/enforce": "restricted"})),
        pod("alpha", "web-b", Some("rs1"), host_net.clone()),
        pod("alpha", "web-a", Some("rs1"), host_net.clone()),
        pod("alpha", "web-c", Some("rs1"), host_net.clone()),
        pod("alpha", "solo", None, json!({"containers": [container(json!({"securityContext": {"privileged": true}}))]})),
        pod("alpha", "fine", None, json!({"containers": [container(json!({}))]})),
        pod("alpha", "kata", None, json!({"runtimeClassName": "kata", "volumes": [{"name": "h", "hostPath": {"path": "/"}}], "containers": [container(json!({}))]})),
        pod("beta", "bad", None, host_net.clone()),
        pod("gamma", "bad", None, host_net),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "legacy", "namespace": "delta",
            "annotations": {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}},
            "spec": {"containers": [container(json!({}))]}}),
    ]})
}

fn snapshot_file(dir: &tempfile::TempDir) -> String {
    let path = dir.path().join("cluster.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&cluster()).unwrap()).unwrap();
    path.display().to_string()
}

const EXPECTED_BASELINE: &str = "\
Warning: existing pods in namespace \"alpha\" violate the new PodSecurity enforce level \"baseline:latest\"
Warning: kata: hostPath volumes
Warning: solo: privileged
Warning: web-a (and 2 other pods): host namespaces
namespace/alpha labeled (server dry run)
namespace/beta not labeled (server dry run)
Warning: existing pods in namespace \"delta\" violate the new PodSecurity enforce level \"baseline:v1.0\"
Warning: legacy: seccompProfile
namespace/delta labeled (server dry run)
namespace/gamma labeled (server dry run)
";

#[test]
fn prints_what_kubectl_label_dry_run_prints() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = snapshot_file(&dir);
    kensa()
        .args([
            "pss",
            "namespaces",
            "--level",
            "baseline",
            "--snapshot",
            &snapshot,
        ])
        .assert()
        .code(1)
        .stdout(EXPECTED_BASELINE);
}

#[test]
fn yaml_snapshot_and_namespace_filter() {
    let dir = tempfile::tempdir().unwrap();
    // JSON is valid YAML; a .yaml name exercises the YAML reader.
    let path = dir.path().join("cluster.yaml");
    std::fs::write(&path, serde_json::to_string_pretty(&cluster()).unwrap()).unwrap();
    kensa()
        .args(["pss", "namespaces", "--level", "baseline", "--snapshot", &path.display().to_string(), "gamma", "beta"])
        .assert()
        .code(0)
        .stdout("namespace/beta not labeled (server dry run)\nnamespace/gamma labeled (server dry run)\n");
    kensa()
        .args([
            "pss",
            "namespaces",
            "--level",
            "baseline",
            "--snapshot",
            &path.display().to_string(),
            "nope",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("namespace \"nope\" not found"));
}

#[test]
fn version_flag_sets_enforce_version() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = snapshot_file(&dir);
    kensa()
        .args([
            "pss",
            "namespaces",
            "--level",
            "restricted",
            "--version",
            "v1.24",
            "--snapshot",
            &snapshot,
            "gamma",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "violate the new PodSecurity enforce level \"restricted:v1.24\"",
        ))
        .stdout(predicate::str::contains(
            "namespace/gamma labeled (server dry run)",
        ));
}

#[test]
fn configuration_exemptions_apply() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = snapshot_file(&dir);
    let config = dir.path().join("admission.yaml");
    std::fs::write(
        &config,
        "apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults:
      enforce: privileged
    exemptions:
      namespaces: [delta]
      runtimeClasses: [kata]
",
    )
    .unwrap();
    let out = kensa()
        .args([
            "pss",
            "namespaces",
            "--level",
            "baseline",
            "--snapshot",
            &snapshot,
            "--config",
            &config.display().to_string(),
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(!out.contains("kata:"), "{out}");
    assert!(out.contains(
        "Warning: namespace \"delta\" is exempt from Pod Security, and the policy (enforce=baseline:v1.0) will be ignored\nnamespace/delta labeled"
    ), "{out}");
}

#[test]
fn json_output() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = snapshot_file(&dir);
    let out = kensa()
        .args([
            "pss",
            "namespaces",
            "--level",
            "baseline",
            "--snapshot",
            &snapshot,
            "-o",
            "json",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc[0]["namespace"], "alpha");
    assert_eq!(doc[0]["change"], "labeled");
    assert_eq!(doc[0]["violations"], true);
    assert_eq!(
        doc[0]["warnings"][3],
        "web-a (and 2 other pods): host namespaces"
    );
    assert_eq!(doc[1]["change"], "not labeled");
}

#[test]
fn live_cluster_through_kubeconfig_context() {
    let items = cluster()["items"].as_array().unwrap().clone();
    let of_kind = |kind: &str| -> Vec<Value> {
        items
            .iter()
            .filter(|i| i["kind"] == kind)
            .cloned()
            .collect()
    };
    let api = support::start(vec![
        (
            "/api/v1/namespaces",
            support::Answer::List {
                kind: "NamespaceList",
                items: of_kind("Namespace"),
                page: 500,
            },
        ),
        (
            "/api/v1/pods",
            support::Answer::List {
                kind: "PodList",
                items: of_kind("Pod"),
                page: 4,
            },
        ),
    ]);
    let seen = api.seen.clone();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = support::kubeconfig(&dir, &api.url);
    kensa()
        .env("KUBECONFIG", &kubeconfig)
        .args([
            "pss",
            "namespaces",
            "--level",
            "baseline",
            "--context",
            "local-ctx",
        ])
        .assert()
        .code(1)
        .stdout(EXPECTED_BASELINE);
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter()
            .any(|r| r.contains("/api/v1/pods") && r.contains("continue=page1")),
        "{seen:?}"
    );
    assert!(
        seen.iter().all(|r| r.contains("Bearer kensa-test-token")),
        "{seen:?}"
    );

    kensa()
        .env("KUBECONFIG", &kubeconfig)
        .args([
            "pss",
            "namespaces",
            "--level",
            "baseline",
            "--context",
            "no-such-context",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-context"));
}
