//! The webhook's request decoding and decision: any bytes give an answer
//! (HTTP 400 text or a review echoing the uid), never a panic.
#![no_main]

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use kensa_server::admission::Reviewer;
use kensa_server::state::Store;
use libfuzzer_sys::fuzz_target;

static REVIEWER: LazyLock<Reviewer> = LazyLock::new(|| {
    let store = Store::new();
    store.put_namespace(
        "dev".into(),
        BTreeMap::from([("pod-security.kubernetes.io/enforce".into(), "restricted".into())]),
    );
    store.set_ready();
    Reviewer::new(Default::default(), Arc::new(store))
});

fuzz_target!(|data: &[u8]| {
    let reviewed = REVIEWER.review(data);
    assert!(reviewed.status == 200 || reviewed.status == 400);
});
