//! The dpkg database: `var/lib/dpkg/status` (stanzas separated by blank
//! lines, continuation lines starting with a space) and distroless images'
//! `var/lib/dpkg/status.d/*` (one package per file, same format).
//! Only packages whose `Status` says `installed` count; a status.d stanza
//! without `Status` counts as installed (distroless writes none).

use super::Package;

/// The main database.
pub const STATUS: &str = "var/lib/dpkg/status";
/// Distroless images' per-package files.
pub const STATUS_D: &str = "var/lib/dpkg/status.d/";

/// Packages of one database file, and notes on the stanzas skipped.
pub fn parse(text: &str, path: &str, layer: usize) -> (Vec<Package>, Vec<String>) {
    let mut packages = Vec::new();
    let mut notes = Vec::new();
    for (start, stanza) in super::records(text) {
        let mut fields: Vec<(&str, String)> = Vec::new();
        for line in stanza.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = fields.last_mut() {
                    value.push('\n');
                    value.push_str(line.trim());
                }
            } else if let Some((key, value)) = line.split_once(':') {
                fields.push((key.trim(), value.trim().to_owned()));
            }
        }
        if fields.is_empty() {
            continue;
        }
        let get = |key: &str| {
            fields
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.as_str())
        };
        let installed = match get("Status") {
            Some(status) => status.split_whitespace().last() == Some("installed"),
            None => path.starts_with(STATUS_D),
        };
        if !installed {
            continue;
        }
        let present = |key: &str| get(key).filter(|value| !value.is_empty());
        let (Some(name), Some(version)) = (present("Package"), present("Version")) else {
            notes.push(format!(
                "{path}:{start}: a stanza without Package or Version, skipped"
            ));
            continue;
        };
        // `Source: name` or `Source: name (version)`.
        let (source, source_version) = match get("Source") {
            Some(source) => match source.split_once(' ') {
                Some((name, rest)) => (
                    name.to_owned(),
                    Some(
                        rest.trim()
                            .trim_start_matches('(')
                            .trim_end_matches(')')
                            .to_owned(),
                    ),
                ),
                None => (source.to_owned(), None),
            },
            None => (name.to_owned(), None),
        };
        packages.push(Package {
            kind: "dpkg",
            name: name.to_owned(),
            version: version.to_owned(),
            source,
            source_version,
            arch: get("Architecture").map(str::to_owned),
            license: None,
            db_path: path.to_owned(),
            layer,
        });
    }
    (packages, notes)
}
