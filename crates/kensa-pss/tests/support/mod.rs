//! Locating `../shared/reference` (or `$KENSA_REFERENCE`) for conformance tests.
//! Absent reference data is a skip locally and a failure under `CI=true`.

use std::path::PathBuf;

/// The `reference/pss` folder, or `None` (after saying so) when it is absent outside CI.
pub fn pss_dir() -> Option<PathBuf> {
    kensa_reference::dir("pss", "expectations.json")
}

/// Reads a YAML or JSON file into a JSON value.
pub fn read_value(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    } else {
        serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }
}
