//! Which files to read, and in which order: directories are expanded, and
//! rotated sets are grouped into one stream each, oldest backup first.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Where log text comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Standard input (`-`).
    Stdin,
    /// A file, plain or gzip-compressed (told by its first bytes).
    File(PathBuf),
}

impl Source {
    /// The name used in messages: the path as given, or `-`.
    pub fn display(&self) -> String {
        match self {
            Source::Stdin => "-".to_string(),
            Source::File(path) => path.display().to_string(),
        }
    }

    /// The size on disk, when known (not for stdin).
    pub fn disk_size(&self) -> Option<u64> {
        match self {
            Source::Stdin => None,
            Source::File(path) => std::fs::metadata(path).ok().map(|meta| meta.len()),
        }
    }
}

/// Files read one after the other as one log: a rotated set (oldest backup
/// first, the live file last), or stdin. One stream per API server, typically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    /// A name for messages: the live file's path, or `-`.
    pub name: String,
    /// The files, in reading order.
    pub sources: Vec<Source>,
}

impl Stream {
    /// The sizes on disk summed (what a progress bar counts up to); stdin
    /// counts 0.
    pub fn disk_size(&self) -> u64 {
        self.sources.iter().filter_map(Source::disk_size).sum()
    }
}

/// Expands directories (their `*.log`, `*.log.gz`, `*.json`, `*.jsonl`,
/// `*.gz` and `*.log.N` files, recursively, hidden ones left out) and groups
/// files into streams: files in one directory that share a base name once
/// the rotation suffix is removed (lumberjack's
/// `<name>-<YYYY-MM-DDTHH-MM-SS.mmm><ext>`, logrotate's `<name>.N`, an added
/// `.gz`) are one rotated set. `-` is stdin. Streams come in the order their
/// first file was named.
pub fn plan(paths: &[PathBuf]) -> Result<Vec<Stream>> {
    let mut files = Vec::new();
    let mut stdin = false;
    for path in paths {
        if path.as_os_str() == "-" {
            stdin = true;
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        if meta.is_dir() {
            walk(path, &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    let mut streams: Vec<(Vec<(RotationOrder, PathBuf)>, String)> = Vec::new();
    let mut index: HashMap<(PathBuf, String), usize> = HashMap::new();
    for file in files {
        let name = file
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (base, order) = rotation(&name);
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let key = (dir.clone(), base.clone());
        let slot = *index.entry(key).or_insert_with(|| {
            streams.push((Vec::new(), dir.join(&base).display().to_string()));
            streams.len() - 1
        });
        let members = &mut streams[slot].0;
        if !members.iter().any(|(_, known)| *known == file) {
            members.push((order, file));
        }
    }
    let mut planned: Vec<Stream> = streams
        .into_iter()
        .map(|(mut members, name)| {
            members.sort();
            Stream {
                name,
                sources: members
                    .into_iter()
                    .map(|(_, path)| Source::File(path))
                    .collect(),
            }
        })
        .collect();
    if stdin {
        planned.push(Stream {
            name: "-".to_string(),
            sources: vec![Source::Stdin],
        });
    }
    Ok(planned)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let io = |source| Error::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<std::io::Result<_>>()
        .map_err(io)?;
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, files)?;
        } else if is_log_name(&name) {
            files.push(path);
        }
    }
    Ok(())
}

fn is_log_name(name: &str) -> bool {
    let plain = name.strip_suffix(".gz").unwrap_or(name);
    name.ends_with(".gz")
        || [".log", ".json", ".jsonl"]
            .iter()
            .any(|ext| plain.ends_with(ext))
        || logrotate_number(plain).is_some_and(|(base, _)| base.ends_with(".log"))
}

/// Where a file sits in its rotated set. Derived order: numbered backups
/// (highest number oldest), then timestamped backups (oldest first), then
/// the live file (a compressed one before a plain one of the same name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum RotationOrder {
    Numbered(std::cmp::Reverse<u64>),
    Timestamped(String),
    Live { plain: bool },
}

/// The base name of a file's rotated set, and its place in the set.
fn rotation(name: &str) -> (String, RotationOrder) {
    let (plain, gz) = match name.strip_suffix(".gz") {
        Some(plain) => (plain, true),
        None => (name, false),
    };
    if let Some((base, number)) = logrotate_number(plain) {
        return (
            base.to_string(),
            RotationOrder::Numbered(std::cmp::Reverse(number)),
        );
    }
    if let Some((at, stamp)) = lumberjack_stamp(plain) {
        let base = format!("{}{}", &plain[..at], &plain[at + 1 + stamp.len()..]);
        return (base, RotationOrder::Timestamped(stamp.to_string()));
    }
    (plain.to_string(), RotationOrder::Live { plain: !gz })
}

/// `audit.log.3` -> (`audit.log`, 3).
fn logrotate_number(name: &str) -> Option<(&str, u64)> {
    let (base, number) = name.rsplit_once('.')?;
    if base.is_empty() || number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((base, number.parse().ok()?))
}

/// Finds `-YYYY-MM-DDTHH-MM-SS.mmm` in a lumberjack backup name: the index of
/// the `-` and the stamp after it.
fn lumberjack_stamp(name: &str) -> Option<(usize, &str)> {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd-dd-dd.ddd";
    let bytes = name.as_bytes();
    (1..bytes.len()).rev().find_map(|at| {
        if bytes[at] != b'-' {
            return None;
        }
        let stamp = bytes.get(at + 1..at + 1 + SHAPE.len())?;
        let fits = stamp.iter().zip(SHAPE).all(|(&b, &shape)| match shape {
            b'd' => b.is_ascii_digit(),
            other => b == other,
        });
        fits.then(|| (at, &name[at + 1..at + 1 + SHAPE.len()]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_names() {
        assert_eq!(
            rotation("audit-2025-03-14T09-00-00.512.log.gz"),
            (
                "audit.log".to_string(),
                RotationOrder::Timestamped("2025-03-14T09-00-00.512".into())
            )
        );
        assert_eq!(
            rotation("kube-apiserver-audit-2025-03-14T09-00-00.512.log"),
            (
                "kube-apiserver-audit.log".to_string(),
                RotationOrder::Timestamped("2025-03-14T09-00-00.512".into())
            )
        );
        assert_eq!(
            rotation("audit.log"),
            ("audit.log".into(), RotationOrder::Live { plain: true })
        );
        assert_eq!(
            rotation("audit.log.gz"),
            ("audit.log".into(), RotationOrder::Live { plain: false })
        );
        assert_eq!(
            rotation("audit.log.2.gz"),
            (
                "audit.log".into(),
                RotationOrder::Numbered(std::cmp::Reverse(2))
            )
        );
        assert!(
            RotationOrder::Numbered(std::cmp::Reverse(2))
                < RotationOrder::Numbered(std::cmp::Reverse(1))
        );
        assert!(RotationOrder::Timestamped("2025".into()) < RotationOrder::Live { plain: false });
        assert!(RotationOrder::Live { plain: false } < RotationOrder::Live { plain: true });
        assert!(is_log_name("audit.log.1"));
        assert!(is_log_name("x.jsonl"));
        assert!(!is_log_name("policy.yaml"));
        assert!(!is_log_name("notes.txt.1"));
    }
}
