//! Locating `../shared/corpus` (next to `$KENSA_REFERENCE`) for conformance
//! tests. Absent data is a skip locally and a failure under `CI=true`.

use std::path::PathBuf;

/// The shared corpus folder, or `None` (after saying so) when it is absent outside CI.
pub fn corpus_dir() -> Option<PathBuf> {
    kensa_reference::dir("../corpus", "insecure")
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
