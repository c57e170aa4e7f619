//! The Java archive extractor and decoder on any bytes: packages or notes,
//! never a panic, and every package with a name and a version.
#![no_main]

use kensa_image::catalog::{Found, java};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut found = Found::default();
    if let Some(evidence) = java::extract(data) {
        java::packages(&evidence, "fuzz.jar", &mut found);
    }
    java::packages(data, "fuzz.jar", &mut found);
    assert!(found.packages.iter().all(|p| !p.name.is_empty() && !p.version.is_empty()));
});
