//! The package-database parsers (dpkg status, apk installed) on any text:
//! packages or notes, never a panic, and every package with a name and a
//! version.
#![no_main]

use kensa_image::catalog::{Found, apk, dpkg};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut found = Found::default();
    dpkg::parse(&text, "var/lib/dpkg/status", 0, &mut found);
    dpkg::parse(&text, "var/lib/dpkg/status.d/x", 0, &mut found);
    apk::parse(&text, "lib/apk/db/installed", 0, &mut found);
    assert!(found.packages.iter().all(|p| !p.name.is_empty() && !p.version.is_empty()));
});
