//! The errors of this crate.

/// Errors of `kensa-scan`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A compliance spec, ignore file or other input could not be read.
    #[error("{source_name}:{line}:{column}: {message}")]
    Parse {
        /// The file (or `<stdin>`, or a built-in spec's name).
        source_name: String,
        /// 1-based line; 0 when unknown.
        line: u32,
        /// 1-based column; 0 when unknown.
        column: u32,
        /// What is wrong.
        message: String,
    },
    /// A compliance spec name that kensa does not know.
    #[error(
        "unknown compliance spec {0:?} (known: k8s-pss-baseline-0.1, k8s-pss-restricted-0.1, k8s-nsa-1.0, k8s-cis-1.23)"
    )]
    UnknownSpec(String),
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
