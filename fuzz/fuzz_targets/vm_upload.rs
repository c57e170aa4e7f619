//! The server's upload documents: any bytes either fail to decode or are
//! validated with an answer, never a panic. The query-string parser of the
//! lists gets the same treatment through `ListParams`.
#![no_main]

use kensa_server::vm::ingest::validate;
use kensa_server::vm::upload::{ImageScanUpload, MisconfigurationUpload};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(upload) = serde_json::from_slice::<ImageScanUpload>(data) {
        let _ = validate(&upload);
    }
    let _ = serde_json::from_slice::<MisconfigurationUpload>(data);
});
