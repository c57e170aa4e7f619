//! Installed npm packages: `node_modules/NAME/package.json` and
//! `node_modules/@SCOPE/NAME/package.json` at any depth, the evidence an
//! installed package leaves (lock files say what was declared, not what is
//! there, and image scanners do not read them).
//!
//! Licences: `license` as a string or `{"type": ...}`, else the legacy
//! `licenses` list of either form. A scoped name's scope, with its `@`, is
//! the namespace.

use super::{Cataloger, Found, Package, PackageType};
use crate::layers::{FileIndex, Keep};

/// The npm package cataloger.
pub struct Npm;

/// Whether the path is a package's own manifest directly under a
/// `node_modules` directory (not one of the package's inner files).
fn is_manifest(path: &str) -> bool {
    let Some(dir) = path.strip_suffix("/package.json") else {
        return false;
    };
    let mut parts = dir.rsplit('/');
    let name = parts.next().unwrap_or_default();
    match parts.next() {
        Some("node_modules") => !name.is_empty() && !name.starts_with('@'),
        Some(scope) if scope.starts_with('@') && scope.len() > 1 => {
            parts.next() == Some("node_modules")
        }
        _ => false,
    }
}

impl Cataloger for Npm {
    fn name(&self) -> &'static str {
        "npm-installed"
    }

    fn keep(&self, path: &str, _mode: u32, _size: u64) -> Keep {
        if is_manifest(path) {
            Keep::Content
        } else {
            Keep::Skip
        }
    }

    fn catalog(&self, index: &FileIndex, found: &mut Found) {
        for (path, entry) in index.iter() {
            if !is_manifest(path) {
                continue;
            }
            let Some(content) = &entry.content else {
                continue;
            };
            match parse(content) {
                Ok(package) => found.packages.push(Package {
                    location: path.to_owned(),
                    layer: entry.layer,
                    ..package
                }),
                Err(why) => found.notes.push(format!("{path}: {why}, skipped")),
            }
        }
    }
}

/// The licence names of a `license` or `licenses` value.
fn license_names(value: &serde_json::Value) -> Vec<String> {
    let one = |v: &serde_json::Value| {
        v.as_str()
            .or_else(|| v.get("type").and_then(|t| t.as_str()))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
    };
    match value.as_array() {
        Some(list) => list.iter().filter_map(one).collect(),
        None => one(value).into_iter().collect(),
    }
}

/// A package from a package.json, or why it is not one.
pub fn parse(json: &[u8]) -> Result<Package, String> {
    let document: serde_json::Value =
        serde_json::from_slice(json).map_err(|e| format!("not JSON: {e}"))?;
    let text = |key: &str| {
        document
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let (Some(full_name), Some(version)) = (text("name"), text("version")) else {
        return Err("a package.json without name or version".into());
    };
    let (namespace, name) = match full_name.split_once('/') {
        Some((scope, name)) if scope.starts_with('@') => (scope, name),
        _ => ("", full_name),
    };
    let mut licenses = document
        .get("license")
        .map(license_names)
        .unwrap_or_default();
    if licenses.is_empty() {
        licenses = document
            .get("licenses")
            .map(license_names)
            .unwrap_or_default();
    }
    Ok(Package {
        ptype: PackageType::Npm,
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        version: version.to_owned(),
        licenses,
        ..Package::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_directly_under_node_modules_only() {
        assert!(is_manifest("app/node_modules/lodash/package.json"));
        assert!(is_manifest("node_modules/@babel/core/package.json"));
        assert!(is_manifest("a/node_modules/x/node_modules/y/package.json"));
        assert!(!is_manifest("app/package.json"));
        assert!(!is_manifest("node_modules/lodash/lib/package.json"));
        assert!(!is_manifest("node_modules/@babel/package.json"));
        assert!(!is_manifest("x/@scope/name/package.json"));
    }

    #[test]
    fn licence_forms() {
        let legacy =
            parse(br#"{"name":"@s/x","version":"1.0.0","licenses":[{"type":"MIT"},"ISC"]}"#)
                .expect("package");
        assert_eq!(
            (legacy.namespace.as_str(), legacy.name.as_str()),
            ("@s", "x")
        );
        assert_eq!(legacy.licenses, ["MIT", "ISC"]);
        let object = parse(br#"{"name":"y","version":"2","license":{"type":"BSD-3-Clause"}}"#)
            .expect("package");
        assert_eq!(object.licenses, ["BSD-3-Clause"]);
        assert!(parse(br#"{"name":"z"}"#).is_err());
        assert!(parse(b"{").is_err());
    }
}
