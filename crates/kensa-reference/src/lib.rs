//! For tests only: where the upstream reference data lives, and what a test
//! does when it is not there.
//!
//! The data is `$KENSA_REFERENCE`, or `../shared/reference` next to the
//! workspace; the corpus is its sibling `../corpus`. A conformance test
//! asks for a folder with [`dir`]; when the folder (or the file that proves
//! it is complete) is missing, the test prints a `SKIP` line and returns,
//! except under `CI=true`, where a missing folder is a failure: CI must
//! never pass by skipping.
#![forbid(unsafe_code)]

use std::path::PathBuf;

/// `$KENSA_REFERENCE`, else `../shared/reference` next to the workspace.
pub fn root() -> PathBuf {
    std::env::var_os("KENSA_REFERENCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference")
        })
}

/// [`root`]`/relative` when `probe` exists inside it (`""`: the folder
/// itself). Otherwise `None` after a `SKIP` line, or a panic under
/// `CI=true`.
pub fn dir(relative: &str, probe: &str) -> Option<PathBuf> {
    let dir = root().join(relative);
    if dir.join(probe).exists() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "reference data not found at {} (set KENSA_REFERENCE); required when CI=true",
            dir.join(probe).display()
        );
    }
    eprintln!(
        "SKIP: reference data not found at {}; set KENSA_REFERENCE to run this test",
        dir.join(probe).display()
    );
    None
}

/// Built images the image tests read (`scripts/images/build-fixtures.sh`):
/// `$KENSA_IMAGE_FIXTURES`, else `~/.cache/kensa-fixtures/images`, when it
/// holds `debian.tar`; otherwise a `SKIP` line, or a panic under `CI=true`.
pub fn image_fixtures() -> Option<PathBuf> {
    let dir = std::env::var_os("KENSA_IMAGE_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/kensa-fixtures/images")
        });
    if dir.join("debian.tar").exists() && dir.join("busybox/index.json").exists() {
        return Some(dir);
    }
    let message = format!(
        "image fixtures not found at {}; run scripts/images/build-fixtures.sh",
        dir.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message} (required when CI=true)");
    }
    eprintln!("SKIP: {message}");
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_present_folder_is_found_and_an_absent_one_skipped() {
        let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        // SAFETY-free: tests of this crate run in their own process.
        let found = dir(here.to_str().expect("utf-8"), "Cargo.toml");
        assert_eq!(found, Some(here.clone()));
        if std::env::var("CI").as_deref() != Ok("true") {
            assert_eq!(dir(here.to_str().expect("utf-8"), "no-such-file"), None);
        }
    }
}
