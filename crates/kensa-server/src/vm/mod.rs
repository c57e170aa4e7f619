//! Vulnerability management (`kensa serve`): the inventory of clusters,
//! namespaces, applications, images, packages and vulnerabilities, kept
//! in SQLite or PostgreSQL, with a web UI and a REST API over it.
//!
//! - [`db`]: the pool and the versioned migrations;
//! - [`upload`]: the documents scanners post; [`ingest`] writes one in a
//!   single transaction;
//! - [`query`]: the lists (filters, sorting, paging) and the dashboard,
//!   with parameterized SQL only; [`decision`]: accepting or ignoring
//!   findings, and their OpenVEX export;
//! - [`runtime_scan`]: the server scanning a cluster's images itself;
//! - [`web`] and [`api`]: the HTML pages and `/api/v1`.

use std::path::PathBuf;

pub mod api;
pub mod csv;
pub mod db;
pub mod decision;
pub mod ingest;
pub mod metrics;
pub mod query;
pub mod runtime_scan;
pub mod security;
pub mod upload;
pub mod web;

pub use db::{Db, Dialect};

/// What can go wrong in the inventory.
#[derive(Debug, thiserror::Error)]
pub enum VmError {
    /// The `--db` URL is neither `sqlite://` nor `postgres://`.
    #[error("unsupported database URL {0} (use sqlite://PATH or postgres://...)")]
    BadDatabaseUrl(String),
    /// Connecting failed.
    #[error("connecting to {url}: {source}")]
    Connect {
        /// The URL, password redacted.
        url: String,
        /// Why.
        source: sqlx::Error,
    },
    /// The database was migrated by a newer kensa.
    #[error(
        "the database has schema version {found}, newer than this kensa knows ({known}); upgrade kensa"
    )]
    SchemaTooNew {
        /// The version found.
        found: i64,
        /// The newest this build has.
        known: i64,
    },
    /// An applied migration differs from this build's.
    #[error("migration {0} in the database differs from this build's; refusing to start")]
    MigrationChanged(i64),
    /// A query failed.
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    /// A file could not be created or read.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An upload or a request is malformed.
    #[error("{0}")]
    Invalid(String),
    /// The thing asked for does not exist.
    #[error("{0} not found")]
    NotFound(String),
}

/// The current time in Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Severities as stored: 0 unknown .. 4 critical.
pub const SEVERITIES: [&str; 5] = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"];

/// The stored number of a severity name (any case).
pub fn severity_rank(name: &str) -> Option<i64> {
    SEVERITIES
        .iter()
        .position(|s| s.eq_ignore_ascii_case(name.trim()))
        .and_then(|i| i64::try_from(i).ok())
}

/// The name of a stored severity.
pub fn severity_name(rank: i64) -> &'static str {
    usize::try_from(rank)
        .ok()
        .and_then(|i| SEVERITIES.get(i))
        .copied()
        .unwrap_or("UNKNOWN")
}
