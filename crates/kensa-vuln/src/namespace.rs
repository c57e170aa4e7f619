//! Namespaces: where an advisory applies, and how package names are
//! spelled inside one.
//!
//! | source | namespace |
//! |---|---|
//! | OSV `Debian:12`, Debian tracker `bookworm` | `debian:12` |
//! | OSV `Alpine:v3.19`, secdb `distroversion: v3.19` | `alpine:3.19` |
//! | OSV `Wolfi`, Wolfi secdb | `wolfi` |
//! | OSV `Chainguard`, Chainguard secdb | `chainguard` |
//! | OSV `Ubuntu:22.04`, `Ubuntu:22.04:LTS`, `Ubuntu:Pro:22.04:LTS` | `ubuntu:22.04` |
//! | OSV `Go`, `crates.io`, `PyPI`, `npm`, `Maven` | `go`, `crates.io`, `pypi`, `npm`, `maven` |
//! | any other OSV ecosystem | its name lower-cased (`almalinux:8`, `root:pypi`) |
//!
//! Names: PyPI names are normalised as PEP 503 says (lower case, runs of
//! `-`, `_`, `.` become one `-`); every other name is kept as the source
//! writes it (Go module paths and Maven `group:artifact` are
//! case-sensitive).

use kensa_image::catalog::os::{Family, Os};
use kensa_image::catalog::{Package, PackageType};

/// The namespace of an OSV ecosystem string.
pub fn of_ecosystem(ecosystem: &str) -> String {
    let ecosystem = ecosystem.trim();
    let (name, release) = match ecosystem.split_once(':') {
        Some((name, release)) => (name, Some(release)),
        None => (ecosystem, None),
    };
    match (name.to_ascii_lowercase().as_str(), release) {
        ("alpine", Some(release)) => {
            format!("alpine:{}", release.trim_start_matches('v'))
        }
        ("ubuntu", Some(release)) => {
            // `22.04:LTS` and `Pro:22.04:LTS`: the release is the part
            // that starts with a digit.
            match release
                .split(':')
                .find(|part| part.starts_with(|c: char| c.is_ascii_digit()))
            {
                Some(version) => format!("ubuntu:{version}"),
                None => "ubuntu".to_owned(),
            }
        }
        ("debian", Some(release)) => format!("debian:{release}"),
        _ => ecosystem.to_ascii_lowercase(),
    }
}

/// The PEP 503 normal form of a Python distribution name (as purls
/// write it).
pub fn pep503(name: &str) -> String {
    kensa_image::catalog::purl::pypi_name(name)
}

/// A package name as advisories in `namespace` spell it.
pub fn package_name(namespace: &str, name: &str) -> String {
    match namespace {
        "pypi" => pep503(name),
        _ => name.trim().to_owned(),
    }
}

/// The namespace of a detected OS, where its packages' advisories are:
/// Debian by major version, Alpine by major.minor, Ubuntu by release,
/// Wolfi and Chainguard without one. `None` when the OS has no version
/// kensa can key by.
pub fn of_os(os: &Os) -> Option<String> {
    let version = os.version.trim();
    let leading = |parts: usize| -> Option<String> {
        let kept: Vec<&str> = version.split('.').take(parts).collect();
        let joined = kept.join(".");
        (!joined.is_empty() && joined.starts_with(|c: char| c.is_ascii_digit())).then_some(joined)
    };
    match &os.family {
        Family::Debian => leading(1).map(|v| format!("debian:{v}")),
        Family::Alpine => leading(2).map(|v| format!("alpine:{v}")),
        Family::Ubuntu => leading(2).map(|v| format!("ubuntu:{v}")),
        Family::Wolfi => Some("wolfi".to_owned()),
        Family::Chainguard => Some("chainguard".to_owned()),
        Family::Other(id) => {
            let id = id.to_ascii_lowercase();
            Some(match leading(1) {
                Some(major) => format!("{id}:{major}"),
                None => id,
            })
        }
    }
}

/// The namespace and advisory name of a language package (`None` for OS
/// packages): Go modules by path (the standard library as `stdlib`), npm
/// with its scope, Maven as `group:artifact`, PyPI normalised.
pub fn of_language_package(package: &Package) -> Option<(String, String)> {
    let ecosystem = package.ptype.language_ecosystem()?;
    let namespace = of_ecosystem(ecosystem);
    let name = match package.ptype {
        PackageType::GoStdlib => "stdlib".to_owned(),
        PackageType::Npm if !package.namespace.is_empty() => {
            format!("{}/{}", package.namespace, package.name)
        }
        PackageType::Java if !package.namespace.is_empty() => {
            format!("{}:{}", package.namespace, package.name)
        }
        _ => package.name.clone(),
    };
    let name = package_name(&namespace, &name);
    Some((namespace, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osv_ecosystems_map_to_namespaces() {
        let cases = [
            ("Debian:12", "debian:12"),
            ("Alpine:v3.19", "alpine:3.19"),
            ("Wolfi", "wolfi"),
            ("Chainguard", "chainguard"),
            ("Ubuntu:22.04", "ubuntu:22.04"),
            ("Ubuntu:22.04:LTS", "ubuntu:22.04"),
            ("Ubuntu:Pro:18.04:LTS", "ubuntu:18.04"),
            ("Go", "go"),
            ("crates.io", "crates.io"),
            ("PyPI", "pypi"),
            ("npm", "npm"),
            ("Maven", "maven"),
            ("AlmaLinux:8", "almalinux:8"),
            ("Root:Alpine:3.18", "root:alpine:3.18"),
        ];
        for (ecosystem, namespace) in cases {
            assert_eq!(of_ecosystem(ecosystem), namespace, "{ecosystem}");
        }
    }

    #[test]
    fn pypi_names_are_normalised_as_pep_503_says() {
        assert_eq!(pep503("Friendly-Bard"), "friendly-bard");
        assert_eq!(pep503("FRIENDLY._-bard"), "friendly-bard");
        assert_eq!(pep503("zope.interface"), "zope-interface");
        assert_eq!(package_name("pypi", "PyYAML"), "pyyaml");
        assert_eq!(
            package_name("go", "github.com/BurntSushi/toml"),
            "github.com/BurntSushi/toml"
        );
    }

    #[test]
    fn os_versions_key_by_release() {
        let os = |family, version: &str| Os {
            family,
            version: version.to_owned(),
            pretty_name: None,
        };
        assert_eq!(
            of_os(&os(Family::Debian, "12.4")).as_deref(),
            Some("debian:12")
        );
        assert_eq!(
            of_os(&os(Family::Debian, "12")).as_deref(),
            Some("debian:12")
        );
        assert_eq!(
            of_os(&os(Family::Alpine, "3.19.1")).as_deref(),
            Some("alpine:3.19")
        );
        assert_eq!(
            of_os(&os(Family::Ubuntu, "22.04")).as_deref(),
            Some("ubuntu:22.04")
        );
        assert_eq!(of_os(&os(Family::Wolfi, "")).as_deref(), Some("wolfi"));
        assert_eq!(of_os(&os(Family::Debian, "")), None);
        assert_eq!(of_os(&os(Family::Debian, "bookworm/sid")), None);
    }
}
