//! The apk installed database (`lib/apk/db/installed`): records separated
//! by blank lines, one `X:value` field per line (`P` name, `V` version,
//! `A` arch, `o` origin, the source package advisories are keyed by,
//! `L` licence).

use super::Package;

/// Where apk keeps it.
pub const DATABASES: &[&str] = &["lib/apk/db/installed", "usr/lib/apk/db/installed"];

/// Packages of the database, and notes on the records skipped.
pub fn parse(text: &str, path: &str, layer: usize) -> (Vec<Package>, Vec<String>) {
    let mut packages = Vec::new();
    let mut notes = Vec::new();
    for (start, record) in super::records(text) {
        let field = |key: char| {
            record.lines().find_map(|line| {
                let mut chars = line.chars();
                (chars.next() == Some(key) && chars.next() == Some(':')).then(|| line[2..].trim())
            })
        };
        let Some(name) = field('P') else { continue };
        if name.is_empty() {
            notes.push(format!(
                "{path}:{start}: a record with an empty package name, skipped"
            ));
            continue;
        }
        let Some(version) = field('V').filter(|v| !v.is_empty()) else {
            notes.push(format!(
                "{path}:{start}: package {name} has no version, skipped"
            ));
            continue;
        };
        packages.push(Package {
            kind: "apk",
            name: name.to_owned(),
            version: version.to_owned(),
            source: field('o').unwrap_or(name).to_owned(),
            source_version: None,
            arch: field('A').map(str::to_owned),
            license: field('L').map(str::to_owned),
            db_path: path.to_owned(),
            layer,
        });
    }
    (packages, notes)
}
