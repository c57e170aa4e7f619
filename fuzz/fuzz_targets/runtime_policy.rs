//! TracingPolicy YAML: any bytes give policies and errors, never a panic;
//! what parses is validated, planned and compiled into the kernel tables.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (policies, _errors) = kensa_runtime::parse_policies("fuzz.yaml", &text);
    let mut planned = Vec::new();
    for policy in policies {
        if !kensa_runtime::validate(&policy).is_empty() {
            continue;
        }
        if let Ok(plan) = kensa_runtime::plan(&policy) {
            planned.push((policy, plan));
        }
    }
    for mode in [kensa_runtime::compile::Mode::Run, kensa_runtime::compile::Mode::Agent] {
        if let Ok(compiled) = kensa_runtime::compile::compile(
            &planned,
            mode,
            &|_| None,
            &kensa_runtime::namespaces::HostNamespaces::default(),
        ) {
            for hook in &compiled.hooks {
                let _ = kensa_runtime::kernel::abi::encode_hook(hook);
            }
        }
    }
});
