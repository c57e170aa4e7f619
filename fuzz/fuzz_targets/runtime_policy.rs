//! TracingPolicy YAML: any bytes give policies and errors, never a panic;
//! what parses is validated and planned.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (policies, _errors) = kensa_runtime::parse_policies("fuzz.yaml", &text);
    for policy in &policies {
        let _ = kensa_runtime::validate(policy);
        let _ = kensa_runtime::plan(policy);
    }
});
