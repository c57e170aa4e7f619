//! TLS for the webhook: rustls with the ring provider, the certificate and
//! key read from PEM files and reloaded when they change.
//!
//! Reloading polls the files' metadata (following symlinks) rather than
//! using inotify: Kubernetes updates a mounted Secret by swapping a symlink
//! to a new directory, which a watch on the old files would miss. A change
//! that does not load (a half-written file, a key that does not match) keeps
//! the old certificate and is retried on the next change or poll.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum_server::tls_rustls::RustlsConfig;

use crate::Error;

/// Makes ring the process's rustls provider (once; later calls are no-ops).
/// kensa builds rustls with ring only, never aws-lc or OpenSSL.
pub fn install_ring_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Reads the certificate chain and key into a server configuration.
pub async fn load(cert: &Path, key: &Path) -> Result<RustlsConfig, Error> {
    install_ring_provider();
    RustlsConfig::from_pem_file(cert, key)
        .await
        .map_err(|source| Error::Tls {
            cert: cert.display().to_string(),
            key: key.display().to_string(),
            source,
        })
}

/// What identifies a version of a file: its modification time and length
/// (of the symlink's target).
fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// Watches `cert` and `key` every `every` and reloads `config` when either
/// changed. `on_reload` is told the outcome of each reload (for logs and
/// metrics). Runs until the task is dropped.
pub async fn watch(
    config: RustlsConfig,
    cert: PathBuf,
    key: PathBuf,
    every: Duration,
    on_reload: Arc<dyn Fn(Result<(), Error>) + Send + Sync>,
) {
    let mut seen = (stamp(&cert), stamp(&key));
    let mut failed = None;
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let now = (stamp(&cert), stamp(&key));
        if now == seen || failed.as_ref() == Some(&now) {
            continue;
        }
        let outcome = config
            .reload_from_pem_file(&cert, &key)
            .await
            .map_err(|source| Error::Tls {
                cert: cert.display().to_string(),
                key: key.display().to_string(),
                source,
            });
        if outcome.is_ok() {
            seen = now;
            failed = None;
        } else {
            // Said once per version of the files; the next change retries.
            failed = Some(now);
        }
        on_reload(outcome);
    }
}
