//! Advisory importers: pure parsers per format, and the walk over files,
//! directories and zips that feeds them to the database.
//!
//! Formats are told apart by content, not by file name:
//! - an OSV record is a JSON object with `id` and `affected` or
//!   `modified` (or a JSON array of them);
//! - an Alpine/Wolfi/Chainguard secdb has `packages` and `distroversion`,
//!   `reponame` or `apkurl` (YAML files are always read as secdb);
//! - a Debian security-tracker file is an object of source packages, each
//!   an object of CVE-keyed objects.
//!
//! A file that cannot be read as its format is an error naming it; one
//! bad record inside a good file is a warning and the rest is imported.

pub mod alpine;
pub mod debian;
pub mod osv;

use crate::error::{Error, Result};
use crate::model::{Advisory, Vulnerability};
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The biggest single file or zip member read (a guard against zip bombs
/// and mistaken paths; the whole Debian tracker is about 80 MiB).
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// An input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// OSV JSON.
    Osv,
    /// Alpine, Wolfi or Chainguard secdb (JSON or YAML).
    Secdb,
    /// The Debian security tracker's JSON.
    DebianTracker,
}

impl Format {
    /// The name recorded as a source's `kind` and as the data source.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Osv => "osv",
            Format::Secdb => "secdb",
            Format::DebianTracker => "debian-tracker",
        }
    }
}

/// What a parser read from one input.
#[derive(Debug, Default, Clone)]
pub struct Records {
    /// Per-package advisories.
    pub advisories: Vec<Advisory>,
    /// Vulnerability details.
    pub vulnerabilities: Vec<Vulnerability>,
    /// Bad records skipped, with where they are.
    pub warnings: Vec<String>,
    /// OSV `GIT` ranges, which name commits, not versions, and are not
    /// matched.
    pub git_ranges_ignored: usize,
    /// Withdrawn OSV records skipped.
    pub withdrawn_skipped: usize,
}

impl Records {
    /// Appends another input's records.
    pub fn extend(&mut self, other: Records) {
        self.advisories.extend(other.advisories);
        self.vulnerabilities.extend(other.vulnerabilities);
        self.warnings.extend(other.warnings);
        self.git_ranges_ignored += other.git_ranges_ignored;
        self.withdrawn_skipped += other.withdrawn_skipped;
    }
}

/// The format of a JSON document, by its shape.
pub fn detect_json(value: &Value) -> Option<Format> {
    match value {
        Value::Array(items) => items
            .first()
            .is_some_and(osv::looks_like)
            .then_some(Format::Osv),
        Value::Object(map) => {
            if osv::looks_like(value) {
                Some(Format::Osv)
            } else if map.contains_key("packages")
                && ["distroversion", "reponame", "apkurl"]
                    .iter()
                    .any(|key| map.contains_key(*key))
            {
                Some(Format::Secdb)
            } else if debian::looks_like(map) {
                Some(Format::DebianTracker)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Parses one file's bytes in the format they show. `file` names it in
/// errors; `namespace` is the secdb override (`wolfi`, `chainguard`).
pub fn parse_file(file: &Path, bytes: &[u8], namespace: Option<&str>) -> Result<(Format, Records)> {
    let name = file.display().to_string();
    let is_yaml = file
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("yaml") || ext.eq_ignore_ascii_case("yml"));
    if is_yaml {
        let records = alpine::parse_with(bytes, namespace)
            .map_err(|e| with_path(e, file))?
            .ok_or_else(|| Error::NamespaceNeeded {
                path: file.to_owned(),
            })?;
        return Ok((Format::Secdb, records));
    }
    let syntax = |e: serde_json::Error| {
        Error::parse(format!("{name}:{}:{}", e.line(), e.column()), e.to_string())
    };
    let unknown = || Error::UnknownFormat {
        path: file.to_owned(),
    };
    // A top-level object is first read with its values unparsed: the
    // Debian tracker is tens of megabytes, and is then parsed one package
    // at a time instead of as one tree.
    let (format, records) = match serde_json::from_slice::<BTreeMap<String, &RawValue>>(bytes) {
        Ok(map) if !map.contains_key("id") && !map.contains_key("packages") => {
            if !debian::looks_like_raw(&map) {
                return Err(unknown());
            }
            (Format::DebianTracker, debian::from_raw(map))
        }
        _ => {
            let value: Value = serde_json::from_slice(bytes).map_err(syntax)?;
            let format = detect_json(&value).ok_or_else(unknown)?;
            (format, parse_value(value, format, namespace, file)?)
        }
    };
    let records = Records {
        warnings: records
            .warnings
            .into_iter()
            .map(|w| format!("{name}: {w}"))
            .collect(),
        ..records
    };
    Ok((format, records))
}

fn parse_value(
    value: Value,
    format: Format,
    namespace: Option<&str>,
    file: &Path,
) -> Result<Records> {
    Ok(match format {
        Format::Osv => osv::from_json(value),
        Format::Secdb => alpine::from_json(value, namespace)
            .map_err(|e| with_path(e, file))?
            .ok_or_else(|| Error::NamespaceNeeded {
                path: file.to_owned(),
            })?,
        Format::DebianTracker => debian::from_json(value),
    })
}

fn with_path(error: Error, file: &Path) -> Error {
    error.in_file(&file.display().to_string())
}

/// One parsed input file (or zip member).
#[derive(Debug)]
pub struct Parsed {
    /// The file (for zip members: `archive.zip!member.json`).
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
    /// What it held.
    pub records: Records,
}

/// Reads a path: a file, a directory (recursively, `*.json`, `*.yaml`,
/// `*.yml`, in name order) or a `.zip` of JSON files, handing each parsed
/// file to `each`.
pub fn read_path(
    path: &Path,
    namespace: Option<&str>,
    each: &mut dyn FnMut(Parsed) -> Result<()>,
) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(io)?;
    if metadata.is_dir() {
        let mut entries = std::fs::read_dir(path)
            .map_err(io)?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(io)?;
        entries.sort();
        for entry in entries {
            let wanted = entry.is_dir()
                || entry.extension().is_some_and(|ext| {
                    ["json", "yaml", "yml", "zip"]
                        .iter()
                        .any(|known| ext.eq_ignore_ascii_case(known))
                });
            if wanted {
                read_path(&entry, namespace, each)?;
            }
        }
        return Ok(());
    }
    if path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("zip"))
    {
        return read_zip(path, namespace, each);
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let bytes = read_capped(file, path)?;
    let (format, records) = parse_file(path, &bytes, namespace)?;
    each(Parsed {
        path: path.to_owned(),
        format,
        records,
    })
}

fn read_capped(reader: impl Read, path: &Path) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::parse(
            path.display().to_string(),
            format!("larger than {MAX_FILE_BYTES} bytes"),
        ));
    }
    Ok(bytes)
}

fn read_zip(
    path: &Path,
    namespace: Option<&str>,
    each: &mut dyn FnMut(Parsed) -> Result<()>,
) -> Result<()> {
    let zip_error = |source| Error::Zip {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut archive = zip::ZipArchive::new(file).map_err(zip_error)?;
    for index in 0..archive.len() {
        let member = archive.by_index(index).map_err(zip_error)?;
        let name = member.name().map_err(zip_error)?.into_owned();
        let is_json = member.is_file() && name.to_ascii_lowercase().ends_with(".json");
        if !is_json {
            continue;
        }
        let member_path = PathBuf::from(format!("{}!{name}", path.display()));
        let bytes = read_capped(member, &member_path)?;
        let (format, records) = parse_file(&member_path, &bytes, namespace)?;
        each(Parsed {
            path: member_path,
            format,
            records,
        })?;
    }
    Ok(())
}

/// Strings of a JSON value that should be a list of strings; anything else
/// gives none.
pub(crate) fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// A string field, or empty.
pub(crate) fn text(value: Option<&Value>) -> String {
    value.and_then(Value::as_str).unwrap_or_default().to_owned()
}
