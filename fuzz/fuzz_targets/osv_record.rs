//! The OSV parser on any bytes: records or an error, never a panic, and
//! every advisory keyed (namespace, package and ID not empty).
#![no_main]

use kensa_vuln::import::osv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(records) = osv::parse(data) {
        assert!(records.advisories.iter().all(|a| {
            !a.namespace.is_empty() && !a.package.is_empty() && !a.vulnerability_id.is_empty()
        }));
    }
});
