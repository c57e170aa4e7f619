//! Upstream's admission goldens (`reference/pss/golden/pod_admission.yaml`
//! and the label cases of `namespace_validate.yaml`), answered by a real
//! webhook: each case is an AdmissionReview POSTed over HTTPS.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use axum::http::StatusCode;
use kensa_pss::api::{Level, LevelVersion, Policy, Version};
use kensa_pss::namespace::{AdmissionConfig, Exemptions};
use serde_json::{Value, json};
use support::{Server, store_from_json};

fn reference_dir() -> Option<PathBuf> {
    kensa_reference::dir("pss/golden", "pod_admission.yaml")
}

fn read_yaml(path: PathBuf) -> Value {
    let text = std::fs::read_to_string(&path).expect("golden");
    serde_saphyr::from_str(&text).expect("yaml")
}

fn namespace(name: &str, labels: &[(&str, &str)]) -> Value {
    let labels: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (format!("pod-security.kubernetes.io/{k}"), v.to_string()))
        .collect();
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})
}

/// The harness of pod_admission.yaml: its namespaces.
fn harness_cluster() -> String {
    let all = |level: &'static str| vec![("enforce", level), ("warn", level), ("audit", level)];
    let items = vec![
        namespace("exempt-ns", &all("restricted")),
        namespace("restricted-ns", &all("restricted")),
        namespace("implicit-ns", &[]),
        namespace("privileged-ns", &all("privileged")),
        namespace("baseline-ns", &all("baseline")),
        namespace("baseline-warn-ns", &[("warn", "baseline")]),
        namespace("baseline-audit-ns", &[("audit", "baseline")]),
        namespace("invalid-ns", &[("enforce", "not-a-valid-level")]),
    ];
    json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string()
}

fn harness_config() -> AdmissionConfig {
    AdmissionConfig {
        defaults: Policy::all(LevelVersion::new(Level::Privileged, Version::Latest)),
        exemptions: Exemptions {
            usernames: vec!["exempt-user".into()],
            namespaces: vec!["exempt-ns".into()],
            runtime_classes: vec!["exempt-runtimeclass".into()],
        },
    }
}

/// The three pods of the harness: failing baseline, passing only baseline,
/// passing restricted.
fn pod_spec(which: &str) -> Value {
    let mut spec = match which.split(" + ").next().unwrap_or(which) {
        "privileged" => json!({"containers": [{"name": "c", "image": "busybox",
            "securityContext": {"privileged": true}}]}),
        "baseline" => json!({"containers": [{"name": "c", "image": "busybox"}]}),
        "restricted" => json!({
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "c", "image": "busybox", "securityContext": {
                "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]}),
        other => panic!("unknown pod {other}"),
    };
    if which.contains("runtimeClassName exempt-runtimeclass") {
        spec["runtimeClassName"] = json!("exempt-runtimeclass");
    }
    spec
}

/// An AdmissionReview for `resource` (group, version, plural) of `kind`,
/// asked by `who` (namespace, operation, username).
fn review(
    resource: (&str, &str, &str),
    kind: &str,
    who: (&str, &str, &str),
    subresource: Option<&str>,
    object: Value,
    old: Option<Value>,
) -> Value {
    let (group, version, plural) = resource;
    let (ns, op, user) = who;
    let mut request = json!({
        "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": plural},
        "name": "test",
        "namespace": ns,
        "operation": op,
        "userInfo": {"username": user, "groups": ["system:authenticated"]},
        "object": object,
        "oldObject": old.unwrap_or(Value::Null),
        "dryRun": false,
    });
    if let Some(sub) = subresource {
        request["subResource"] = json!(sub);
    }
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request})
}

async fn answer(server: &Server, review: &Value) -> Value {
    let (status, body) = server.post("/validate", review.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: Value = serde_json::from_str(&body).expect("json answer");
    assert_eq!(answer["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(answer["kind"], "AdmissionReview");
    let response = answer["response"].clone();
    assert_eq!(
        response["uid"], review["request"]["uid"],
        "the uid is echoed"
    );
    response
}

/// The strings of a JSON array (none when it is absent).
fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn keys(response: &Value) -> Vec<String> {
    let mut keys: Vec<String> = response["auditAnnotations"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pod_admission_goldens_over_https() {
    let Some(dir) = reference_dir() else { return };
    let golden = read_yaml(dir.join("pod_admission.yaml"));
    let server = Server::start_with(
        store_from_json(&harness_cluster()),
        harness_config(),
        |_| {},
    )
    .await;
    let mut checked = 0;
    for case in golden["cases"].as_array().expect("cases") {
        let desc = case["desc"].as_str().expect("desc");
        let ns = case["ns"].as_str().unwrap_or("restricted-ns");
        let op = case["op"].as_str().unwrap_or("CREATE");
        let user = case["user"].as_str().unwrap_or("regular-user");
        let which = case["pod"].as_str().unwrap_or("restricted");
        let spec = pod_spec(which);
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "test", "namespace": ns}, "spec": spec});
        let (object, old, subresource) = match desc {
            "ignored subresource (status)" => (pod.clone(), None, Some("status")),
            "failed decode" => (
                json!({"apiVersion": "v1", "kind": "Pod", "spec": "not a spec"}),
                None,
                None,
            ),
            "invalid object (Namespace sent as pod)" => {
                (namespace("x", &[]), Some(namespace("x", &[])), None)
            }
            "failed decode old object" => (
                pod.clone(),
                Some(json!({"apiVersion": "v1", "kind": "Pod", "spec": 7})),
                None,
            ),
            "insignificant update (only tolerations changed)" => {
                let mut old = pod.clone();
                old["spec"]["tolerations"] = json!([{"key": "k", "operator": "Exists"}]);
                (pod.clone(), Some(old), None)
            }
            d if d.starts_with("significant update") => {
                let mut old = pod.clone();
                old["spec"]["containers"][0]["image"] = json!("busybox:old");
                (pod.clone(), Some(old), None)
            }
            _ => (pod.clone(), None, None),
        };

        if case["deployment_only"].as_bool() != Some(true) {
            let request = review(
                ("", "v1", "pods"),
                "Pod",
                (ns, op, user),
                subresource,
                object.clone(),
                old.clone(),
            );
            let response = answer(&server, &request).await;
            assert_eq!(response["allowed"], case["allowed"], "{desc}: {response}");
            if let Some(reason) = case["status_reason"].as_str() {
                assert_eq!(response["status"]["reason"], reason, "{desc}: {response}");
            }
            if case["audit_annotation_keys"].is_array() {
                let mut expected = strings(&case["audit_annotation_keys"]);
                expected.sort();
                assert_eq!(keys(&response), expected, "{desc}: {response}");
            }
            if let Some(expected) = case["audit_annotations"].as_object() {
                for (key, value) in expected {
                    assert_eq!(
                        &response["auditAnnotations"][key], value,
                        "{desc}: {response}"
                    );
                }
            }
            let warnings = response["warnings"].as_array().map_or(0, Vec::len);
            match case["warnings"].as_str() {
                Some("non-empty") => assert!(warnings > 0, "{desc}: {response}"),
                Some(w) if w.starts_with("none") => assert_eq!(warnings, 0, "{desc}: {response}"),
                _ => {}
            }
            if response["allowed"] == false && case["status_reason"] == "Forbidden" {
                // The same text the built-in plugin prints after `pods "test" is forbidden: `.
                let message = response["status"]["message"].as_str().expect("message");
                assert!(
                    message.starts_with("pods \"test\" is forbidden: violates PodSecurity \""),
                    "{message}"
                );
                assert_eq!(response["status"]["code"], 403);
            }
            checked += 1;
        }

        // The same pod as a Deployment's template: warn and audit only.
        if case["pod_only"].as_bool() != Some(true)
            && subresource.is_none()
            && old.is_none()
            && !desc.contains("decode")
            && !desc.contains("invalid object")
        {
            let template = if case["deployment_only"].as_bool() == Some(true) {
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "test", "namespace": ns}})
            } else {
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "test", "namespace": ns},
                       "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": pod["spec"]}}})
            };
            let request = review(
                ("apps", "v1", "deployments"),
                "Deployment",
                (ns, op, user),
                None,
                template,
                None,
            );
            let response = answer(&server, &request).await;
            assert_eq!(response["allowed"], true, "deployment {desc}: {response}");
            let keys = keys(&response);
            assert!(
                !keys.contains(&"enforce-policy".to_owned()),
                "deployment {desc}: {response}"
            );
            let expectation = case["deployment"].as_str().unwrap_or("");
            if expectation.contains("warning") {
                assert!(
                    response["warnings"]
                        .as_array()
                        .is_some_and(|w| !w.is_empty()),
                    "deployment {desc}: {response}"
                );
            }
            if expectation.contains("audit-violations") {
                assert!(
                    keys.contains(&"audit-violations".to_owned()),
                    "deployment {desc}: {response}"
                );
            }
            if expectation.contains("error annotation") {
                assert!(
                    keys.contains(&"error".to_owned()),
                    "deployment {desc}: {response}"
                );
            }
            if case["deployment_only"].as_bool() == Some(true) {
                assert!(
                    response["warnings"].is_null(),
                    "deployment {desc}: {response}"
                );
            }
            if let Some(expected) = case["audit_annotations"].as_object()
                && expected.contains_key("exempt")
            {
                assert_eq!(
                    response["auditAnnotations"]["exempt"], expected["exempt"],
                    "deployment {desc}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} reviews checked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_label_goldens_over_https() {
    let Some(dir) = reference_dir() else { return };
    let golden = read_yaml(dir.join("namespace_validate.yaml"));
    let mut checked = 0;
    for case in golden["cases"].as_array().expect("cases") {
        // Cases that list pods use upstream's fake evaluator; kensa-pss's
        // conformance test covers them. Here: everything about the labels.
        if case["expectListPods"].as_bool() == Some(true) {
            continue;
        }
        let name = case["name"].as_str().expect("name");
        let mut config = AdmissionConfig::default();
        config.exemptions.namespaces = strings(&case["exemptNamespaces"]);
        if !case["defaultPolicy"].is_null() {
            continue;
        }
        let cluster =
            json!({"apiVersion": "v1", "kind": "List", "items": [namespace("test", &[])]})
                .to_string();
        let server = Server::start_with(store_from_json(&cluster), config, |_| {}).await;
        let object = |labels: &Value| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "test", "labels": labels}});
        let old = (!case["oldLabels"].is_null()).then(|| object(&case["oldLabels"]));
        let op = if old.is_some() { "UPDATE" } else { "CREATE" };
        let request = review(
            ("", "v1", "namespaces"),
            "Namespace",
            ("test", op, "admin"),
            None,
            object(&case["newLabels"]),
            old,
        );
        let response = answer(&server, &request).await;
        assert_eq!(
            response["allowed"], case["expectAllowed"],
            "{name}: {response}"
        );
        if let Some(fragment) = case["expectErrorContains"].as_str() {
            let message = response["status"]["message"].as_str().unwrap_or("");
            assert!(message.contains(fragment), "{name}: {message}");
            assert!(
                message.starts_with(
                    "Namespace \"test\" is invalid: metadata.labels[pod-security.kubernetes.io/"
                ),
                "{name}: {message}"
            );
            assert_eq!(response["status"]["reason"], "Invalid");
            assert_eq!(response["status"]["code"], 422);
        }
        assert_eq!(
            strings(&response["warnings"]),
            strings(&case["expectWarnings"]),
            "{name}"
        );
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} namespace cases checked");
}

/// The dry run with real pods: tightening `enforce` on a namespace with
/// violating pods warns, one line per reason, grouped by controller.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tightening_enforce_warns_about_existing_pods() {
    let privileged = |name: &str, owner: Option<&str>| {
        let mut metadata = json!({"name": name, "namespace": "shop"});
        if let Some(uid) = owner {
            metadata["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": uid, "controller": true}]);
        }
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
               "spec": {"containers": [{"name": "c", "image": "x", "securityContext": {"privileged": true}}]}})
    };
    let cluster = json!({"apiVersion": "v1", "kind": "List", "items": [
        namespace("shop", &[]),
        privileged("web-b", Some("rs-1")),
        privileged("web-a", Some("rs-1")),
        privileged("job-x", None),
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ok", "namespace": "shop"},
         "spec": {"containers": [{"name": "c", "image": "x"}]}},
    ]})
    .to_string();
    let server = Server::start(store_from_json(&cluster)).await;
    let object = |labels: Value| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": labels}});
    let request = review(
        ("", "v1", "namespaces"),
        "Namespace",
        ("shop", "UPDATE", "admin"),
        None,
        object(json!({"pod-security.kubernetes.io/enforce": "baseline"})),
        Some(object(json!({}))),
    );
    let request = {
        let mut r = request;
        r["request"]["name"] = json!("shop");
        r
    };
    let response = answer(&server, &request).await;
    assert_eq!(response["allowed"], true);
    let warnings: Vec<&str> = response["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        warnings,
        [
            "existing pods in namespace \"shop\" violate the new PodSecurity enforce level \"baseline:latest\"",
            "job-x (and 2 other pods): privileged",
        ],
        "{response}"
    );
}
