//! Evaluation throughput on already-parsed pods: `cargo bench -p kensa-pss --bench evaluate`.
//!
//! Target (issue #2): at least 1,000,000 pod specs per second per core for
//! `restricted:latest` on typical pods. Divan reports time per pod; the
//! throughput is 1 / that time.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kensa_pss::Evaluator;
use kensa_pss::api::{Level, LevelVersion, Version};

// The same allocator as the `kensa` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

/// A hardened two-container pod, as a restricted-compliant Deployment renders it.
const COMPLIANT: &str = r#"{
  "metadata": {"name": "checkout-7d9c8b6f5d-x2kqp", "namespace": "shop",
    "labels": {"app.kubernetes.io/name": "checkout", "pod-template-hash": "7d9c8b6f5d"},
    "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-01T10:00:00Z"}},
  "spec": {
    "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "fsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [
      {"name": "app", "image": "registry.example/checkout:1.4.2",
       "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
       "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
       "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
       "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}}},
      {"name": "envoy", "image": "envoyproxy/envoy:v1.31",
       "ports": [{"containerPort": 15001}],
       "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}
    ],
    "volumes": [
      {"name": "kube-api-access-abcde", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}},
      {"name": "tmp", "emptyDir": {}}
    ]
  }
}"#;

/// A typical unhardened pod: no security context, a hostPath log volume, an init container.
const TYPICAL_FAILING: &str = r#"{
  "metadata": {"name": "web-5f7b9c-abcde", "namespace": "default", "labels": {"app": "web"}},
  "spec": {
    "initContainers": [{"name": "migrate", "image": "web:1.0", "command": ["migrate"]}],
    "containers": [
      {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}]},
      {"name": "logs", "image": "fluent-bit:3", "securityContext": {"runAsUser": 0}}
    ],
    "volumes": [
      {"name": "varlog", "hostPath": {"path": "/var/log"}},
      {"name": "kube-api-access-abcde", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}}
    ]
  }
}"#;

fn pod(json: &str) -> (ObjectMeta, PodSpec) {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    (
        serde_json::from_value(value["metadata"].clone()).unwrap(),
        serde_json::from_value(value["spec"].clone()).unwrap(),
    )
}

const RESTRICTED_LATEST: LevelVersion = LevelVersion {
    level: Level::Restricted,
    version: Version::Latest,
};
const BASELINE_LATEST: LevelVersion = LevelVersion {
    level: Level::Baseline,
    version: Version::Latest,
};

fn fixture(name: &str) -> (ObjectMeta, PodSpec) {
    pod(if name == "compliant" {
        COMPLIANT
    } else {
        TYPICAL_FAILING
    })
}

#[divan::bench(args = ["compliant", "typical-failing"])]
fn restricted_latest(bencher: divan::Bencher, name: &str) {
    let (meta, spec) = fixture(name);
    let evaluator = Evaluator::global();
    bencher.bench(|| {
        evaluator.evaluate(
            divan::black_box(RESTRICTED_LATEST),
            divan::black_box(&meta),
            divan::black_box(&spec),
        )
    });
}

#[divan::bench(args = ["compliant", "typical-failing"])]
fn baseline_latest(bencher: divan::Bencher, name: &str) {
    let (meta, spec) = fixture(name);
    let evaluator = Evaluator::global();
    bencher.bench(|| {
        evaluator.evaluate(
            divan::black_box(BASELINE_LATEST),
            divan::black_box(&meta),
            divan::black_box(&spec),
        )
    });
}

/// Every pod of the bundled example cluster (system components, an ingress
/// controller, a demo shop; 8 of 39 pass restricted), evaluated in turn: the
/// "typical pods" figure. Reported as pods per second.
#[divan::bench]
fn restricted_latest_example_cluster(bencher: divan::Bencher) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/cluster-snapshot.json"
    );
    let list: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let pods: Vec<(ObjectMeta, PodSpec)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["kind"] == "Pod")
        .map(|item| {
            (
                serde_json::from_value(item["metadata"].clone()).unwrap(),
                serde_json::from_value(item["spec"].clone()).unwrap(),
            )
        })
        .collect();
    let evaluator = Evaluator::global();
    bencher
        .counter(divan::counter::ItemsCount::new(pods.len()))
        .bench(|| {
            for (meta, spec) in &pods {
                divan::black_box(evaluator.evaluate(RESTRICTED_LATEST, meta, spec));
            }
        });
}

/// The full message for a failing pod, as `kensa pss check` prints it.
#[divan::bench]
fn restricted_latest_with_message(bencher: divan::Bencher) {
    let (meta, spec) = pod(TYPICAL_FAILING);
    let evaluator = Evaluator::global();
    bencher.bench(|| {
        evaluator
            .evaluate(
                RESTRICTED_LATEST,
                divan::black_box(&meta),
                divan::black_box(&spec),
            )
            .enforce_message()
    });
}
