//! Root filesystem directories.
use std::path::Path;

use super::{Resolved, SourceError};
use crate::layers::{FileIndex, Limits};

/// Resolves `dir:ROOTFS`.
pub fn resolve(dir: &Path, _name: &str) -> Result<Resolved, SourceError> {
    Err(SourceError::BadReference {
        reference: dir.display().to_string(),
        message: "todo".into(),
    })
}

/// Indexes a directory tree.
pub fn index_directory(
    _dir: &Path,
    _index: &mut FileIndex,
    _limits: Limits,
) -> Result<(), SourceError> {
    Ok(())
}
