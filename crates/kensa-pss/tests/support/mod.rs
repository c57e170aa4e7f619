//! Locating `../shared/reference` (or `$KENSA_REFERENCE`) for conformance tests.
//! Absent reference data is a skip locally and a failure under `CI=true`.

use std::path::PathBuf;

/// The `reference/pss` folder, or `None` (after saying so) when it is absent outside CI.
pub fn pss_dir() -> Option<PathBuf> {
    let base = std::env::var_os("KENSA_REFERENCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference")
        });
    let dir = base.join("pss");
    if dir.join("expectations.json").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "reference data not found at {} (set KENSA_REFERENCE); required when CI=true",
            dir.display()
        );
    }
    eprintln!(
        "SKIP: reference data not found at {}; set KENSA_REFERENCE to run conformance tests",
        dir.display()
    );
    None
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
