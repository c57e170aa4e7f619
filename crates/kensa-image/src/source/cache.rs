//! Downloaded layers, kept by diff ID so an image that shares layers with
//! one scanned before (or the same image again) downloads only what is new.
//!
//! Layout: `DIR/sha256/<diff-id hex>` holds the blob as the registry sent
//! it, and `DIR/sha256/<diff-id hex>.digest` that blob's digest, so a hit
//! is checked against the bytes actually stored (the same diff ID can come
//! compressed differently from another registry). Files are written to a
//! temporary name in the same directory and renamed: a download that fails
//! or is killed leaves nothing behind under the final name.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::{Blob, LayerBlob, SourceError, digest};

/// The layer cache.
#[derive(Debug, Clone)]
pub struct LayerCache {
    dir: PathBuf,
}

/// The default cache directory: `$KENSA_CACHE_DIR/layers`, else
/// `$XDG_CACHE_HOME/kensa/layers`, else `~/.cache/kensa/layers`.
pub fn default_dir() -> PathBuf {
    kensa_cache_root().join("layers")
}

/// `$KENSA_CACHE_DIR`, else `$XDG_CACHE_HOME/kensa`, else `~/.cache/kensa`.
pub fn kensa_cache_root() -> PathBuf {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("KENSA_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = var("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("kensa");
    }
    let home = var("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".cache").join("kensa")
}

fn hex_part(digest: &str) -> Option<&str> {
    let hex = digest.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

impl LayerCache {
    /// A cache in `dir` (created on first store).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        LayerCache { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, diff_id: &str) -> Option<PathBuf> {
        hex_part(diff_id).map(|hex| self.dir.join("sha256").join(hex))
    }

    /// The cached blob for this diff ID, with the digest to check it by.
    pub fn lookup(&self, diff_id: &str) -> Option<Blob> {
        let path = self.path_of(diff_id)?;
        let digest = fs::read_to_string(path.with_extension("digest")).ok()?;
        let digest = digest.trim();
        hex_part(digest)?;
        path.is_file().then(|| Blob {
            at: LayerBlob::File(path),
            digest: Some(digest.to_owned()),
        })
    }

    /// Stores a blob read from `reader`, checking it has `blob_digest` before
    /// it is given its final name. `progress` gets the bytes written so far.
    pub fn store(
        &self,
        diff_id: &str,
        blob_digest: &str,
        reader: impl Read,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Blob, SourceError> {
        let bad = |message: &str| SourceError::BadManifest {
            location: self.dir.display().to_string(),
            message: message.to_owned(),
        };
        let path = self
            .path_of(diff_id)
            .ok_or_else(|| bad(&format!("diff ID {diff_id} is not a sha256 digest")))?;
        hex_part(blob_digest)
            .ok_or_else(|| bad(&format!("blob digest {blob_digest} is not a sha256 digest")))?;
        let parent = path.parent().unwrap_or(&self.dir).to_owned();
        let io = |source: io::Error| SourceError::Io {
            path: parent.clone(),
            source,
        };
        fs::create_dir_all(&parent).map_err(io)?;
        let mut temp = tempfile::NamedTempFile::new_in(&parent).map_err(io)?;
        let mut hashing = digest::Verifying::new(reader);
        let mut buffer = vec![0u8; 256 << 10];
        let mut written = 0u64;
        loop {
            let n = hashing.read(&mut buffer).map_err(io)?;
            if n == 0 {
                break;
            }
            temp.write_all(&buffer[..n]).map_err(io)?;
            written += n as u64;
            progress(written);
        }
        hashing.finish(blob_digest, &format!("download of {blob_digest}"))?;
        temp.as_file().sync_all().map_err(io)?;
        let mut digest_file = tempfile::NamedTempFile::new_in(&parent).map_err(io)?;
        digest_file.write_all(blob_digest.as_bytes()).map_err(io)?;
        digest_file
            .persist(path.with_extension("digest"))
            .map_err(|e| io(e.error))?;
        temp.persist(&path).map_err(|e| io(e.error))?;
        Ok(Blob {
            at: LayerBlob::File(path),
            digest: Some(blob_digest.to_owned()),
        })
    }
}
