//! The cluster snapshot the server's runtime scans read (`kubectl get
//! pods,replicasets,... -o json`): any bytes give images or an error,
//! never a panic or an endless owner chain.
#![no_main]

use kensa_server::vm::runtime_scan::images_from_snapshot;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = images_from_snapshot(data, "fuzz");
});
