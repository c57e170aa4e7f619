//! The executable extractor and the Go and cargo-auditable decoders on any
//! bytes: evidence or nothing, never a panic; what is kept decodes again.
#![no_main]

use kensa_image::catalog::binary::{self, Evidence};
use kensa_image::catalog::{Found, cargo_auditable, golang};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut found = Found::default();
    if let Some(record) = binary::extract(data) {
        let evidence = Evidence::decode(&record).expect("a kept record decodes");
        golang::packages(&evidence, &mut found);
        if let Some(section) = &evidence.cargo_dep_v0 {
            let _ = cargo_auditable::crates(section);
        }
    }
    // The decoders also see records that were not written by the extractor.
    if let Some(evidence) = Evidence::decode(data) {
        golang::packages(&evidence, &mut found);
    }
    let _ = cargo_auditable::crates(data);
    assert!(found.packages.iter().all(|p| !p.name.is_empty()));
});
