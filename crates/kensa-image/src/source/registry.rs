//! Registries over the OCI distribution API (being written).

use super::{Progress, ReadOptions, Resolved, SourceError};

/// Resolves a registry reference, downloading layers into the cache.
pub fn resolve(
    reference: &str,
    _name: &str,
    _options: &ReadOptions,
    _progress: &mut dyn FnMut(Progress),
) -> Result<Resolved, SourceError> {
    Err(SourceError::Registry {
        reference: reference.to_owned(),
        status: None,
        message: "registry sources are not built yet".into(),
    })
}
