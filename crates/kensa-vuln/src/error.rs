//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong reading, importing or querying
/// vulnerability data.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Input that is not what its format says (the location names the
    /// file, and the record or line where known).
    #[error("{location}: {message}")]
    Parse {
        /// File, record or line; empty until the importer knows the file.
        location: String,
        /// What is wrong.
        message: String,
    },
    /// A file whose format kensa does not recognise.
    #[error("{}: not an OSV record, an Alpine/Wolfi secdb or a Debian security-tracker file", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// A secdb without `distroversion` whose distribution cannot be told.
    #[error("{}: the secdb names no distroversion; pass its namespace (wolfi or chainguard)", path.display())]
    NamespaceNeeded {
        /// The file.
        path: PathBuf,
    },
    /// No database in the directory.
    #[error("no vulnerability database in {}: run kensa db import", dir.display())]
    Missing {
        /// The database directory.
        dir: PathBuf,
    },
    /// A database written by another version of kensa.
    #[error("the vulnerability database in {} has schema version {found}, this kensa reads {expected}: run kensa db import", dir.display())]
    SchemaVersion {
        /// The database directory.
        dir: PathBuf,
        /// The version found.
        found: i64,
        /// The version this build reads and writes.
        expected: i64,
    },
    /// SQLite failed.
    #[error("{}: database error: {source}", path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The cause.
        source: rusqlite::Error,
    },
    /// A zip archive could not be read.
    #[error("{}: {source}", path.display())]
    Zip {
        /// The archive.
        path: PathBuf,
        /// The cause.
        source: zip::result::ZipError,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A parse error at a location inside the input (a record, a line).
    pub(crate) fn parse(location: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Parse {
            location: location.into(),
            message: message.into(),
        }
    }

    /// Prefixes a parse error's location with the file it came from.
    pub(crate) fn in_file(self, file: &str) -> Error {
        match self {
            Error::Parse { location, message } if location.is_empty() => Error::Parse {
                location: file.to_owned(),
                message,
            },
            Error::Parse { location, message } => Error::Parse {
                location: format!("{file}: {location}"),
                message,
            },
            other => other,
        }
    }
}
