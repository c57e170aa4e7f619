//! The apk installed database (`lib/apk/db/installed`): records separated
//! by blank lines, one `X:value` field per line (`P` name, `V` version,
//! `A` arch, `o` origin, the source package advisories are keyed by,
//! `L` licence, `F` a directory and `R` a file in the last `F`).

use super::{Cataloger, Found, Package, PackageType};
use crate::layers::{FileIndex, Keep};

/// Where apk keeps it.
pub const DATABASES: &[&str] = &["lib/apk/db/installed", "usr/lib/apk/db/installed"];

/// The apk cataloger.
pub struct Apk;

impl Cataloger for Apk {
    fn name(&self) -> &'static str {
        "apk"
    }

    fn keep(&self, path: &str, _mode: u32, _size: u64) -> Keep {
        if DATABASES.contains(&path) {
            Keep::Content
        } else {
            Keep::Skip
        }
    }

    fn catalog(&self, index: &FileIndex, found: &mut Found) {
        for path in DATABASES {
            if let Some(entry) = index.get(path)
                && let Some(content) = &entry.content
            {
                parse(&String::from_utf8_lossy(content), path, entry.layer, found);
            }
        }
    }
}

/// Packages of the database; notes on the records skipped.
pub fn parse(text: &str, path: &str, layer: usize, found: &mut Found) {
    for (start, record) in super::records(text) {
        let field = |key: char| {
            record.lines().find_map(|line| {
                let mut chars = line.chars();
                (chars.next() == Some(key) && chars.next() == Some(':')).then(|| line[2..].trim())
            })
        };
        let Some(name) = field('P') else { continue };
        if name.is_empty() {
            found.notes.push(format!(
                "{path}:{start}: a record with an empty package name, skipped"
            ));
            continue;
        }
        let Some(version) = field('V').filter(|v| !v.is_empty()) else {
            found.notes.push(format!(
                "{path}:{start}: package {name} has no version, skipped"
            ));
            continue;
        };
        let mut files = Vec::new();
        let mut dir = "";
        for line in record.lines() {
            if let Some(d) = line.strip_prefix("F:") {
                dir = d.trim();
            } else if let Some(file) = line.strip_prefix("R:") {
                files.push(if dir.is_empty() {
                    format!("/{}", file.trim())
                } else {
                    format!("/{dir}/{}", file.trim())
                });
            }
        }
        found.packages.push(Package {
            ptype: PackageType::Apk,
            name: name.to_owned(),
            version: version.to_owned(),
            source: field('o')
                .filter(|origin| *origin != name)
                .map(|origin| (origin.to_owned(), None)),
            arch: field('A').map(str::to_owned),
            licenses: field('L')
                .filter(|l| !l.is_empty())
                .map(|l| vec![l.to_owned()])
                .unwrap_or_default(),
            location: path.to_owned(),
            layer,
            files,
            ..Package::default()
        });
    }
}
