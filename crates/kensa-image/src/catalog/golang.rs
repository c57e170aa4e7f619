//! Go binaries: the build information the Go linker embeds in every
//! binary (what `go version -m` prints), read by [`super::binary`] from
//! executables of at least 4 KiB.
//!
//! Packages: the main module (unless its version is `(devel)`, which says
//! nothing about what was built), every `dep` line, and `stdlib` at the
//! toolchain's version (`go1.22.1` → `v1.22.1`), since the standard library
//! is compiled in and has advisories of its own.
//!
//! A `=>` line replaces the `dep` before it. A replacement by another
//! module (it has a version) is reported as that module, since its code is
//! what was compiled in. A replacement by a local directory (no version, or
//! `(devel)` as Go 1.19 writes it) keeps the required module path and version: a file path is no module
//! identity advisories could be matched against.

use super::binary::{self, Evidence};
use super::{Cataloger, Found, Package, PackageType};
use crate::layers::{FileIndex, Keep};

/// The Go binary cataloger.
pub struct Golang;

impl Cataloger for Golang {
    fn name(&self) -> &'static str {
        "go-binary"
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
            let Some(evidence) = entry.content.as_deref().and_then(Evidence::decode) else {
                continue;
            };
            if evidence.go_pointer_format {
                found.notes.push(format!(
                    "{path}: Go build information in the pre-1.18 pointer format is not read"
                ));
            }
            let start = found.packages.len();
            packages(&evidence, found);
            for package in &mut found.packages[start..] {
                package.location = path.to_owned();
                package.layer = entry.layer;
            }
        }
    }
}

/// `v` and the toolchain version without `go` and without a GOEXPERIMENT
/// suffix (`go1.22.1 X:boringcrypto` → `v1.22.1`); `None` for a version
/// that is not a release (`devel +abc`).
pub fn stdlib_version(go_version: &str) -> Option<String> {
    let version = go_version.split_whitespace().next()?;
    let version = version.split("-X:").next().unwrap_or(version);
    let number = version.strip_prefix("go")?;
    number
        .starts_with(|c: char| c.is_ascii_digit())
        .then(|| format!("v{number}"))
}

/// Packages of one binary's build information (location and layer left
/// for the caller).
pub fn packages(evidence: &Evidence, found: &mut Found) {
    let module = |name: &str, version: &str, ptype: PackageType| Package {
        ptype,
        name: name.to_owned(),
        version: version.to_owned(),
        ..Package::default()
    };
    if let Some(modinfo) = &evidence.go_modinfo {
        // The dep a following `=>` line replaces, as an index into packages.
        let mut last_dep: Option<usize> = None;
        for line in modinfo.lines() {
            let mut fields = line.split('\t');
            let kind = fields.next().unwrap_or_default();
            let path = fields.next().unwrap_or_default();
            let version = fields.next().unwrap_or_default();
            match kind {
                "mod" if !path.is_empty() && !version.is_empty() && version != "(devel)" => {
                    found
                        .packages
                        .push(module(path, version, PackageType::GoModule));
                    last_dep = None;
                }
                "dep" if !path.is_empty() => {
                    last_dep = Some(found.packages.len());
                    found
                        .packages
                        .push(module(path, version, PackageType::GoModule));
                }
                "=>" if !path.is_empty() && !version.is_empty() && version != "(devel)" => {
                    if let Some(replaced) = last_dep.and_then(|at| found.packages.get_mut(at)) {
                        replaced.name = path.to_owned();
                        replaced.version = version.to_owned();
                    }
                    last_dep = None;
                }
                _ => last_dep = None,
            }
        }
    }
    if let Some(version) = evidence.go_version.as_deref().and_then(stdlib_version) {
        found
            .packages
            .push(module("stdlib", &version, PackageType::GoStdlib));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(modinfo: &str, version: &str) -> Vec<(PackageType, String, String)> {
        let evidence = Evidence {
            go_version: Some(version.into()),
            go_modinfo: Some(modinfo.into()),
            ..Evidence::default()
        };
        let mut found = Found::default();
        packages(&evidence, &mut found);
        found
            .packages
            .into_iter()
            .map(|p| (p.ptype, p.name, p.version))
            .collect()
    }

    #[test]
    fn main_module_deps_replacements_and_stdlib() {
        let modinfo = "path\texample.com/app/cmd\n\
            mod\texample.com/app\tv1.2.3\th1:abc=\n\
            dep\tgolang.org/x/text\tv0.14.0\th1:def=\n\
            dep\texample.com/old\tv1.0.0\n\
            =>\texample.com/fork\tv1.0.1\th1:ghi=\n\
            dep\texample.com/local\tv0.0.0-00010101000000-000000000000\n\
            =>\t../local\t(devel)\t\n\
            build\t-compiler=gc\n";
        let owned = |t, n: &str, v: &str| (t, n.to_owned(), v.to_owned());
        assert_eq!(
            found(modinfo, "go1.22.1 X:boringcrypto"),
            [
                owned(PackageType::GoModule, "example.com/app", "v1.2.3"),
                owned(PackageType::GoModule, "golang.org/x/text", "v0.14.0"),
                owned(PackageType::GoModule, "example.com/fork", "v1.0.1"),
                owned(
                    PackageType::GoModule,
                    "example.com/local",
                    "v0.0.0-00010101000000-000000000000"
                ),
                owned(PackageType::GoStdlib, "stdlib", "v1.22.1"),
            ]
        );
    }

    #[test]
    fn devel_main_modules_and_odd_versions_are_left_out() {
        let modinfo = "mod\texample.com/app\t(devel)\t\n=>\texample.com/x\tv1\n";
        assert!(found(modinfo, "devel go1.23-abc").is_empty());
        let empty_replacement = "dep\texample.com/a\tv1.0.0\n=>\t\tv2.0.0\n";
        assert_eq!(found(empty_replacement, "devel")[0].1, "example.com/a");
        assert_eq!(
            stdlib_version("go1.21.0-X:loopvar").as_deref(),
            Some("v1.21.0")
        );
        assert_eq!(stdlib_version("go"), None);
    }
}
