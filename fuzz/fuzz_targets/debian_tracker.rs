//! The Debian security-tracker parser on any bytes: records or an error,
//! never a panic, and every advisory in a `debian:` namespace.
#![no_main]

use kensa_vuln::import::debian;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(records) = debian::parse(data) {
        assert!(records.advisories.iter().all(|a| a.namespace.starts_with("debian:")));
    }
});
