//! The crate's error type.

/// What can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file that cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    // --- profiles (profile, resolve, validate, diff, spo, advise) ---
    /// A profile that cannot be parsed: `path` names the field
    /// (`syscalls[3].action`; empty for the whole document).
    #[error("bad seccomp profile{}: {reason}", if path.is_empty() { String::new() } else { format!(" at {path}") })]
    BadProfile {
        /// The field, as `syscalls[3].args[0].op`.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Two profiles that cannot be merged.
    #[error("cannot merge profiles: {reason}")]
    Merge {
        /// Why.
        reason: String,
    },
    /// An architecture name that is not known.
    #[error("unknown architecture {0:?}")]
    UnknownArch(String),
    /// A profile that the Security Profiles Operator's CRD cannot hold.
    #[error("not representable as a SeccompProfile: {0}")]
    Spo(String),
    // --- end profiles ---
}
