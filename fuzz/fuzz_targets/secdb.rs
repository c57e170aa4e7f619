//! The Alpine/Wolfi secdb parser (JSON and YAML) on any bytes: records or
//! an error, never a panic; every advisory keyed, and a fixed advisory
//! has its fixed version.
#![no_main]

use kensa_vuln::FixState;
use kensa_vuln::import::alpine;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for namespace in [None, Some("wolfi")] {
        if let Ok(records) = alpine::parse(data, namespace) {
            assert!(records.advisories.iter().all(|a| {
                !a.namespace.is_empty()
                    && !a.package.is_empty()
                    && !a.vulnerability_id.is_empty()
                    && (a.status != FixState::Fixed || !a.fixed_versions().is_empty())
            }));
        }
    }
});
