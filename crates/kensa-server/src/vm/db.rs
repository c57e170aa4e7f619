//! The connection pool and the schema migrations.
//!
//! One pool type for both databases (sqlx's `Any` driver); the SQL is
//! written in the dialect both share: `$N` placeholders (SQLite binds `$N`
//! to the N-th value), `ON CONFLICT ... DO UPDATE`, `RETURNING`. Where the
//! dialects differ (the schema's identity columns) each has its own
//! migration file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ring::digest;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor, Row};

use crate::vm::VmError;

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Embedded SQLite (the default).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Dialect {
    /// Its name, as `kensa serve` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }
}

/// A migration: its version, name and SQL for each dialect.
struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// Every migration, oldest first. A released migration is never edited:
/// its checksum is recorded and checked at every start.
const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "inventory",
    sqlite: include_str!("../../migrations/sqlite/0001_inventory.sql"),
    postgres: include_str!("../../migrations/postgres/0001_inventory.sql"),
}];

/// The newest schema version this build knows.
pub fn schema_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The database: a pool and its dialect.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    dialect: Dialect,
    /// One writing transaction at a time from this process. SQLite has
    /// one writer anyway, and a deferred transaction that reads before it
    /// writes would fail rather than wait if another wrote in between; on
    /// PostgreSQL it keeps two uploads of one image from racing.
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// Where a plain `kensa serve` keeps its data.
pub fn default_sqlite_path() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("kensa").join("kensa.db")
}

/// The URL with any password replaced, for logs and errors.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let redacted = match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{user}:***@{host}")
        }
        None => authority.to_owned(),
    };
    // Query parameters may carry a password too (`?password=`).
    let tail = match tail.split_once('?') {
        Some((path, query)) if query.to_ascii_lowercase().contains("password") => {
            format!("{path}?***")
        }
        _ => tail.to_owned(),
    };
    format!("{scheme}://{redacted}{tail}")
}

impl Db {
    /// Connects to `url` (`sqlite://PATH` or `postgres://...`) and applies
    /// the migrations this build has and the database lacks. An SQLite
    /// file and its directory are created when missing.
    pub async fn connect(url: &str) -> Result<Db, VmError> {
        install_default_drivers();
        let (dialect, url) = if let Some(path) = url.strip_prefix("sqlite://") {
            let path = Path::new(path);
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|source| VmError::Io {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            (
                Dialect::Sqlite,
                format!("sqlite://{}?mode=rwc", path.display()),
            )
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Dialect::Postgres, url.to_owned())
        } else {
            return Err(VmError::BadDatabaseUrl(redact_url(url)));
        };
        let options = AnyPoolOptions::new()
            .max_connections(if dialect == Dialect::Sqlite { 4 } else { 8 })
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        // WAL: readers never wait for the ingest; a killed
                        // process leaves only whole transactions behind.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                             PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; \
                             PRAGMA wal_autocheckpoint = 4000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            });
        let pool = options
            .connect(&url)
            .await
            .map_err(|source| VmError::Connect {
                url: redact_url(&url),
                source,
            })?;
        let db = Db {
            pool,
            dialect,
            writer: std::sync::Arc::new(tokio::sync::Mutex::new(())),
        };
        db.migrate().await?;
        Ok(db)
    }

    /// The pool.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Waits for this process's turn to write; hold the guard for the
    /// whole transaction.
    pub async fn write_turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.writer.lock().await
    }

    /// The dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Applies the missing migrations, each in its own transaction, and
    /// checks that those applied before are the ones this build has.
    async fn migrate(&self) -> Result<(), VmError> {
        let mut conn = self.pool.acquire().await?;
        if self.dialect == Dialect::Postgres {
            // Replicas starting together take turns.
            conn.execute("SELECT pg_advisory_lock(7245368)").await?;
        }
        let result = self.migrate_locked(&mut conn).await;
        if self.dialect == Dialect::Postgres {
            conn.execute("SELECT pg_advisory_unlock(7245368)").await?;
        }
        result
    }

    async fn migrate_locked(&self, conn: &mut sqlx::AnyConnection) -> Result<(), VmError> {
        conn.execute(
            "CREATE TABLE IF NOT EXISTS kensa_migrations (version BIGINT PRIMARY KEY, \
             name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .await?;
        let applied =
            sqlx::query("SELECT version, checksum FROM kensa_migrations ORDER BY version")
                .fetch_all(&mut *conn)
                .await?;
        for row in &applied {
            let version: i64 = row.try_get(0)?;
            let checksum: String = row.try_get(1)?;
            let Some(known) = MIGRATIONS.iter().find(|m| m.version == version) else {
                return Err(VmError::SchemaTooNew {
                    found: version,
                    known: schema_version(),
                });
            };
            if checksum != self.checksum(known) {
                return Err(VmError::MigrationChanged(version));
            }
        }
        for migration in MIGRATIONS {
            let done = applied
                .iter()
                .any(|r| r.try_get::<i64, _>(0).ok() == Some(migration.version));
            if done {
                continue;
            }
            let mut tx = sqlx::Acquire::begin(&mut *conn).await?;
            sqlx::raw_sql(self.sql(migration)).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO kensa_migrations (version, name, checksum, applied_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(migration.version)
            .bind(migration.name)
            .bind(self.checksum(migration))
            .bind(crate::vm::now())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    fn sql(&self, migration: &Migration) -> &'static str {
        match self.dialect {
            Dialect::Sqlite => migration.sqlite,
            Dialect::Postgres => migration.postgres,
        }
    }

    fn checksum(&self, migration: &Migration) -> String {
        let hash = digest::digest(&digest::SHA256, self.sql(migration).as_bytes());
        hash.as_ref().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The schema versions applied, for `/healthz` and tests.
    pub async fn applied_versions(&self) -> Result<Vec<i64>, VmError> {
        let rows = sqlx::query("SELECT version FROM kensa_migrations ORDER BY version")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| r.try_get::<i64, _>(0).map_err(VmError::from))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(
            redact_url("postgres://kensa:s3cret@db:5432/kensa"),
            "postgres://kensa:***@db:5432/kensa"
        );
        assert_eq!(
            redact_url("postgres://db/kensa?user=k&password=s3cret"),
            "postgres://db/kensa?***"
        );
        assert_eq!(
            redact_url("sqlite:///var/lib/k.db"),
            "sqlite:///var/lib/k.db"
        );
    }
}
