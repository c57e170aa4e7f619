//! The crate's error type.

/// What can go wrong when parsing Pod Security settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A level other than privileged, baseline or restricted.
    #[error("invalid level {0:?}: must be one of privileged, baseline, restricted")]
    InvalidLevel(String),
    /// A version other than `latest` or `v1.N`.
    #[error("invalid version {0:?}: must be \"latest\" or \"v1.x\"")]
    InvalidVersion(String),
    /// A PodSecurityConfiguration that does not parse or validate.
    #[error("invalid PodSecurityConfiguration: {0}")]
    InvalidConfiguration(String),
}
