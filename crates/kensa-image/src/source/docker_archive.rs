//! docker save archives.
use std::path::Path;

use super::{Resolved, SourceError};

/// Resolves `docker-archive:FILE[:TAG]`.
pub fn resolve(file: &Path, _tag: Option<&str>, _name: &str) -> Result<Resolved, SourceError> {
    Err(SourceError::BadReference {
        reference: file.display().to_string(),
        message: "todo".into(),
    })
}
