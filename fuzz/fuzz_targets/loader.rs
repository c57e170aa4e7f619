//! Any bytes: `parse_bytes` must never panic, and what it reports must be
//! consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let loaded = kensa_k8s::parse_bytes("fuzz", data);
    assert!(loaded.objects.len() <= loaded.documents);
    for d in &loaded.diagnostics {
        assert!(d.position.line >= 1 && d.position.column >= 1, "{d}");
    }
    for o in &loaded.objects {
        assert!(o.position.line >= 1 && o.position.column >= 1);
        assert!(o.pod.is_some() || o.body.is_some() || o.is_pod_bearing_kind());
    }
});
