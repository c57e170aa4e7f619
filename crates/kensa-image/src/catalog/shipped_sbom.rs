//! SPDX JSON documents an image ships about itself at
//! `var/lib/db/sbom/*.spdx.json` (apko writes one per package into Wolfi
//! and Chainguard images). Each `packages[]` entry with a `purl` external
//! reference is a package: its type from the purl type, its name and
//! namespace from the purl, its version from `versionInfo` (the purl's when
//! absent), its licence from `licenseDeclared` unless `NOASSERTION` or
//! `NONE`, and the purl kept as written. Entries without a purl (the
//! document's own image, OS or root entries) are not packages.
//!
//! These documents mostly repeat what the package database says, so this
//! cataloger runs last and leaves out a package any earlier cataloger found
//! (same purl type, name and version), as Trivy does since it stopped
//! dropping these files' packages (aquasecurity/trivy#9034). A document
//! that does not parse is a note.

use super::{Cataloger, Found, Package, PackageType};
use crate::layers::{FileIndex, Keep};

/// Where the documents are.
pub const DIRECTORY: &str = "var/lib/db/sbom/";

/// The shipped-SBOM cataloger.
pub struct ShippedSbom;

fn is_document(path: &str) -> bool {
    path.strip_prefix(DIRECTORY)
        .is_some_and(|name| !name.contains('/') && name.ends_with(".spdx.json"))
}

impl Cataloger for ShippedSbom {
    fn name(&self) -> &'static str {
        "shipped-sbom"
    }

    fn keep(&self, path: &str, _mode: u32, _size: u64) -> Keep {
        if is_document(path) {
            Keep::Content
        } else {
            Keep::Skip
        }
    }

    fn catalog(&self, index: &FileIndex, found: &mut Found) {
        for (path, entry) in index.iter() {
            if !is_document(path) {
                continue;
            }
            let Some(content) = &entry.content else {
                continue;
            };
            let packages = match parse(content) {
                Ok(packages) => packages,
                Err(why) => {
                    found.notes.push(format!("{path}: {why}, skipped"));
                    continue;
                }
            };
            for package in packages {
                let known = found.packages.iter().any(|other| {
                    other.ptype.purl_type() == package.ptype.purl_type()
                        && other.name == package.name
                        && other.version == package.version
                });
                if !known {
                    found.packages.push(Package {
                        location: path.to_owned(),
                        layer: entry.layer,
                        ..package
                    });
                }
            }
        }
    }
}

/// Decodes purl percent-escapes; invalid escapes are kept as written.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        let escaped = (byte == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(value) => {
                out.push(value);
                i += 3;
            }
            None => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The parts of a purl kensa uses.
#[derive(Debug, PartialEq, Eq)]
pub struct Purl {
    /// `deb`, `golang`, ...
    pub ptype: String,
    /// Namespace segments joined by `/`, decoded.
    pub namespace: String,
    /// The name, decoded.
    pub name: String,
    /// The version, decoded.
    pub version: Option<String>,
    /// Qualifiers, decoded.
    pub qualifiers: Vec<(String, String)>,
}

/// Splits `pkg:type/namespace/name@version?qualifiers#subpath`.
pub fn parse_purl(purl: &str) -> Option<Purl> {
    let rest = purl.strip_prefix("pkg:")?.trim_start_matches('/');
    let rest = rest.split('#').next().unwrap_or(rest);
    let (rest, qualifiers) = match rest.split_once('?') {
        Some((rest, qualifiers)) => (rest, qualifiers),
        None => (rest, ""),
    };
    let (rest, version) = match rest.rsplit_once('@') {
        Some((rest, version)) if !rest.ends_with('/') => (rest, Some(decode(version))),
        _ => (rest, None),
    };
    let (ptype, path) = rest.split_once('/')?;
    let (namespace, name) = match path.trim_end_matches('/').rsplit_once('/') {
        Some((namespace, name)) => (namespace, name),
        None => ("", path),
    };
    if ptype.is_empty() || name.is_empty() {
        return None;
    }
    let qualifiers = qualifiers
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_ascii_lowercase(), decode(v)))
        .collect();
    Some(Purl {
        ptype: ptype.to_ascii_lowercase(),
        namespace: namespace
            .split('/')
            .map(decode)
            .collect::<Vec<_>>()
            .join("/"),
        name: decode(name),
        version,
        qualifiers,
    })
}

/// The packages one SPDX JSON document lists with a purl, or why it could
/// not be read.
pub fn parse(json: &[u8]) -> Result<Vec<Package>, String> {
    let document: serde_json::Value =
        serde_json::from_slice(json).map_err(|e| format!("not an SPDX JSON document: {e}"))?;
    let Some(entries) = document.get("packages").and_then(|p| p.as_array()) else {
        return Err("an SPDX document without a packages list".into());
    };
    let mut packages = Vec::new();
    for entry in entries {
        let purl = entry
            .get("externalRefs")
            .and_then(|refs| refs.as_array())
            .into_iter()
            .flatten()
            .find(|r| r.get("referenceType").and_then(|t| t.as_str()) == Some("purl"))
            .and_then(|r| r.get("referenceLocator"))
            .and_then(|l| l.as_str());
        let Some(purl_text) = purl else { continue };
        let Some(purl) = parse_purl(purl_text) else {
            continue;
        };
        let ptype = match purl.ptype.as_str() {
            "apk" => PackageType::Apk,
            "deb" => PackageType::Deb,
            "rpm" => PackageType::Rpm,
            "golang" if purl.name == "stdlib" && purl.namespace.is_empty() => PackageType::GoStdlib,
            "golang" => PackageType::GoModule,
            "pypi" => PackageType::Python,
            "npm" => PackageType::Npm,
            "maven" => PackageType::Java,
            "cargo" => PackageType::Cargo,
            _ => continue,
        };
        // Go module paths are the whole purl path; the OS types' namespace
        // is the distribution, which the package model does not hold.
        let (namespace, name) = match ptype {
            PackageType::GoModule if !purl.namespace.is_empty() => {
                (String::new(), format!("{}/{}", purl.namespace, purl.name))
            }
            PackageType::Npm | PackageType::Java | PackageType::Cargo => {
                (purl.namespace.clone(), purl.name.clone())
            }
            _ => (String::new(), purl.name.clone()),
        };
        let version = entry
            .get("versionInfo")
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .or(purl.version.clone())
            .unwrap_or_default();
        let licenses = entry
            .get("licenseDeclared")
            .and_then(|l| l.as_str())
            .filter(|l| !l.is_empty() && !matches!(*l, "NOASSERTION" | "NONE"))
            .map(|l| vec![l.to_owned()])
            .unwrap_or_default();
        let arch = purl
            .qualifiers
            .iter()
            .find(|(k, _)| k == "arch")
            .map(|(_, v)| v.clone());
        packages.push(Package {
            ptype,
            namespace,
            name,
            version,
            arch,
            licenses,
            purl: purl_text.to_owned(),
            ..Package::default()
        });
    }
    Ok(packages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_split_into_their_parts() {
        let purl = parse_purl("pkg:npm/%40babel/core@7.24.0?arch=x&b=c%2Bd#sub").expect("purl");
        assert_eq!(purl.ptype, "npm");
        assert_eq!(purl.namespace, "@babel");
        assert_eq!(purl.name, "core");
        assert_eq!(purl.version.as_deref(), Some("7.24.0"));
        assert_eq!(purl.qualifiers[1], ("b".to_owned(), "c+d".to_owned()));
        let go = parse_purl("pkg:golang/github.com/spf13/cobra@v1.8.0").expect("purl");
        assert_eq!(
            (go.namespace.as_str(), go.name.as_str()),
            ("github.com/spf13", "cobra")
        );
        assert_eq!(parse_purl("pkg:deb"), None);
        assert_eq!(parse_purl("deb/x"), None);
        assert_eq!(decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn documents_without_packages_are_reasons() {
        assert!(parse(b"{}").is_err());
        assert!(parse(b"not json").is_err());
        let doc = br#"{"packages":[
            {"name":"image","versionInfo":"1"},
            {"name":"x","versionInfo":"1.0","licenseDeclared":"NOASSERTION",
             "externalRefs":[{"referenceType":"purl","referenceLocator":"pkg:cargo/x@1.0"}]},
            {"name":"y","externalRefs":[{"referenceType":"purl","referenceLocator":"pkg:gem/y@1"}]}
        ]}"#;
        let packages = parse(doc).expect("packages");
        assert_eq!(packages.len(), 1);
        assert_eq!(packages[0].ptype, PackageType::Cargo);
        assert!(packages[0].licenses.is_empty());
    }
}
