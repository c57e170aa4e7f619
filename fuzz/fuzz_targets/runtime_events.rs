//! What crosses the agent's socket and ring buffer, and what it reads about
//! pods: event JSON read back by `kensa runtime events`, raw records decoded
//! from the BPF ring buffer, and a `kubectl get pods -o json` snapshot; any
//! input gives a value or an error, never a panic. The direct JSON writer
//! must write exactly what the `Value` tree serializes to.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kensa_runtime::kernel::abi::decode(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = kensa_runtime::pods::parse_pods("fuzz.json", text);
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(event) = kensa_runtime::stream::events_from_json(&value) {
            let _ = kensa_runtime::events::to_compact(&event);
            let tree = serde_json::to_vec(&kensa_runtime::events::to_json(&event))
                .expect("a Value serializes");
            let mut direct = Vec::new();
            kensa_runtime::events::write_json(&event, &mut direct);
            assert_eq!(direct, tree, "write_json differs from to_json");
        }
        let _ = kensa_runtime::stream::compact_line(&value);
    }
});
