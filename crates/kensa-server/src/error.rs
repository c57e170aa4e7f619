//! Errors of the server crate.

/// What can go wrong starting or running the server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The certificate or key could not be read or used.
    #[error("TLS certificate {cert} / key {key}: {source}")]
    Tls {
        /// The certificate file.
        cert: String,
        /// The key file.
        key: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The snapshot file could not be read or has a broken document.
    #[error("snapshot {path}: {message}")]
    Snapshot {
        /// The file.
        path: String,
        /// The first problem.
        message: String,
    },
    /// The listening socket could not be opened or the server failed.
    #[error("serving on {address}: {source}")]
    Serve {
        /// The address.
        address: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The configuration is unusable.
    #[error("{0}")]
    Config(String),
}
