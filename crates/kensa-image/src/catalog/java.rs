//! Java archives: `*.jar`, `*.war`, `*.ear` (zip files). Maven writes
//! `META-INF/maven/GROUP/ARTIFACT/pom.properties` (groupId, artifactId,
//! version) into what it builds, the best identity an archive carries, and
//! a shaded jar has one per bundled artifact: each is a package. An archive
//! without any is one package from `META-INF/MANIFEST.MF`
//! (`Implementation-*`, then `Bundle-*` from OSGi, then `Specification-*`),
//! named after the file when the manifest names nothing. `Bundle-License`
//! is the licence.
//!
//! Archives inside the archive (a war's `WEB-INF/lib/*.jar`, an ear's
//! modules, a fat jar's libraries) are read one level deep; their location
//! is `OUTER:INNER`. The extractor keeps only the small text files, as
//! JSON, so a many-MiB archive costs a few KiB in the index.

use std::io::{Cursor, Read};

use serde_json::{Value, json};

use super::{Cataloger, Found, Package, PackageType};
use crate::layers::{FileIndex, Keep};

/// Largest pom.properties or MANIFEST.MF read.
const MAX_TEXT: u64 = 1 << 20;
/// Largest nested archive read (decompressed).
const MAX_NESTED: u64 = 64 << 20;
/// Most nested archives read from one archive.
const MAX_NESTED_COUNT: usize = 2000;

/// The Java archive cataloger.
pub struct Java;

fn is_archive(path: &str) -> bool {
    [".jar", ".war", ".ear"]
        .iter()
        .any(|suffix| path.len() > suffix.len() && path.ends_with(suffix))
}

impl Cataloger for Java {
    fn name(&self) -> &'static str {
        "java-archive"
    }

    fn keep(&self, path: &str, _mode: u32, _size: u64) -> Keep {
        if is_archive(path) {
            Keep::Extract(extract)
        } else {
            Keep::Skip
        }
    }

    fn catalog(&self, index: &FileIndex, found: &mut Found) {
        for (path, entry) in index.iter() {
            if !is_archive(path) {
                continue;
            }
            let Some(content) = &entry.content else {
                continue;
            };
            let start = found.packages.len();
            packages(content, path, found);
            for package in &mut found.packages[start..] {
                package.layer = entry.layer;
            }
        }
    }
}

/// The text files of one archive that identify it, and those of the
/// archives inside it when `nested` (one level).
fn archive_evidence(bytes: &[u8], nested: bool) -> Option<Value> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut poms = Vec::new();
    let mut manifest = Value::Null;
    let mut inner = Vec::new();
    for i in 0..archive.len() {
        let Ok(mut file) = archive.by_index(i) else {
            continue;
        };
        let Ok(name) = file.name().map(|n| n.into_owned()) else {
            continue;
        };
        if !file.is_file() {
            continue;
        }
        let is_pom = name.starts_with("META-INF/maven/") && name.ends_with("/pom.properties");
        let is_manifest = name.eq_ignore_ascii_case("META-INF/MANIFEST.MF");
        if is_pom || is_manifest {
            let mut text = Vec::new();
            if (&mut file).take(MAX_TEXT).read_to_end(&mut text).is_err() {
                continue;
            }
            let text = String::from_utf8_lossy(&text).into_owned();
            if is_pom {
                poms.push(Value::String(text));
            } else {
                manifest = Value::String(text);
            }
        } else if nested && is_archive(&name) && inner.len() < MAX_NESTED_COUNT {
            let mut data = Vec::new();
            if (&mut file)
                .take(MAX_NESTED + 1)
                .read_to_end(&mut data)
                .is_err()
                || data.len() as u64 > MAX_NESTED
            {
                continue;
            }
            if let Some(Value::Object(mut evidence)) = archive_evidence(&data, false) {
                evidence.insert("name".into(), Value::String(name));
                inner.push(Value::Object(evidence));
            }
        }
    }
    Some(json!({"pom": poms, "manifest": manifest, "nested": inner}))
}

/// The [`crate::layers::Extractor`] for Java archives: JSON with the
/// archive's pom.properties and manifest texts and those of the archives
/// inside it; `None` for what is not a zip file.
pub fn extract(bytes: &[u8]) -> Option<Vec<u8>> {
    serde_json::to_vec(&archive_evidence(bytes, true)?).ok()
}

/// `key=value` lines of a properties file.
fn properties(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with(['#', '!']))
        .filter_map(|line| line.split_once(['=', ':']))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

/// The main section of a manifest; continuation lines (a leading space)
/// join the previous line.
fn manifest_attributes(text: &str) -> Vec<(String, String)> {
    let mut attributes: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        if let Some(more) = line.strip_prefix(' ') {
            if let Some((_, value)) = attributes.last_mut() {
                value.push_str(more);
            }
        } else if let Some((key, value)) = line.split_once(':') {
            attributes.push((key.trim().to_owned(), value.trim().to_owned()));
        }
    }
    attributes
}

/// `foo-1.2.3.jar` → (`foo`, `1.2.3`): the name and, when the file name
/// ends in one, the version.
fn name_from_file(path: &str) -> (String, Option<String>) {
    let file = path.rsplit(['/', ':']).next().unwrap_or(path);
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    let split = stem
        .match_indices('-')
        .find(|(at, _)| stem[at + 1..].starts_with(|c: char| c.is_ascii_digit()));
    match split {
        Some((at, _)) => (stem[..at].to_owned(), Some(stem[at + 1..].to_owned())),
        None => (stem.to_owned(), None),
    }
}

/// Packages of one archive's evidence and of the archives in it.
fn evidence_packages(evidence: &Value, location: &str, found: &mut Found) {
    let manifest = evidence
        .get("manifest")
        .and_then(Value::as_str)
        .map(manifest_attributes)
        .unwrap_or_default();
    let attribute = |key: &str| {
        manifest
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let licenses: Vec<String> = attribute("Bundle-License")
        .map(|l| vec![l.to_owned()])
        .unwrap_or_default();
    let mut from_poms = 0;
    for pom in evidence
        .get("pom")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        let props = properties(pom);
        let get = |key: &str| {
            props
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| *v)
                .filter(|v| !v.is_empty())
        };
        let (Some(artifact), Some(version)) = (get("artifactId"), get("version")) else {
            found.notes.push(format!(
                "{location}: a pom.properties without artifactId or version, skipped"
            ));
            continue;
        };
        from_poms += 1;
        found.packages.push(Package {
            ptype: PackageType::Java,
            namespace: get("groupId").unwrap_or_default().to_owned(),
            name: artifact.to_owned(),
            version: version.to_owned(),
            licenses: licenses.clone(),
            location: location.to_owned(),
            ..Package::default()
        });
    }
    if from_poms == 0 {
        let (file_name, file_version) = name_from_file(location);
        let name = attribute("Implementation-Title")
            .or_else(|| {
                attribute("Bundle-SymbolicName")
                    .and_then(|n| n.split(';').next())
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
            })
            .or_else(|| attribute("Specification-Title"))
            .map_or(file_name, str::to_owned);
        let version = attribute("Implementation-Version")
            .or_else(|| attribute("Bundle-Version"))
            .or_else(|| attribute("Specification-Version"))
            .map(str::to_owned)
            .or(file_version);
        match version {
            Some(version) => found.packages.push(Package {
                ptype: PackageType::Java,
                namespace: attribute("Implementation-Vendor-Id")
                    .unwrap_or_default()
                    .to_owned(),
                name,
                version,
                licenses,
                location: location.to_owned(),
                ..Package::default()
            }),
            None => found.notes.push(format!(
                "{location}: no version in pom.properties, the manifest or the file name, skipped"
            )),
        }
    }
    for inner in evidence
        .get("nested")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = inner.get("name").and_then(Value::as_str).unwrap_or("?");
        evidence_packages(inner, &format!("{location}:{name}"), found);
    }
}

/// Packages from what [`extract`] kept of the archive at `path` (layer
/// left for the caller).
pub fn packages(extracted: &[u8], path: &str, found: &mut Found) {
    match serde_json::from_slice::<Value>(extracted) {
        Ok(evidence) => evidence_packages(&evidence, path, found),
        Err(_) => found
            .notes
            .push(format!("{path}: unreadable archive evidence, skipped")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_give_a_name_and_maybe_a_version() {
        assert_eq!(
            name_from_file("app/lib/commons-lang3-3.14.0.jar"),
            ("commons-lang3".to_owned(), Some("3.14.0".to_owned()))
        );
        assert_eq!(
            name_from_file("x.war:WEB-INF/lib/tool.jar"),
            ("tool".to_owned(), None)
        );
    }

    #[test]
    fn wrapped_manifest_lines_are_joined() {
        let attributes = manifest_attributes(
            "Manifest-Version: 1.0\r\nBundle-SymbolicName: org.exa\r\n mple.lib;singleton:=true\r\n\r\nName: x\r\n",
        );
        assert_eq!(
            attributes[1],
            (
                "Bundle-SymbolicName".to_owned(),
                "org.example.lib;singleton:=true".to_owned()
            )
        );
        assert_eq!(attributes.len(), 2);
    }

    #[test]
    fn manifest_names_fall_back_to_the_file_name() {
        let mut found = Found::default();
        let evidence = json!({"pom": ["groupId=g\n"], "manifest": "Bundle-SymbolicName: ;x\nBundle-Version: 3.0\n"});
        evidence_packages(&evidence, "lib/tool-1.0.jar", &mut found);
        let names: Vec<(&str, &str)> = found
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(names, [("tool", "3.0")]);
        assert_eq!(
            found.notes.len(),
            1,
            "the pom.properties without artifactId"
        );
        let mut unversioned = Found::default();
        evidence_packages(
            &json!({"manifest": "Manifest-Version: 1.0\n"}),
            "x.jar",
            &mut unversioned,
        );
        assert!(unversioned.packages.is_empty());
        assert_eq!(unversioned.notes.len(), 1);
    }

    #[test]
    fn anything_but_a_zip_gives_nothing() {
        assert_eq!(extract(b"PK\x03\x04 not really"), None);
        let mut found = Found::default();
        packages(b"{", "a.jar", &mut found);
        assert_eq!(found.notes.len(), 1);
    }
}
