//! Catalogers over a [`FileIndex`]: the operating system and its packages.
//!
//! Each cataloger is one file and one entry in [`CATALOGERS`]. A cataloger
//! says which files it needs ([`Cataloger::keep`], asked while layers are
//! read) and turns the index into packages ([`Cataloger::catalog`]), a pure
//! function over the kept contents. [`catalog`] runs them all, drops
//! packages a shipped SBOM repeats, and fills in purls once the OS is known.

pub mod apk;
pub mod binary;
pub mod cargo_auditable;
pub mod dpkg;
pub mod golang;
pub mod java;
pub mod npm;
pub mod os;
pub mod purl;
pub mod python;
pub mod rpm;
pub mod shipped_sbom;

use crate::layers::{FileIndex, Keep};

/// What kind of package, by the ecosystem that installed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum PackageType {
    /// A Debian package (dpkg).
    #[default]
    Deb,
    /// An Alpine, Wolfi or Chainguard package (apk).
    Apk,
    /// An RPM package.
    Rpm,
    /// A Go module compiled into a binary.
    GoModule,
    /// The Go standard library a binary was built with.
    GoStdlib,
    /// A Rust crate compiled into a binary (cargo-auditable).
    Cargo,
    /// An installed Python distribution.
    Python,
    /// An installed npm package.
    Npm,
    /// A Java archive.
    Java,
}

impl PackageType {
    /// The purl type (`pkg:<type>/...`).
    pub fn purl_type(self) -> &'static str {
        match self {
            PackageType::Deb => "deb",
            PackageType::Apk => "apk",
            PackageType::Rpm => "rpm",
            PackageType::GoModule | PackageType::GoStdlib => "golang",
            PackageType::Cargo => "cargo",
            PackageType::Python => "pypi",
            PackageType::Npm => "npm",
            PackageType::Java => "maven",
        }
    }

    /// The short name used in reports and JSON (`deb`, `gobinary`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            PackageType::Deb => "deb",
            PackageType::Apk => "apk",
            PackageType::Rpm => "rpm",
            PackageType::GoModule => "gobinary",
            PackageType::GoStdlib => "gostdlib",
            PackageType::Cargo => "rustbinary",
            PackageType::Python => "python",
            PackageType::Npm => "npm",
            PackageType::Java => "jar",
        }
    }

    /// Whether the OS package manager installed it (advisories are per
    /// distribution release and keyed by source package).
    pub fn is_os(self) -> bool {
        matches!(self, PackageType::Deb | PackageType::Apk | PackageType::Rpm)
    }

    /// The OSV ecosystem of a language package (`None` for OS packages,
    /// whose ecosystem depends on the distribution).
    pub fn language_ecosystem(self) -> Option<&'static str> {
        match self {
            PackageType::GoModule | PackageType::GoStdlib => Some("Go"),
            PackageType::Cargo => Some("crates.io"),
            PackageType::Python => Some("PyPI"),
            PackageType::Npm => Some("npm"),
            PackageType::Java => Some("Maven"),
            PackageType::Deb | PackageType::Apk | PackageType::Rpm => None,
        }
    }
}

/// A package found in an image.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Package {
    /// Its kind.
    pub ptype: PackageType,
    /// A namespace inside the ecosystem: a Maven group ID, an npm scope
    /// (with its `@`). Empty for the rest.
    pub namespace: String,
    /// The name (binary package name for OS packages, module path for Go).
    pub name: String,
    /// The version as the ecosystem writes it (`1:2.36-9+deb12u4`).
    pub version: String,
    /// The source package and its version, for OS packages whose binary
    /// package was built from another (advisories are keyed by it).
    pub source: Option<(String, Option<String>)>,
    /// The architecture, when recorded.
    pub arch: Option<String>,
    /// Licences as the package states them (SPDX expressions or free text).
    pub licenses: Vec<String>,
    /// The file that evidences the package: its database, binary,
    /// manifest or archive.
    pub location: String,
    /// The layer (index into the image's layers) that wrote that file.
    pub layer: usize,
    /// Files the package installed, as far as its metadata says.
    pub files: Vec<String>,
    /// Its package URL, filled by [`catalog`] (which knows the OS).
    pub purl: String,
    /// CPE 2.3 names, filled by [`catalog`].
    pub cpes: Vec<String>,
    /// The cataloger that found it.
    pub found_by: &'static str,
}

impl Package {
    /// The source package name (the name itself when there is none).
    pub fn source_name(&self) -> &str {
        self.source.as_ref().map_or(&self.name, |(name, _)| name)
    }

    /// The source version (the version itself when there is none).
    pub fn source_version(&self) -> &str {
        self.source
            .as_ref()
            .and_then(|(_, version)| version.as_deref())
            .unwrap_or(&self.version)
    }
}

/// What catalogers found, and notes on what they skipped (a note starts
/// with `path:line:` where a line is known).
#[derive(Debug, Default)]
pub struct Found {
    /// Packages.
    pub packages: Vec<Package>,
    /// Notes on bad records and unreadable files.
    pub notes: Vec<String>,
}

/// One cataloger: which files it reads and what packages they show.
pub trait Cataloger: Sync {
    /// Its name, recorded in [`Package::found_by`].
    fn name(&self) -> &'static str;
    /// What it needs of a regular file with this path, mode and size.
    fn keep(&self, path: &str, mode: u32, size: u64) -> Keep;
    /// Packages from the kept contents. Must not panic on any content.
    fn catalog(&self, index: &FileIndex, found: &mut Found);
}

/// Every cataloger, in the order their packages are reported.
/// Java comes before the binary catalogers so an executable jar is read
/// as an archive; the shipped SBOM comes last, since it leaves out what the
/// others found.
pub static CATALOGERS: &[&dyn Cataloger] = &[
    &dpkg::Dpkg,
    &apk::Apk,
    &rpm::Rpm,
    &java::Java,
    &python::Python,
    &npm::Npm,
    &golang::Golang,
    &cargo_auditable::CargoAuditable,
    &shipped_sbom::ShippedSbom,
];

/// What a layer reader should keep of a file for OS detection and the
/// catalogers (pass to [`FileIndex::apply_layer`]).
pub fn keep(path: &str, mode: u32, size: u64) -> Keep {
    if os::FILES.contains(&path) {
        return Keep::Content;
    }
    CATALOGERS
        .iter()
        .map(|c| c.keep(path, mode, size))
        .find(|k| !matches!(k, Keep::Skip))
        .unwrap_or(Keep::Skip)
}

/// An image's OS and packages.
#[derive(Debug, Default)]
pub struct Catalog {
    /// The OS, when one is detected.
    pub os: Option<os::Os>,
    /// Packages, OS packages first, each with its purl.
    pub packages: Vec<Package>,
    /// Notes on what was skipped.
    pub notes: Vec<String>,
}

/// Runs every cataloger over the index.
pub fn catalog(index: &FileIndex) -> Catalog {
    let os = os::detect(index);
    let mut found = Found::default();
    for cataloger in CATALOGERS {
        let start = found.packages.len();
        cataloger.catalog(index, &mut found);
        for package in &mut found.packages[start..] {
            package.found_by = cataloger.name();
        }
    }
    let mut packages = found.packages;
    for package in &mut packages {
        if package.purl.is_empty() {
            package.purl = purl::of(package, os.as_ref());
        }
        if package.cpes.is_empty() {
            package.cpes = vec![purl::cpe(package)];
        }
    }
    Catalog {
        os,
        packages,
        notes: found.notes,
    }
}

/// The blank-line-separated records of a dpkg or apk database, each with
/// the line it starts on (for notes that point at it).
fn records(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut next_line = 1;
    text.split("\n\n").map(move |record| {
        let start = next_line;
        next_line += record.lines().count() + 1;
        (start, record)
    })
}
