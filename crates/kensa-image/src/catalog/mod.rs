//! Catalogers over a [`FileIndex`]: the operating system and its packages.
//! Pure functions over the file contents the walker kept
//! ([`wanted`] says which).
//!
//! Today: OS detection ([`os`]), the dpkg database (`status` and
//! distroless `status.d`, [`dpkg`]) and the apk installed database
//! ([`apk`]).

pub mod apk;
pub mod dpkg;
pub mod os;

use crate::layers::FileIndex;

/// A package found in an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// `dpkg` or `apk`.
    pub kind: &'static str,
    /// The binary package's name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// The source package (advisories are keyed by it), or the name.
    pub source: String,
    /// The source version, when it differs from the version.
    pub source_version: Option<String>,
    /// The architecture.
    pub arch: Option<String>,
    /// The licence as the database states it.
    pub license: Option<String>,
    /// The database file it came from.
    pub db_path: String,
    /// The layer that last wrote that file.
    pub layer: usize,
}

/// The blank-line-separated records of a dpkg or apk database, each with
/// the line it starts on (for notes that point at it).
fn records(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut next_line = 1;
    text.split("\n\n").map(move |record| {
        let start = next_line;
        next_line += record.lines().count() + 1;
        (start, record)
    })
}

/// Whether the catalogers read this path's content (pass to
/// [`FileIndex::apply_layer`] as `keep`).
pub fn wanted(path: &str) -> bool {
    os::FILES.contains(&path)
        || path == dpkg::STATUS
        || path.starts_with(dpkg::STATUS_D)
        || apk::DATABASES.contains(&path)
}

/// The OS and its packages. A database that cannot be read as a whole is
/// skipped with a note; one bad record skips only that record.
pub fn os_packages(index: &FileIndex) -> (Option<os::Os>, Vec<Package>, Vec<String>) {
    let os = os::detect(index);
    let mut packages = Vec::new();
    let mut notes = Vec::new();
    for (path, entry) in index.iter() {
        let Some(content) = &entry.content else {
            continue;
        };
        let text = String::from_utf8_lossy(content);
        if path == dpkg::STATUS || (path.starts_with(dpkg::STATUS_D) && !path.ends_with(".md5sums"))
        {
            let (found, skipped) = dpkg::parse(&text, path, entry.layer);
            packages.extend(found);
            notes.extend(skipped);
        } else if apk::DATABASES.contains(&path) {
            let (found, skipped) = apk::parse(&text, path, entry.layer);
            packages.extend(found);
            notes.extend(skipped);
        }
    }
    (os, packages, notes)
}
