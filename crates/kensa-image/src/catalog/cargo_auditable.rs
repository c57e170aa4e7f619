//! Rust binaries built with cargo-auditable: the ELF section `.dep-v0`
//! holds zlib-compressed JSON, `{"packages": [{"name", "version",
//! "source", "kind", "dependencies", "root"}]}`, the crates compiled in.
//! [`super::binary`] keeps the compressed section of executables.
//!
//! Reported: crates whose `source` is `crates.io` or `registry`, since only
//! those have a crate-registry identity advisories are keyed by. Left out:
//! the root (the binary's own crate, source `local`), other `local` and
//! `git` crates (no registry version), and `kind: build` crates (build
//! scripts and proc-macros run at build time and are not in the binary).
//! The JSON is decompressed up to [`MAX_JSON`] bytes.

use std::io::Read;

use super::binary::{self, Evidence};
use super::{Cataloger, Found, Package, PackageType};
use crate::layers::{FileIndex, Keep};

/// Most bytes of decompressed JSON read from one binary.
pub const MAX_JSON: u64 = 8 << 20;

/// The cargo-auditable cataloger.
pub struct CargoAuditable;

impl Cataloger for CargoAuditable {
    fn name(&self) -> &'static str {
        "cargo-auditable"
    }

    fn keep(&self, _path: &str, mode: u32, size: u64) -> Keep {
        if binary::is_candidate(mode, size) {
            Keep::Extract(binary::extract)
        } else {
            Keep::Skip
        }
    }

    fn catalog(&self, index: &FileIndex, found: &mut Found) {
        for (path, entry) in index.iter() {
            let Some(section) = entry
                .content
                .as_deref()
                .and_then(Evidence::decode)
                .and_then(|evidence| evidence.cargo_dep_v0)
            else {
                continue;
            };
            match crates(&section) {
                Ok(crates) => found
                    .packages
                    .extend(crates.into_iter().map(|package| Package {
                        location: path.to_owned(),
                        layer: entry.layer,
                        ..package
                    })),
                Err(why) => found.notes.push(format!("{path}: .dep-v0 {why}, skipped")),
            }
        }
    }
}

/// The registry crates listed in a compressed `.dep-v0` section, or why
/// none could be read.
pub fn crates(compressed: &[u8]) -> Result<Vec<Package>, String> {
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(compressed)
        .take(MAX_JSON + 1)
        .read_to_end(&mut json)
        .map_err(|e| format!("does not decompress: {e}"))?;
    if json.len() as u64 > MAX_JSON {
        return Err(format!("is more than {MAX_JSON} bytes of JSON"));
    }
    let document: serde_json::Value =
        serde_json::from_slice(&json).map_err(|e| format!("is not JSON: {e}"))?;
    let Some(packages) = document.get("packages").and_then(|p| p.as_array()) else {
        return Err("has no packages list".into());
    };
    let text = |package: &serde_json::Value, key: &str| {
        package
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    Ok(packages
        .iter()
        .filter(|package| {
            let root = package.get("root").and_then(|r| r.as_bool()) == Some(true);
            let registry = matches!(text(package, "source").as_str(), "crates.io" | "registry");
            !root && registry && text(package, "kind") != "build"
        })
        .map(|package| Package {
            ptype: PackageType::Cargo,
            name: text(package, "name"),
            version: text(package, "version"),
            ..Package::default()
        })
        .filter(|package| !package.name.is_empty() && !package.version.is_empty())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zlib(bytes: &[u8]) -> Vec<u8> {
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).expect("zlib");
        encoder.finish().expect("zlib")
    }

    #[test]
    fn registry_runtime_crates_only() {
        let json = br#"{"packages":[
            {"name":"app","version":"0.1.0","source":"local","dependencies":[1,2,3,4],"root":true},
            {"name":"memchr","version":"2.7.4","source":"crates.io"},
            {"name":"serde_derive","version":"1.0.0","source":"crates.io","kind":"build"},
            {"name":"inhouse","version":"1.0.0","source":"registry","kind":"runtime"},
            {"name":"patched","version":"0.3.0","source":"git"}
        ]}"#;
        let names: Vec<(String, String)> = crates(&zlib(json))
            .expect("crates")
            .into_iter()
            .map(|p| (p.name, p.version))
            .collect();
        assert_eq!(
            names,
            [
                ("memchr".to_owned(), "2.7.4".to_owned()),
                ("inhouse".to_owned(), "1.0.0".to_owned())
            ]
        );
    }

    #[test]
    fn bad_sections_are_reasons_not_panics() {
        assert!(crates(b"not zlib").is_err());
        assert!(crates(&zlib(b"{\"packages\": 3}")).is_err());
        assert!(crates(&zlib(b"[")).is_err());
        let bomb = zlib(&vec![b' '; MAX_JSON as usize + 10]);
        assert!(
            crates(&bomb)
                .expect_err("over the cap")
                .contains("more than")
        );
    }
}
