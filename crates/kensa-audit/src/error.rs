//! The crate's error type.

/// What can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A line or document that is not an audit event.
    #[error("not an audit event: {0}")]
    NotAnEvent(String),
    /// A timestamp that is not RFC 3339.
    #[error("invalid timestamp {0:?}: expected RFC 3339, e.g. 2025-03-14T08:51:07.000022Z")]
    InvalidTimestamp(String),
    /// A file that cannot be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    // ---- detect ----
    /// A detection rule id (or Falco rule name) that no rule has.
    #[error("unknown detection rule {0:?}: see the rule list for valid ids")]
    UnknownRule(String),
}
