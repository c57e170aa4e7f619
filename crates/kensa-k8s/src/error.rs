//! The crate's error type.
//!
//! Parsing reports problems as [`crate::Diagnostic`]s, never as errors: an
//! [`Error`] only comes from the I/O edge ([`crate::read_input`]), and
//! [`crate::load`] turns it into a diagnostic too.

use std::path::PathBuf;

/// What can go wrong at the I/O edge.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The path as given.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Standard input could not be read.
    #[error("cannot read standard input: {0}")]
    Stdin(#[source] std::io::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
