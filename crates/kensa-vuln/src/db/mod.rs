//! The local vulnerability database: `vulns.db` (SQLite) and
//! `metadata.json` in one directory ([`Database::default_dir`]).
//!
//! # Schema (version [`SCHEMA_VERSION`], kept in `PRAGMA user_version`)
//!
//! ```sql
//! -- What one source says about one vulnerability in one package of one
//! -- namespace; the latest import of the same key replaces it.
//! CREATE TABLE advisories (
//!     namespace        TEXT NOT NULL, -- debian:12, alpine:3.19, wolfi, go, pypi, ...
//!     package          TEXT NOT NULL, -- source package / normalised name
//!     vulnerability_id TEXT NOT NULL,
//!     status           TEXT NOT NULL, -- fixed, affected, will_not_fix, fix_deferred,
//!                                     -- end_of_life, not_affected, unknown
//!     severity         TEXT NOT NULL, -- the source's rating: UNKNOWN..CRITICAL
//!     ranges           TEXT NOT NULL, -- JSON [{"events": [{"introduced": "0"}, {"fixed": "1.2"}]}]
//!     versions         TEXT NOT NULL, -- JSON ["1.0", ...], listed affected versions
//!     fixed_versions   TEXT NOT NULL, -- JSON, every fixed event (for queries)
//!     data_source      TEXT NOT NULL, -- osv, alpine-secdb, wolfi-secdb, debian-tracker
//!     PRIMARY KEY (namespace, package, vulnerability_id)
//! ) WITHOUT ROWID;
//! -- What is known about a vulnerability; several sources merge into one
//! -- row, a later non-empty field replacing an earlier one.
//! CREATE TABLE vulnerabilities (
//!     id TEXT PRIMARY KEY, aliases TEXT NOT NULL, -- JSON array
//!     title TEXT NOT NULL, description TEXT NOT NULL, severity TEXT NOT NULL,
//!     cvss TEXT NOT NULL,                          -- JSON [{kind, vector, score}]
//!     refs TEXT NOT NULL,                          -- JSON array of URLs
//!     published TEXT, modified TEXT, data_source TEXT NOT NULL
//! );
//! ```
//!
//! # Imports are all or nothing
//!
//! [`import`] copies `vulns.db` to a temporary file in the same
//! directory, imports into the copy in one transaction, syncs it and
//! renames it over `vulns.db`, then writes `metadata.json` the same way.
//! A failed or killed import leaves the previous database as it was.

mod metadata;

pub use metadata::{Metadata, Source, now_rfc3339, rfc3339};

use crate::error::{Error, Result};
use crate::import::{self, Format, Parsed};
use crate::model::{Advisory, Cvss, FixState, Range, Severity, Vulnerability};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::fmt;
use std::path::{Path, PathBuf};

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: i64 = 1;
/// The database file's name.
pub const DB_FILE: &str = "vulns.db";
/// The metadata file's name.
pub const METADATA_FILE: &str = "metadata.json";

const SCHEMA: &str = "
CREATE TABLE advisories (
    namespace TEXT NOT NULL, package TEXT NOT NULL, vulnerability_id TEXT NOT NULL,
    status TEXT NOT NULL, severity TEXT NOT NULL, ranges TEXT NOT NULL,
    versions TEXT NOT NULL, fixed_versions TEXT NOT NULL, data_source TEXT NOT NULL,
    PRIMARY KEY (namespace, package, vulnerability_id)
) WITHOUT ROWID;
CREATE TABLE vulnerabilities (
    id TEXT PRIMARY KEY, aliases TEXT NOT NULL, title TEXT NOT NULL,
    description TEXT NOT NULL, severity TEXT NOT NULL, cvss TEXT NOT NULL,
    refs TEXT NOT NULL, published TEXT, modified TEXT, data_source TEXT NOT NULL
);
";

/// An open database, read-only.
#[derive(Debug)]
pub struct Database {
    dir: PathBuf,
    connection: Connection,
    metadata: Metadata,
}

impl Database {
    /// `$KENSA_CACHE_DIR/db`, else `$XDG_CACHE_HOME/kensa/db`, else
    /// `~/.cache/kensa/db` (empty variables count as unset).
    pub fn default_dir() -> PathBuf {
        let var = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
        if let Some(dir) = var("KENSA_CACHE_DIR") {
            return PathBuf::from(dir).join("db");
        }
        if let Some(dir) = var("XDG_CACHE_HOME") {
            return PathBuf::from(dir).join("kensa").join("db");
        }
        var("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(".cache")
            .join("kensa")
            .join("db")
    }

    /// Opens the database in `dir`; an error that says to run `kensa db
    /// import` when there is none or its schema is another version's.
    pub fn open(dir: &Path) -> Result<Database> {
        let path = dir.join(DB_FILE);
        if !path.is_file() {
            return Err(Error::Missing {
                dir: dir.to_owned(),
            });
        }
        let connection = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| sqlite(&path, source))?;
        let found = schema_version(&connection, &path)?;
        if found != SCHEMA_VERSION {
            return Err(Error::SchemaVersion {
                dir: dir.to_owned(),
                found,
                expected: SCHEMA_VERSION,
            });
        }
        let metadata = read_metadata(dir)?.ok_or_else(|| Error::Missing {
            dir: dir.to_owned(),
        })?;
        Ok(Database {
            dir: dir.to_owned(),
            connection,
            metadata,
        })
    }

    /// The directory it was opened from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Its `metadata.json`.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// How many advisories and vulnerabilities it holds.
    pub fn counts(&self) -> Result<(usize, usize)> {
        let count = |table: &str| -> Result<usize> {
            self.connection
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                    row.get::<_, i64>(0)
                })
                .map(|n| usize::try_from(n).unwrap_or(0))
                .map_err(|source| self.error(source))
        };
        Ok((count("advisories")?, count("vulnerabilities")?))
    }

    /// Each namespace and its number of advisories, by name.
    pub fn namespaces(&self) -> Result<Vec<(String, usize)>> {
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT namespace, count(*) FROM advisories GROUP BY namespace ORDER BY namespace",
            )
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    usize::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
                ))
            })
            .map_err(|source| self.error(source))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|source| self.error(source))
    }

    /// Every advisory for a package in a namespace, by vulnerability ID.
    pub fn advisories(&self, namespace: &str, package: &str) -> Result<Vec<Advisory>> {
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT vulnerability_id, status, severity, ranges, versions, data_source
                 FROM advisories WHERE namespace = ?1 AND package = ?2 ORDER BY vulnerability_id",
            )
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map(params![namespace, package], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                ))
            })
            .map_err(|source| self.error(source))?;
        let mut advisories = Vec::new();
        for row in rows {
            let (id, status, severity, ranges, versions, data_source) =
                row.map_err(|source| self.error(source))?;
            let ranges: Vec<Range> = self.json(&ranges, &id)?;
            let versions: Vec<String> = self.json(&versions, &id)?;
            advisories.push(Advisory {
                namespace: namespace.to_owned(),
                package: package.to_owned(),
                vulnerability_id: id,
                ranges,
                versions,
                status: FixState::parse(&status).unwrap_or_default(),
                severity: severity_from_db(&severity),
                data_source,
            });
        }
        Ok(advisories)
    }

    /// What is known about a vulnerability.
    pub fn vulnerability(&self, id: &str) -> Result<Option<Vulnerability>> {
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT aliases, title, description, severity, cvss, refs, published, modified,
                        data_source FROM vulnerabilities WHERE id = ?1",
            )
            .map_err(|source| self.error(source))?;
        let row = statement
            .query_row(params![id], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, Option<String>>(6)?,
                    row.get::<_, Option<String>>(7)?,
                    row.get::<_, String>(8)?,
                ))
            })
            .optional()
            .map_err(|source| self.error(source))?;
        let Some((
            aliases,
            title,
            description,
            severity,
            cvss,
            refs,
            published,
            modified,
            data_source,
        )) = row
        else {
            return Ok(None);
        };
        Ok(Some(Vulnerability {
            id: id.to_owned(),
            aliases: self.json(&aliases, id)?,
            title,
            description,
            severity: severity_from_db(&severity),
            cvss: self.json::<Vec<Cvss>>(&cvss, id)?,
            references: self.json(&refs, id)?,
            published,
            modified,
            data_source,
        }))
    }

    fn json<T: serde::de::DeserializeOwned>(&self, text: &str, id: &str) -> Result<T> {
        serde_json::from_str(text).map_err(|e| {
            Error::parse(
                format!("{} ({id})", self.dir.join(DB_FILE).display()),
                format!("corrupt JSON column: {e}"),
            )
        })
    }

    fn error(&self, source: rusqlite::Error) -> Error {
        sqlite(&self.dir.join(DB_FILE), source)
    }
}

fn sqlite(path: &Path, source: rusqlite::Error) -> Error {
    Error::Sqlite {
        path: path.to_owned(),
        source,
    }
}

fn schema_version(connection: &Connection, path: &Path) -> Result<i64> {
    connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(|source| sqlite(path, source))
}

fn severity_from_db(text: &str) -> Severity {
    Severity::parse(text).unwrap_or_default()
}

/// `metadata.json` in `dir`, `None` when there is none.
pub fn read_metadata(dir: &Path) -> Result<Option<Metadata>> {
    let path = dir.join(METADATA_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(Error::Io { path, source }),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| Error::parse(path.display().to_string(), e.to_string()))
}

/// A path to import, with the namespace for a secdb that does not name
/// its distribution (`wolfi`, `chainguard`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSource {
    /// A file, directory or zip.
    pub path: PathBuf,
    /// The namespace override.
    pub namespace: Option<String>,
}

/// Progress of an import, for a progress bar or log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportEvent {
    /// Starting on a path given to [`import`].
    Started {
        /// The path.
        path: PathBuf,
    },
    /// One file (or zip member) read and stored.
    File {
        /// The file.
        path: PathBuf,
        /// Its format.
        format: Format,
        /// Advisories stored from it.
        advisories: usize,
    },
    /// A bad record skipped.
    Warning(String),
    /// Everything is read; the new database is being put in place.
    Committing,
}

impl fmt::Display for ImportEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportEvent::Started { path } => write!(f, "importing {}", path.display()),
            ImportEvent::File {
                path,
                format,
                advisories,
            } => write!(
                f,
                "{}: {} advisories ({})",
                path.display(),
                advisories,
                format.as_str()
            ),
            ImportEvent::Warning(warning) => write!(f, "warning: {warning}"),
            ImportEvent::Committing => f.write_str("writing the database"),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// The paths imported, as recorded in the metadata.
    pub sources: Vec<Source>,
    /// Advisories stored (replacing ones with the same key).
    pub advisories: usize,
    /// Vulnerability records stored or merged.
    pub vulnerabilities: usize,
    /// Bad records skipped.
    pub warnings: Vec<String>,
    /// OSV `GIT` ranges ignored.
    pub git_ranges_ignored: usize,
    /// Withdrawn OSV records skipped.
    pub withdrawn_skipped: usize,
}

/// Imports `paths` (formats detected) into the database in `dir`,
/// creating it if needed. See [`import_sources`].
pub fn import(
    dir: &Path,
    paths: &[PathBuf],
    progress: impl FnMut(ImportEvent),
) -> Result<ImportSummary> {
    let sources: Vec<ImportSource> = paths
        .iter()
        .map(|path| ImportSource {
            path: path.clone(),
            namespace: None,
        })
        .collect();
    import_sources(dir, &sources, progress)
}

/// Removes a temporary file unless the import got to rename it.
struct Temporary(PathBuf);

impl Drop for Temporary {
    fn drop(&mut self) {
        // Best effort: the file may already be renamed away.
        let _ = std::fs::remove_file(&self.0);
        let _ = std::fs::remove_file(journal_of(&self.0));
    }
}

fn journal_of(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-journal");
    PathBuf::from(name)
}

/// Imports into the database in `dir`: all of it or, on any error, none
/// of it (see the module documentation). A database of another schema
/// version is replaced by a new one.
pub fn import_sources(
    dir: &Path,
    sources: &[ImportSource],
    mut progress: impl FnMut(ImportEvent),
) -> Result<ImportSummary> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let db_path = dir.join(DB_FILE);
    let temporary = Temporary(dir.join(format!(".{DB_FILE}.{}.tmp", std::process::id())));
    let _ = std::fs::remove_file(&temporary.0);

    let mut metadata = Metadata::default();
    // A database of another schema, or one SQLite cannot read, is not
    // carried over: the import starts a new one, which is how a user
    // repairs it.
    let current_usable = db_path.is_file()
        && Connection::open_with_flags(&db_path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .ok()
            .and_then(|current| schema_version(&current, &db_path).ok())
            == Some(SCHEMA_VERSION);
    if current_usable {
        std::fs::copy(&db_path, &temporary.0).map_err(io(&db_path))?;
        metadata = read_metadata(dir)?.unwrap_or_default();
    }

    let mut connection =
        Connection::open(&temporary.0).map_err(|source| sqlite(&temporary.0, source))?;
    let db_error = |source| sqlite(&temporary.0, source);
    // The copy is private until renamed, and synced before that.
    connection
        .execute_batch("PRAGMA synchronous = OFF;")
        .map_err(db_error)?;
    if schema_version(&connection, &temporary.0)? != SCHEMA_VERSION {
        connection
            .execute_batch(&format!(
                "{SCHEMA}\nPRAGMA user_version = {SCHEMA_VERSION};"
            ))
            .map_err(db_error)?;
    }

    let mut summary = ImportSummary::default();
    let transaction = connection.transaction().map_err(db_error)?;
    for source in sources {
        progress(ImportEvent::Started {
            path: source.path.clone(),
        });
        let mut kinds: Vec<&'static str> = Vec::new();
        let mut stored = 0;
        import::read_path(
            &source.path,
            source.namespace.as_deref(),
            &mut |parsed: Parsed| {
                let advisories = store(&transaction, &parsed.records).map_err(db_error)?;
                stored += advisories;
                summary.advisories += advisories;
                summary.vulnerabilities += parsed.records.vulnerabilities.len();
                summary.git_ranges_ignored += parsed.records.git_ranges_ignored;
                summary.withdrawn_skipped += parsed.records.withdrawn_skipped;
                if !kinds.contains(&parsed.format.as_str()) {
                    kinds.push(parsed.format.as_str());
                }
                for warning in parsed.records.warnings {
                    progress(ImportEvent::Warning(warning.clone()));
                    summary.warnings.push(warning);
                }
                progress(ImportEvent::File {
                    path: parsed.path,
                    format: parsed.format,
                    advisories,
                });
                Ok(())
            },
        )?;
        summary.sources.push(Source {
            name: source
                .path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_else(|| source.path.display().to_string()),
            kind: kinds.join(","),
            path: source.path.display().to_string(),
            records: stored,
            imported_at: now_rfc3339(),
        });
    }
    progress(ImportEvent::Committing);
    transaction.commit().map_err(db_error)?;
    connection
        .close()
        .map_err(|(_, source)| sqlite(&temporary.0, source))?;
    std::fs::File::open(&temporary.0)
        .and_then(|file| file.sync_all())
        .map_err(io(&temporary.0))?;

    for source in &summary.sources {
        metadata.sources.retain(|known| known.path != source.path);
        metadata.sources.push(source.clone());
    }
    metadata.schema_version = SCHEMA_VERSION;
    metadata.built_at = now_rfc3339();
    let metadata_path = dir.join(METADATA_FILE);
    let metadata_temporary =
        Temporary(dir.join(format!(".{METADATA_FILE}.{}.tmp", std::process::id())));
    let text = serde_json::to_vec_pretty(&metadata)
        .map_err(|e| Error::parse(metadata_path.display().to_string(), e.to_string()))?;
    std::fs::write(&metadata_temporary.0, text).map_err(io(&metadata_temporary.0))?;

    std::fs::rename(&temporary.0, &db_path).map_err(io(&db_path))?;
    std::fs::rename(&metadata_temporary.0, &metadata_path).map_err(io(&metadata_path))?;
    Ok(summary)
}

/// Stores one input's records; returns the advisories written.
fn store(
    transaction: &rusqlite::Transaction<'_>,
    records: &import::Records,
) -> rusqlite::Result<usize> {
    let mut advisory = transaction.prepare_cached(
        "INSERT OR REPLACE INTO advisories (namespace, package, vulnerability_id, status,
             severity, ranges, versions, fixed_versions, data_source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for a in &records.advisories {
        advisory.execute(params![
            a.namespace,
            a.package,
            a.vulnerability_id,
            a.status.as_str(),
            a.severity.as_str(),
            json(&a.ranges),
            json(&a.versions),
            json(&a.fixed_versions()),
            a.data_source,
        ])?;
    }
    // A later source fills what it knows and keeps what it does not.
    let mut vulnerability = transaction.prepare_cached(
        "INSERT INTO vulnerabilities (id, aliases, title, description, severity, cvss, refs,
             published, modified, data_source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(id) DO UPDATE SET
             aliases = CASE WHEN excluded.aliases <> '[]' THEN excluded.aliases ELSE aliases END,
             title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE title END,
             description = CASE WHEN excluded.description <> ''
                 THEN excluded.description ELSE description END,
             severity = CASE WHEN excluded.severity <> 'UNKNOWN'
                 THEN excluded.severity ELSE severity END,
             cvss = CASE WHEN excluded.cvss <> '[]' THEN excluded.cvss ELSE cvss END,
             refs = CASE WHEN excluded.refs <> '[]' THEN excluded.refs ELSE refs END,
             published = coalesce(excluded.published, published),
             modified = coalesce(excluded.modified, modified),
             data_source = CASE WHEN excluded.description <> '' OR excluded.cvss <> '[]'
                 THEN excluded.data_source ELSE data_source END",
    )?;
    for v in &records.vulnerabilities {
        vulnerability.execute(params![
            v.id,
            json(&v.aliases),
            v.title,
            v.description,
            v.severity.as_str(),
            json(&v.cvss),
            json(&v.references),
            v.published,
            v.modified,
            v.data_source,
        ])?;
    }
    Ok(records.advisories.len())
}

/// JSON text of a column value (serialising these types cannot fail; an
/// empty list stands in if it ever did).
fn json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_owned())
}
