//! Parsing throughput: a generated `kubectl get pods -A -o json` list (10,000
//! realistic pods with status, about 4.5 KB each) and the same as YAML.
//!
//! `cargo bench -p kensa-k8s` prints time per parse and MB/s.

use std::sync::LazyLock;

use divan::Bencher;
use divan::counter::BytesCount;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "pods_gen.rs"]
mod pods_gen;

fn main() {
    divan::main();
}

const PODS: usize = 10_000;

static JSON: LazyLock<String> = LazyLock::new(|| pods_gen::pods_json(PODS));
static YAML: LazyLock<String> = LazyLock::new(|| pods_gen::pods_yaml(PODS));

#[divan::bench(sample_count = 10)]
fn json_pod_list(bencher: Bencher<'_, '_>) {
    let input = JSON.as_bytes();
    bencher.counter(BytesCount::new(input.len())).bench(|| {
        let loaded = kensa_k8s::parse_bytes("pods.json", input);
        assert_eq!(loaded.objects.len(), PODS);
        loaded
    });
}

#[divan::bench(sample_count = 10)]
fn yaml_pod_list(bencher: Bencher<'_, '_>) {
    let input = YAML.as_bytes();
    bencher.counter(BytesCount::new(input.len())).bench(|| {
        let loaded = kensa_k8s::parse_bytes("pods.yaml", input);
        assert_eq!(loaded.objects.len(), PODS);
        loaded
    });
}

/// The same list through `parse_bytes_map`, keeping one small value per pod
/// (what a checker keeps): no typed objects pile up.
#[divan::bench(sample_count = 10)]
fn json_pod_list_map(bencher: Bencher<'_, '_>) {
    let input = JSON.as_bytes();
    bencher.counter(BytesCount::new(input.len())).bench(|| {
        let mapped = kensa_k8s::parse_bytes_map("pods.json", input, |o| o.position);
        assert_eq!(mapped.items.len(), PODS);
        mapped
    });
}
