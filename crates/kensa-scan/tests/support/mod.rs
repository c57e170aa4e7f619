//! Locating `../shared/corpus` (next to `$KENSA_REFERENCE`) for conformance
//! tests. Absent data is a skip locally and a failure under `CI=true`.

use std::path::PathBuf;

/// The shared corpus folder, or `None` (after saying so) when it is absent outside CI.
pub fn corpus_dir() -> Option<PathBuf> {
    let reference = std::env::var_os("KENSA_REFERENCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference")
        });
    let dir = reference.join("../corpus");
    if dir.join("insecure").is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "corpus not found at {} (set KENSA_REFERENCE); required when CI=true",
            dir.display()
        );
    }
    eprintln!(
        "SKIP: corpus not found at {}; set KENSA_REFERENCE to run conformance tests",
        dir.display()
    );
    None
}

/// Every file under `dir`, sorted.
pub fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
