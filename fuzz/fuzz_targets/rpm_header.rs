//! The rpm header parser on any bytes: a header or an error, never a
//! panic, and every file path built from the header's own strings.
#![no_main]

use kensa_image::catalog::rpm;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(header) = rpm::parse_header(data) {
        assert!(header.files.len() <= data.len());
        if let Some(package) = rpm::package(header) {
            assert!(!package.name.is_empty() && !package.version.is_empty());
        }
    }
});
