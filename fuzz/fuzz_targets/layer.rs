//! The layer walker on any bytes (plain or gzip): an index or an error,
//! never a panic, and every indexed path inside the root.
#![no_main]

use kensa_image::layers::{FileIndex, Keep, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut index = FileIndex::new();
    let limits = Limits {
        max_layer_bytes: 16 << 20,
        max_ratio: 200,
        max_kept_bytes: 1 << 20,
        max_extract_bytes: 1 << 20,
    };
    if index.apply_layer("fuzz", 0, data, limits, |_, _, _| Keep::Content).is_ok() {
        for (path, _) in index.iter() {
            assert!(!path.starts_with('/') && !path.split('/').any(|p| p == ".." || p.is_empty()));
            let _ = index.resolve(path);
        }
    }
});
