//! The seccomp profile parser and validator never panic, and a parsed
//! profile survives its own JSON output, diff, merge and SPO rendering.
#![no_main]

use kensa_seccomp::diff::diff;
use kensa_seccomp::profile::{Profile, merge_profiles};
use kensa_seccomp::validate::{Target, validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = validate(text, Target::Oci);
    let _ = validate(text, Target::ContainerdLocalhost);
    let Ok(profile) = Profile::from_json(text) else {
        return;
    };
    // What we write, we read back identically.
    let again = Profile::from_json(&profile.to_json()).expect("own output parses");
    assert_eq!(again, profile);
    assert!(diff(&profile, &again).is_empty());
    let _ = kensa_seccomp::spo::to_spo(&profile, "fuzz", None);
    if let Ok(merged) = merge_profiles(&profile, &profile) {
        let _ = validate(&merged.to_json(), Target::Oci);
    }
});
