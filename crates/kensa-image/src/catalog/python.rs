//! Installed Python distributions: `*.dist-info/METADATA` (wheels, pip)
//! and `*.egg-info/PKG-INFO` or a `*.egg-info` file (setuptools), the
//! evidence an installed package leaves, as Trivy's image mode and Syft's
//! installed-package cataloger read it.
//!
//! Headers are email-style (`Name`, `Version`, continuation lines indented)
//! and end at the first blank line. Licences: `License-Expression` (PEP 639)
//! when present, else a one-line `License` (many projects put the whole
//! licence text there, which is no licence name), else the
//! `License :: OSI Approved :: X` classifiers. Files come from the sibling
//! `RECORD` (CSV, paths relative to the directory holding the dist-info).

use super::{Cataloger, Found, Package, PackageType};
use crate::layers::{FileIndex, Keep, clean_path};

/// The Python package cataloger.
pub struct Python;

fn is_metadata(path: &str) -> bool {
    let parent = path.rsplit_once('/').map_or("", |(dir, _)| dir);
    (path.ends_with("/METADATA") && parent.ends_with(".dist-info"))
        || (path.ends_with("/PKG-INFO") && parent.ends_with(".egg-info"))
        || path.ends_with(".egg-info")
}

fn is_record(path: &str) -> bool {
    path.strip_suffix("/RECORD")
        .is_some_and(|dir| dir.ends_with(".dist-info"))
}

impl Cataloger for Python {
    fn name(&self) -> &'static str {
        "python-installed"
    }

    fn keep(&self, path: &str, _mode: u32, _size: u64) -> Keep {
        if is_metadata(path) || is_record(path) {
            Keep::Content
        } else {
            Keep::Skip
        }
    }

    fn catalog(&self, index: &FileIndex, found: &mut Found) {
        for (path, entry) in index.iter() {
            if !is_metadata(path) {
                continue;
            }
            let Some(content) = &entry.content else {
                continue;
            };
            let Some(mut package) = parse(&String::from_utf8_lossy(content)) else {
                found.notes.push(format!(
                    "{path}: Python metadata without Name or Version, skipped"
                ));
                continue;
            };
            if let Some(dist_info) = path.strip_suffix("/METADATA") {
                let record = format!("{dist_info}/RECORD");
                if let Some(text) = index.get(&record).and_then(|e| e.content.as_ref()) {
                    let site = dist_info.rsplit_once('/').map_or("", |(dir, _)| dir);
                    package.files = record_files(&String::from_utf8_lossy(text), site);
                }
            }
            package.location = path.to_owned();
            package.layer = entry.layer;
            found.packages.push(package);
        }
    }
}

/// A package from METADATA or PKG-INFO text; `None` without a name and a
/// version.
pub fn parse(text: &str) -> Option<Package> {
    let mut headers: Vec<(&str, String)> = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push('\n');
                value.push_str(line.trim());
            }
        } else if let Some((key, value)) = line.split_once(':') {
            headers.push((key.trim(), value.trim().to_owned()));
        }
    }
    let get = |key: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let name = get("Name")?;
    let version = get("Version")?;
    let licenses = if let Some(expression) = get("License-Expression") {
        vec![expression.to_owned()]
    } else if let Some(license) = get("License").filter(|l| !l.contains('\n') && *l != "UNKNOWN") {
        vec![license.to_owned()]
    } else {
        headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("Classifier"))
            .filter_map(|(_, v)| v.strip_prefix("License :: OSI Approved :: "))
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect()
    };
    Some(Package {
        ptype: PackageType::Python,
        name: name.to_owned(),
        version: version.to_owned(),
        licenses,
        ..Package::default()
    })
}

/// The installed files a RECORD lists, as absolute image paths.
pub fn record_files(text: &str, site_packages: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            // The first CSV field, quoted when the path has a comma.
            let path = match line.strip_prefix('"') {
                Some(rest) => rest.split_once('"').map(|(path, _)| path)?,
                None => line.split(',').next()?,
            };
            if path.is_empty() {
                return None;
            }
            let joined = if path.starts_with('/') {
                path.to_owned()
            } else {
                format!("{site_packages}/{path}")
            };
            clean_path(&joined).0.map(|clean| format!("/{clean}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licences_in_order_of_preference() {
        let expression =
            parse("Name: a\nVersion: 1\nLicense-Expression: MIT OR Apache-2.0\nLicense: BSD\n")
                .expect("package");
        assert_eq!(expression.licenses, ["MIT OR Apache-2.0"]);
        let long_text = parse(
            "Metadata-Version: 2.1\nName: b\nVersion: 2\nLicense: Copyright (c) someone\n        All rights\nClassifier: License :: OSI Approved :: BSD License\nClassifier: Programming Language :: Python\n\nLicense: body\n",
        )
        .expect("package");
        assert_eq!(long_text.licenses, ["BSD License"]);
        assert_eq!(parse("Name: c\n\nVersion: 3\n"), None);
    }

    #[test]
    fn record_paths_are_resolved_against_site_packages() {
        let record = "six.py,sha256=x,100\n\"odd,name.py\",,\n../../../bin/tool,sha256=y,5\nsix-1.16.0.dist-info/RECORD,,\n";
        assert_eq!(
            record_files(record, "usr/lib/python3/dist-packages"),
            [
                "/usr/lib/python3/dist-packages/six.py",
                "/usr/lib/python3/dist-packages/odd,name.py",
                "/usr/bin/tool",
                "/usr/lib/python3/dist-packages/six-1.16.0.dist-info/RECORD",
            ]
        );
    }
}
