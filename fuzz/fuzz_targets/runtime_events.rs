//! What crosses the agent's socket and ring buffer: event JSON read back by
//! `kensa runtime events` and raw records decoded from the BPF ring buffer;
//! any input gives an event or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kensa_runtime::kernel::abi::decode(data);
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(event) = kensa_runtime::stream::events_from_json(&value) {
            let _ = kensa_runtime::events::to_compact(&event);
            let _ = kensa_runtime::events::to_json(&event);
        }
        let _ = kensa_runtime::stream::compact_line(&value);
    }
});
