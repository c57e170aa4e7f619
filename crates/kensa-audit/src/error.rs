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
    // --- read: the reader (line.rs, read/) ---
    /// A line that is not an event, in `--strict` mode.
    #[error("{path}:{line}: {reason}")]
    BadLine {
        /// The file, as given.
        path: String,
        /// The line number, from 1.
        line: u64,
        /// What was wrong.
        reason: String,
    },
    /// An input too large for what was asked of it (a whole-file JSON
    /// document, or a single line).
    #[error("{path}: {what} larger than {limit} bytes")]
    TooLarge {
        /// The file, as given.
        path: String,
        /// What was too large.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    // --- policy (audit-policy branch) ---
    /// An audit policy the API server would refuse to load.
    #[error("bad audit policy at line {line}, column {column}: {reason}")]
    BadPolicy {
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// What is wrong.
        reason: String,
    },
    /// A request described on the command line that cannot be evaluated.
    #[error("invalid request for policy evaluation: {0}")]
    BadRequest(String),
    // --- end policy ---

    // ---- query ----
    /// A `--where` expression (or field name) that does not parse.
    #[error("--where {expr:?}: {reason}")]
    BadQuery {
        /// The expression as given.
        expr: String,
        /// What is wrong, and what would be right.
        reason: String,
    },
}
