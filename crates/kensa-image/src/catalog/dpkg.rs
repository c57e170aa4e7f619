//! The dpkg database: `var/lib/dpkg/status` (stanzas separated by blank
//! lines, continuation lines starting with a space) and distroless images'
//! `var/lib/dpkg/status.d/*` (one package per file, same format).
//! Only packages whose `Status` says `installed` count; a status.d stanza
//! without `Status` counts as installed (distroless writes none).
//!
//! A package's files come from `var/lib/dpkg/info/NAME[:ARCH].list`
//! (distroless: `status.d/NAME.md5sums`), its licences from the
//! `usr/share/doc/NAME/copyright`: its `License:` fields, or, for copyright
//! files that are not machine-readable, the `/usr/share/common-licenses/`
//! texts they refer to.

use super::{Cataloger, Found, Package, PackageType};
use crate::layers::{FileIndex, Keep};

/// The main database.
pub const STATUS: &str = "var/lib/dpkg/status";
/// Distroless images' per-package files.
pub const STATUS_D: &str = "var/lib/dpkg/status.d/";
const INFO: &str = "var/lib/dpkg/info/";
const DOC: &str = "usr/share/doc/";
const COMMON_LICENSES: &str = "/usr/share/common-licenses/";

/// The dpkg cataloger.
pub struct Dpkg;

impl Cataloger for Dpkg {
    fn name(&self) -> &'static str {
        "dpkg"
    }

    fn keep(&self, path: &str, _mode: u32, _size: u64) -> Keep {
        let info_list = path
            .strip_prefix(INFO)
            .is_some_and(|rest| rest.ends_with(".list") && !rest.contains('/'));
        let copyright = path
            .strip_prefix(DOC)
            .and_then(|rest| rest.strip_suffix("/copyright"))
            .is_some_and(|name| !name.contains('/'));
        if path == STATUS || path.starts_with(STATUS_D) || info_list || copyright {
            Keep::Content
        } else {
            Keep::Skip
        }
    }

    fn catalog(&self, index: &FileIndex, found: &mut Found) {
        for (path, entry) in index.iter() {
            let Some(content) = &entry.content else {
                continue;
            };
            let database = path == STATUS
                || (path.starts_with(STATUS_D)
                    && !path.ends_with(".md5sums")
                    && !path[STATUS_D.len()..].contains('/'));
            if !database {
                continue;
            }
            let text = String::from_utf8_lossy(content);
            let start = found.packages.len();
            parse(&text, path, entry.layer, found);
            for package in &mut found.packages[start..] {
                package.files = files(index, package);
                package.licenses = licenses(index, &package.name);
            }
        }
    }
}

/// Packages of one database file; notes on the stanzas skipped.
pub fn parse(text: &str, path: &str, layer: usize, found: &mut Found) {
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
            found.notes.push(format!(
                "{path}:{start}: a stanza without Package or Version, skipped"
            ));
            continue;
        };
        // `Source: name` or `Source: name (version)`.
        let source = get("Source").map(|source| match source.split_once(' ') {
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
        });
        found.packages.push(Package {
            ptype: PackageType::Deb,
            name: name.to_owned(),
            version: version.to_owned(),
            source,
            arch: get("Architecture").map(str::to_owned),
            location: path.to_owned(),
            layer,
            ..Package::default()
        });
    }
}

/// The files a package installed, from whichever list the image has.
fn files(index: &FileIndex, package: &Package) -> Vec<String> {
    let arch_list = package
        .arch
        .as_ref()
        .map(|arch| format!("{INFO}{}:{arch}.list", package.name));
    let candidates = [
        arch_list,
        Some(format!("{INFO}{}.list", package.name)),
        Some(format!("{STATUS_D}{}.md5sums", package.name)),
    ];
    for candidate in candidates.into_iter().flatten() {
        let Some(content) = index.get(&candidate).and_then(|e| e.content.as_ref()) else {
            continue;
        };
        let text = String::from_utf8_lossy(content);
        let md5sums = candidate.ends_with(".md5sums");
        return text
            .lines()
            .filter_map(|line| {
                let path = if md5sums {
                    line.split_once("  ").map(|(_, path)| path)?
                } else {
                    line
                };
                let path = path.trim();
                // Merged-/usr images list `/lib/...` through the symlink.
                let present = index
                    .resolve(path)
                    .is_some_and(|(_, e)| !matches!(e.kind, crate::layers::EntryKind::Dir));
                present.then(|| format!("/{}", path.trim_start_matches('/')))
            })
            .collect();
    }
    Vec::new()
}

/// `License:` fields of a machine-readable copyright file, first seen first.
fn licenses(index: &FileIndex, name: &str) -> Vec<String> {
    let Some((_, entry)) = index.resolve(&format!("{DOC}{name}/copyright")) else {
        return Vec::new();
    };
    let Some(content) = &entry.content else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(content);
    let mut licenses: Vec<String> = Vec::new();
    let add = |licenses: &mut Vec<String>, value: &str| {
        let value = value.trim().trim_end_matches(['.', ',', ')', ';']);
        if !value.is_empty() && !licenses.iter().any(|l| l == value) {
            licenses.push(value.to_owned());
        }
    };
    for line in text.lines() {
        if let Some(value) = line.strip_prefix("License:") {
            add(&mut licenses, value);
        }
    }
    // Copyright files that are not machine-readable (glibc's, for one)
    // point at the licence texts Debian ships instead.
    if licenses.is_empty() {
        for (at, _) in text.match_indices(COMMON_LICENSES) {
            let rest = &text[at + COMMON_LICENSES.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_')))
                .unwrap_or(rest.len());
            add(&mut licenses, &rest[..end]);
        }
    }
    licenses
}
