//! The rpm database in its SQLite form (`rpmdb.sqlite`, the default since
//! rpm 4.16: Fedora 33+, RHEL 9, UBI 9, openSUSE): table
//! `Packages(hnum, blob)`, each blob one package's header without the
//! leading magic — a 4-byte index count, a 4-byte data length, that many
//! 16-byte index entries (tag, type, offset, count; big-endian) and the
//! data store they point into. Every offset is checked: the database is
//! as untrusted as the rest of the image.
//!
//! The version is `[EPOCH:]VERSION-RELEASE`; the source package and its
//! version come from `SOURCERPM` (`NAME-VERSION-RELEASE.src.rpm`, with the
//! binary's epoch, which the source shares). `gpg-pubkey` entries are keys,
//! not packages. The older BerkeleyDB (`Packages`) and NDB (`Packages.db`)
//! formats are not read; a note says so.
//!
//! SQLite needs a file: the kept bytes are written to a private temporary
//! file, opened read-only. A `-wal` file beside the database is not applied;
//! rpm checkpoints it into the database when it closes, leaving it empty.

use std::io::Write;

use super::{Cataloger, Found, Package, PackageType};
use crate::layers::{FileIndex, Keep};

/// Where rpm keeps its SQLite database.
pub const SQLITE_DATABASES: &[&str] = &[
    "var/lib/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
    "usr/share/rpm/rpmdb.sqlite",
];

/// The older formats, recognised to say they are not read.
const OTHER_DATABASES: &[(&str, &str)] = &[
    ("var/lib/rpm/Packages", "BerkeleyDB"),
    ("usr/lib/sysimage/rpm/Packages", "BerkeleyDB"),
    ("var/lib/rpm/Packages.db", "NDB"),
    ("usr/lib/sysimage/rpm/Packages.db", "NDB"),
];

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_LICENSE: u32 = 1014;
const TAG_ARCH: u32 = 1022;
const TAG_SOURCERPM: u32 = 1044;
const TAG_DIRINDEXES: u32 = 1116;
const TAG_BASENAMES: u32 = 1117;
const TAG_DIRNAMES: u32 = 1118;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// Why a header blob could not be read.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum HeaderError {
    /// Shorter than its own counts say.
    #[error("header truncated: {0}")]
    Truncated(&'static str),
    /// An entry points outside the data store.
    #[error("tag {tag} points outside the data store")]
    OutOfRange {
        /// The entry's tag.
        tag: u32,
    },
    /// Counts that cannot be real (more entries than bytes).
    #[error("header counts too large ({entries} entries, {data} data bytes)")]
    Implausible {
        /// Index entries claimed.
        entries: u32,
        /// Data bytes claimed.
        data: u32,
    },
}

/// The values of one header that kensa reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    /// NAME.
    pub name: String,
    /// VERSION.
    pub version: String,
    /// RELEASE.
    pub release: String,
    /// EPOCH, when set.
    pub epoch: Option<u32>,
    /// LICENSE.
    pub license: Option<String>,
    /// ARCH.
    pub arch: Option<String>,
    /// SOURCERPM (`bash-5.1.8-6.el9.src.rpm`).
    pub source_rpm: Option<String>,
    /// The installed files, DIRNAMES[DIRINDEXES[i]] + BASENAMES[i].
    pub files: Vec<String>,
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    let field: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(field))
}

/// Parses a header blob as the SQLite database stores it.
pub fn parse_header(blob: &[u8]) -> Result<Header, HeaderError> {
    let entries = be32(blob, 0).ok_or(HeaderError::Truncated("no index count"))?;
    let data = be32(blob, 4).ok_or(HeaderError::Truncated("no data length"))?;
    let implausible = HeaderError::Implausible { entries, data };
    let index_len = (entries as usize)
        .checked_mul(16)
        .ok_or(implausible.clone())?;
    let store_start = index_len.checked_add(8).ok_or(implausible.clone())?;
    let store_end = store_start
        .checked_add(data as usize)
        .ok_or(implausible.clone())?;
    if store_end > blob.len() {
        return Err(HeaderError::Truncated("shorter than its index and data"));
    }
    let store = &blob[store_start..store_end];
    let mut header = Header::default();
    let mut dir_indexes: Vec<u32> = Vec::new();
    let mut base_names: Vec<String> = Vec::new();
    let mut dir_names: Vec<String> = Vec::new();
    for n in 0..entries as usize {
        let at = 8 + n * 16;
        let (Some(tag), Some(kind), Some(offset), Some(count)) = (
            be32(blob, at),
            be32(blob, at + 4),
            be32(blob, at + 8),
            be32(blob, at + 12),
        ) else {
            return Err(HeaderError::Truncated("index entry"));
        };
        let out_of_range = HeaderError::OutOfRange { tag };
        let wanted = matches!(
            tag,
            TAG_NAME
                | TAG_VERSION
                | TAG_RELEASE
                | TAG_EPOCH
                | TAG_LICENSE
                | TAG_ARCH
                | TAG_SOURCERPM
                | TAG_DIRINDEXES
                | TAG_BASENAMES
                | TAG_DIRNAMES
        );
        if !wanted {
            continue;
        }
        let value = store.get(offset as usize..).ok_or(out_of_range.clone())?;
        match kind {
            TYPE_STRING | TYPE_I18NSTRING | TYPE_STRING_ARRAY => {
                let count = if kind == TYPE_STRING_ARRAY {
                    count as usize
                } else {
                    1
                };
                // Each string ends in a NUL; one that runs off the store is
                // out of range.
                let mut strings = Vec::new();
                let mut rest = value;
                for _ in 0..count {
                    let end = rest
                        .iter()
                        .position(|&b| b == 0)
                        .ok_or(out_of_range.clone())?;
                    strings.push(String::from_utf8_lossy(&rest[..end]).into_owned());
                    rest = &rest[end + 1..];
                }
                let first = strings.first().cloned().unwrap_or_default();
                match tag {
                    TAG_NAME => header.name = first,
                    TAG_VERSION => header.version = first,
                    TAG_RELEASE => header.release = first,
                    TAG_LICENSE => header.license = Some(first),
                    TAG_ARCH => header.arch = Some(first),
                    TAG_SOURCERPM => header.source_rpm = Some(first),
                    TAG_BASENAMES => base_names = strings,
                    TAG_DIRNAMES => dir_names = strings,
                    _ => {}
                }
            }
            TYPE_INT32 => {
                let len = (count as usize)
                    .checked_mul(4)
                    .ok_or(out_of_range.clone())?;
                let ints = value.get(..len).ok_or(out_of_range)?;
                let values: Vec<u32> = ints
                    .chunks_exact(4)
                    .filter_map(|c| c.try_into().ok().map(u32::from_be_bytes))
                    .collect();
                match tag {
                    TAG_EPOCH => header.epoch = values.first().copied(),
                    TAG_DIRINDEXES => dir_indexes = values,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    header.files = base_names
        .iter()
        .zip(&dir_indexes)
        .filter_map(|(base, &dir)| {
            dir_names
                .get(dir as usize)
                .map(|dir| format!("{dir}{base}"))
        })
        .collect();
    Ok(header)
}

/// `bash-5.1.8-6.el9.src.rpm` → (`bash`, `5.1.8-6.el9`).
pub fn parse_source_rpm(source_rpm: &str) -> Option<(String, String)> {
    let stem = source_rpm
        .strip_suffix(".src.rpm")
        .or_else(|| source_rpm.strip_suffix(".nosrc.rpm"))?;
    let (rest, release) = stem.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    (!name.is_empty() && !version.is_empty() && !release.is_empty())
        .then(|| (name.to_owned(), format!("{version}-{release}")))
}

/// The package a header describes; `None` for `gpg-pubkey` and headers
/// without a name or version.
pub fn package(header: Header) -> Option<Package> {
    if header.name.is_empty() || header.version.is_empty() || header.name == "gpg-pubkey" {
        return None;
    }
    let epoch = header.epoch.map(|e| format!("{e}:")).unwrap_or_default();
    let version = if header.release.is_empty() {
        format!("{epoch}{}", header.version)
    } else {
        format!("{epoch}{}-{}", header.version, header.release)
    };
    let source = header
        .source_rpm
        .as_deref()
        .and_then(parse_source_rpm)
        .map(|(name, version)| (name, Some(format!("{epoch}{version}"))));
    Some(Package {
        ptype: PackageType::Rpm,
        name: header.name,
        version,
        source,
        arch: header.arch.filter(|a| !a.is_empty()),
        licenses: header
            .license
            .filter(|l| !l.is_empty())
            .into_iter()
            .collect(),
        files: header.files,
        ..Package::default()
    })
}

/// Packages of an rpmdb.sqlite file's bytes; notes on what was skipped.
pub fn parse_sqlite(bytes: &[u8], path: &str, layer: usize, found: &mut Found) {
    let blobs = match read_blobs(bytes) {
        Ok(blobs) => blobs,
        Err(e) => {
            found
                .notes
                .push(format!("{path}: not a readable rpm database: {e}"));
            return;
        }
    };
    for (hnum, blob) in blobs {
        match parse_header(&blob) {
            Ok(header) => {
                if let Some(package) = package(header) {
                    found.packages.push(Package {
                        location: path.to_owned(),
                        layer,
                        ..package
                    });
                }
            }
            Err(e) => found
                .notes
                .push(format!("{path}: package header {hnum}: {e}, skipped")),
        }
    }
}

/// Every `(hnum, blob)` of the Packages table.
fn read_blobs(bytes: &[u8]) -> Result<Vec<(i64, Vec<u8>)>, String> {
    let mut copy = bytes.to_vec();
    // A database in WAL mode (header bytes 18 and 19 = 2) wants a -shm file
    // beside it even to read; the copy has no WAL content to lose, so mark
    // it as a rollback-journal database.
    if copy.get(18..20) == Some(&[2, 2]) {
        copy[18] = 1;
        copy[19] = 1;
    }
    let mut file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    file.write_all(&copy).map_err(|e| e.to_string())?;
    file.flush().map_err(|e| e.to_string())?;
    let flags =
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection =
        rusqlite::Connection::open_with_flags(file.path(), flags).map_err(|e| e.to_string())?;
    // Schema objects from an untrusted file must not run functions.
    connection
        .execute_batch("PRAGMA trusted_schema = OFF; PRAGMA cell_size_check = ON;")
        .map_err(|e| e.to_string())?;
    let mut statement = connection
        .prepare("SELECT hnum, blob FROM Packages")
        .map_err(|e| e.to_string())?;
    let rows = statement
        .query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))
        })
        .map_err(|e| e.to_string())?;
    rows.collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())
}

/// Keeps the whole database file (see [`Rpm`]'s `keep`).
fn whole_database(bytes: &[u8]) -> Option<Vec<u8>> {
    Some(bytes.to_vec())
}

/// The rpm cataloger.
pub struct Rpm;

impl Cataloger for Rpm {
    fn name(&self) -> &'static str {
        "rpm-db"
    }

    fn keep(&self, path: &str, _mode: u32, _size: u64) -> Keep {
        if SQLITE_DATABASES.contains(&path) {
            // Whole, but as an extraction: a large distribution's database
            // can pass the cap on kept content, which would fail the layer,
            // while the extraction cap only leaves an oversized file unread.
            Keep::Extract(whole_database)
        } else {
            Keep::Skip
        }
    }

    fn catalog(&self, index: &FileIndex, found: &mut Found) {
        for path in SQLITE_DATABASES {
            if let Some(entry) = index.get(path)
                && let Some(content) = &entry.content
            {
                parse_sqlite(content, path, entry.layer, found);
            }
        }
        let mut formats: Vec<&str> = OTHER_DATABASES
            .iter()
            .filter(|(path, _)| index.get(path).is_some())
            .map(|(_, format)| *format)
            .collect();
        formats.dedup();
        for format in formats {
            found
                .notes
                .push(format!("rpm database format {format} not read"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header blob from (tag, type, count, data) entries.
    fn blob(entries: &[(u32, u32, u32, &[u8])]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut store = Vec::new();
        for (tag, kind, count, data) in entries {
            for field in [*tag, *kind, store.len() as u32, *count] {
                index.extend_from_slice(&field.to_be_bytes());
            }
            store.extend_from_slice(data);
        }
        let mut out = (entries.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(&(store.len() as u32).to_be_bytes());
        out.extend_from_slice(&index);
        out.extend_from_slice(&store);
        out
    }

    fn bash() -> Vec<u8> {
        blob(&[
            (TAG_NAME, TYPE_STRING, 1, b"bash\0"),
            (TAG_VERSION, TYPE_STRING, 1, b"5.1.8\0"),
            (TAG_RELEASE, TYPE_STRING, 1, b"6.el9\0"),
            (TAG_EPOCH, TYPE_INT32, 1, &[0, 0, 0, 1]),
            (TAG_SOURCERPM, TYPE_STRING, 1, b"bash-5.1.8-6.el9.src.rpm\0"),
            (TAG_DIRINDEXES, TYPE_INT32, 2, &[0, 0, 0, 1, 0, 0, 0, 0]),
            (TAG_BASENAMES, TYPE_STRING_ARRAY, 2, b"bash\0bashrc\0"),
            (TAG_DIRNAMES, TYPE_STRING_ARRAY, 2, b"/etc/\0/usr/bin/\0"),
        ])
    }

    #[test]
    fn a_crafted_header_gives_the_package() {
        let package = package(parse_header(&bash()).expect("header")).expect("package");
        assert_eq!(package.name, "bash");
        assert_eq!(package.version, "1:5.1.8-6.el9");
        assert_eq!(
            package.source,
            Some(("bash".to_owned(), Some("1:5.1.8-6.el9".to_owned())))
        );
        assert_eq!(package.files, ["/usr/bin/bash", "/etc/bashrc"]);
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let full = bash();
        for cut in 0..full.len() {
            assert!(parse_header(&full[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn offsets_and_counts_out_of_range_are_errors() {
        let mut bad_offset = blob(&[(TAG_NAME, TYPE_STRING, 1, b"x\0")]);
        bad_offset[16..20].copy_from_slice(&100u32.to_be_bytes());
        assert_eq!(
            parse_header(&bad_offset),
            Err(HeaderError::OutOfRange { tag: TAG_NAME })
        );
        let unterminated = blob(&[(TAG_NAME, TYPE_STRING, 1, b"bash")]);
        assert!(parse_header(&unterminated).is_err());
        let too_many = blob(&[(TAG_DIRINDEXES, TYPE_INT32, u32::MAX, &[0, 0, 0, 0])]);
        assert!(parse_header(&too_many).is_err());
        let mut huge = u32::MAX.to_be_bytes().to_vec();
        huge.extend_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse_header(&huge).is_err());
        // A directory index past DIRNAMES drops that file, nothing more.
        let stray = blob(&[
            (TAG_NAME, TYPE_STRING, 1, b"x\0"),
            (TAG_DIRINDEXES, TYPE_INT32, 1, &[0, 0, 0, 9]),
            (TAG_BASENAMES, TYPE_STRING_ARRAY, 1, b"f\0"),
        ]);
        assert!(parse_header(&stray).expect("header").files.is_empty());
    }

    #[test]
    fn source_rpm_names() {
        assert_eq!(
            parse_source_rpm("python3.11-3.11.5-1.el9_3.src.rpm"),
            Some(("python3.11".to_owned(), "3.11.5-1.el9_3".to_owned()))
        );
        assert_eq!(parse_source_rpm("nodash.src.rpm"), None);
        assert_eq!(parse_source_rpm("bash-1-2.rpm"), None);
        assert!(
            package(Header {
                name: "gpg-pubkey".into(),
                version: "1".into(),
                ..Header::default()
            })
            .is_none()
        );
    }
}
