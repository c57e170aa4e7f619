//! OCI image layouts.
use std::path::Path;

use super::{ReadOptions, Resolved, SourceError};

/// Resolves `oci:DIR[:TAG]`.
pub fn resolve(
    dir: &Path,
    _tag: Option<&str>,
    _name: &str,
    _options: &ReadOptions,
) -> Result<Resolved, SourceError> {
    Err(SourceError::BadReference {
        reference: dir.display().to_string(),
        message: "todo".into(),
    })
}
