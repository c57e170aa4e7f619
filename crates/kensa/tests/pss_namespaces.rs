//! `kensa pss namespaces` end to end: snapshot files, a PodSecurityConfiguration,
//! and a live-cluster read through kube-rs against a local HTTP API endpoint.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

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

/// Serves `GET /api/v1/namespaces` and a two-page `GET /api/v1/pods` the way
/// the API server does (list kinds, items without kind, `continue` tokens),
/// recording each request line and its Authorization header.
fn serve_cluster(listener: TcpListener, seen: Arc<Mutex<Vec<String>>>) {
    let items = cluster()["items"].as_array().unwrap().clone();
    let strip = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("kind");
        v.as_object_mut().unwrap().remove("apiVersion");
        v
    };
    let namespaces: Vec<Value> = items
        .iter()
        .filter(|i| i["kind"] == "Namespace")
        .map(strip)
        .collect();
    let pods: Vec<Value> = items
        .iter()
        .filter(|i| i["kind"] == "Pod")
        .map(strip)
        .collect();
    let (first, second) = pods.split_at(4);
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { return };
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).is_err() {
            continue;
        }
        let mut auth = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            if line.to_ascii_lowercase().starts_with("authorization:") {
                auth = line.trim().to_owned();
            }
        }
        seen.lock()
            .unwrap()
            .push(format!("{} {auth}", request_line.trim()));
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        let body = if path.starts_with("/api/v1/namespaces") {
            json!({"kind": "NamespaceList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": namespaces})
        } else if path.starts_with("/api/v1/pods") && path.contains("continue=page2") {
            json!({"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": second})
        } else if path.starts_with("/api/v1/pods") {
            json!({"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "1", "continue": "page2"}, "items": first})
        } else {
            json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404, "reason": "NotFound", "message": "not found"})
        };
        let body = serde_json::to_vec(&body).unwrap();
        let status = if path.starts_with("/api/v1/")
            && !body.starts_with(br#"{"apiVersion":"v1","code":404"#)
        {
            "200 OK"
        } else {
            "404 Not Found"
        };
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(&body);
    }
}

#[test]
fn live_cluster_through_kubeconfig_context() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorder = Arc::clone(&seen);
    std::thread::spawn(move || serve_cluster(listener, recorder));

    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1
kind: Config
current-context: elsewhere
clusters:
- name: local
  cluster:
    server: http://127.0.0.1:{port}
- name: unreachable
  cluster:
    server: http://127.0.0.1:1
contexts:
- name: local-ctx
  context: {{cluster: local, user: tester}}
- name: elsewhere
  context: {{cluster: unreachable, user: tester}}
users:
- name: tester
  user:
    token: kensa-test-token
"
        ),
    )
    .unwrap();
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
            .any(|r| r.contains("/api/v1/pods") && r.contains("continue=page2")),
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
