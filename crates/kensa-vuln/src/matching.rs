//! Matching an image's packages against the database.
//!
//! - OS packages (dpkg, apk, rpm) are looked up by their **source**
//!   package in the namespace of the detected OS
//!   ([`namespace::of_os`]), and the installed (binary) version is
//!   compared, as Trivy does, with the OS's scheme (dpkg, apk, rpm).
//!   Without a detected OS with a usable version they are not matched.
//! - Language packages are looked up by ecosystem and name
//!   ([`namespace::of_language_package`]): Go, npm and crates.io by
//!   semver (Go's leading `v` and the stdlib's `go` prefix dropped), PyPI
//!   by PEP 440, Maven by Maven's order.
//!
//! A version is affected when it is listed in an advisory's `versions`, or
//! inside one of its ranges (OSV's evaluation: events sorted by version,
//! `introduced` opens, `fixed`/`limit` close at the version, and
//! `last_affected` closes after it). An advisory with neither ranges nor
//! versions affects every version (an open distribution advisory).

use crate::db::Database;
use crate::error::Result;
use crate::model::{Advisory, Cvss, Event, FixState, Range, Severity, Vulnerability};
use crate::namespace;
use crate::version::Scheme;
use kensa_image::catalog::{Catalog, Package, PackageType};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

/// A vulnerability found in a package (serialises with these field names,
/// severity upper-case and status snake-case).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    /// The vulnerability's ID (as the advisory names it).
    pub vulnerability_id: String,
    /// The package: an index into the catalog's `packages`.
    pub package_index: usize,
    /// The package's name (binary package name for OS packages).
    pub package_name: String,
    /// The package's purl.
    pub purl: String,
    /// The version installed.
    pub installed_version: String,
    /// The versions that fix it, comma-joined (`1.20.12, 1.21.5`); empty
    /// when there is none.
    pub fixed_version: String,
    /// Its fix state (never [`FixState::NotAffected`]).
    pub status: FixState,
    /// The severity: the source's rating for this package when it has
    /// one, else the vulnerability's.
    pub severity: Severity,
    /// One-line summary.
    pub title: String,
    /// Description.
    pub description: String,
    /// Reference URLs.
    pub references: Vec<String>,
    /// The page to read first.
    pub primary_url: Option<String>,
    /// The advisory's data source.
    pub data_source: String,
    /// The namespace the advisory came from.
    pub namespace: String,
    /// Other IDs of the vulnerability.
    pub aliases: Vec<String>,
    /// CVSS vectors and scores.
    pub cvss: Vec<Cvss>,
}

/// How a package is looked up and compared.
struct Lookup {
    namespace: String,
    name: String,
    scheme: Scheme,
    version: String,
}

fn lookup(package: &Package, os_namespace: Option<&str>) -> Option<Lookup> {
    let version = package.version.trim();
    if version.is_empty() || version == "(devel)" {
        return None;
    }
    if package.ptype.is_os() {
        let scheme = match package.ptype {
            PackageType::Deb => Scheme::Dpkg,
            PackageType::Apk => Scheme::Apk,
            _ => Scheme::Rpm,
        };
        return Some(Lookup {
            namespace: os_namespace?.to_owned(),
            name: package.source_name().to_owned(),
            scheme,
            version: version.to_owned(),
        });
    }
    let (namespace, name) = namespace::of_language_package(package)?;
    let (scheme, version) = match package.ptype {
        PackageType::Python => (Scheme::Pep440, version),
        PackageType::Java => (Scheme::Maven, version),
        PackageType::GoStdlib => (Scheme::Semver, version.trim_start_matches("go")),
        _ => (Scheme::Semver, version),
    };
    Some(Lookup {
        namespace,
        name,
        scheme,
        version: version.to_owned(),
    })
}

/// Every finding for the catalog's packages, sorted by package, then
/// severity (highest first), then ID; one per (ID, package).
pub fn match_catalog(db: &Database, catalog: &Catalog) -> Result<Vec<Finding>> {
    let os_namespace = catalog.os.as_ref().and_then(namespace::of_os);
    // Binary packages of one source share advisories: read them once.
    let mut advisories: HashMap<(String, String), Vec<Advisory>> = HashMap::new();
    let mut vulnerabilities: HashMap<String, Option<Vulnerability>> = HashMap::new();
    let mut seen: HashSet<(String, usize)> = HashSet::new();
    let mut findings = Vec::new();
    for (index, package) in catalog.packages.iter().enumerate() {
        let Some(lookup) = lookup(package, os_namespace.as_deref()) else {
            continue;
        };
        let key = (lookup.namespace.clone(), lookup.name.clone());
        if !advisories.contains_key(&key) {
            let found = db.advisories(&lookup.namespace, &lookup.name)?;
            advisories.insert(key.clone(), found);
        }
        for advisory in advisories.get(&key).map(Vec::as_slice).unwrap_or_default() {
            let Some((status, fixed)) = evaluate(advisory, lookup.scheme, &lookup.version) else {
                continue;
            };
            if !seen.insert((advisory.vulnerability_id.clone(), index)) {
                continue;
            }
            if !vulnerabilities.contains_key(&advisory.vulnerability_id) {
                let details = db.vulnerability(&advisory.vulnerability_id)?;
                vulnerabilities.insert(advisory.vulnerability_id.clone(), details);
            }
            let details = vulnerabilities
                .get(&advisory.vulnerability_id)
                .cloned()
                .flatten()
                .unwrap_or_default();
            findings.push(finding(
                index, package, &lookup, advisory, status, fixed, details,
            ));
        }
    }
    findings.sort_by(|a, b| {
        a.package_index
            .cmp(&b.package_index)
            .then(b.severity.cmp(&a.severity))
            .then_with(|| a.vulnerability_id.cmp(&b.vulnerability_id))
    });
    Ok(findings)
}

fn finding(
    index: usize,
    package: &Package,
    lookup: &Lookup,
    advisory: &Advisory,
    status: FixState,
    fixed: Vec<String>,
    details: Vulnerability,
) -> Finding {
    let severity = match advisory.severity {
        Severity::Unknown => details.severity,
        rated => rated,
    };
    let id = &advisory.vulnerability_id;
    let primary_url = details.references.first().cloned().or_else(|| {
        if id.starts_with("CVE-") {
            Some(format!("https://nvd.nist.gov/vuln/detail/{id}"))
        } else if id.starts_with("GHSA-") {
            Some(format!("https://github.com/advisories/{id}"))
        } else {
            None
        }
    });
    Finding {
        vulnerability_id: id.clone(),
        package_index: index,
        package_name: package.name.clone(),
        purl: package.purl.clone(),
        installed_version: package.version.clone(),
        fixed_version: fixed.join(", "),
        status,
        severity,
        title: details.title,
        description: details.description,
        references: details.references,
        primary_url,
        data_source: advisory.data_source.clone(),
        namespace: lookup.namespace.clone(),
        aliases: details.aliases,
        cvss: details.cvss,
    }
}

/// Whether `advisory` affects `version`, and if so its fix state and the
/// fixed versions above `version` (in order). `None`: not affected.
pub fn evaluate(
    advisory: &Advisory,
    scheme: Scheme,
    version: &str,
) -> Option<(FixState, Vec<String>)> {
    if advisory.status == FixState::NotAffected {
        return None;
    }
    if advisory.ranges.is_empty() && advisory.versions.is_empty() {
        return Some((advisory.status, Vec::new()));
    }
    let listed = advisory
        .versions
        .iter()
        .any(|listed| scheme.compare(listed, version) == Ordering::Equal);
    let in_range = advisory
        .ranges
        .iter()
        .any(|range| range_affects(range, scheme, version));
    if !(listed || in_range) {
        return None;
    }
    let mut fixed: Vec<String> = advisory
        .fixed_versions()
        .into_iter()
        .filter(|fix| scheme.compare(fix, version) == Ordering::Greater)
        .collect();
    fixed.sort_by(|a, b| scheme.compare(a, b));
    fixed.dedup_by(|a, b| scheme.compare(a, b) == Ordering::Equal);
    let status = if !fixed.is_empty() {
        FixState::Fixed
    } else if advisory.status == FixState::Fixed {
        // The fixes are for other branches: this one has none.
        FixState::Affected
    } else {
        advisory.status
    };
    Some((status, fixed))
}

/// The version an event sorts by; `None` for `introduced: 0`, first.
fn event_key(event: &Event) -> Option<&str> {
    match event {
        Event::Introduced(v) if v == "0" => None,
        Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => {
            Some(v)
        }
    }
}

/// OSV's range evaluation over events sorted by version.
fn range_affects(range: &Range, scheme: Scheme, version: &str) -> bool {
    let mut events: Vec<&Event> = range.events.iter().collect();
    // `introduced: 0` first; equal versions keep their listed order.
    events.sort_by(|a, b| match (event_key(a), event_key(b)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => scheme.compare(x, y),
    });
    let mut affected = false;
    for event in events {
        match event {
            Event::Introduced(v) => {
                if v == "0" || scheme.compare(version, v) != Ordering::Less {
                    affected = true;
                }
            }
            Event::Fixed(v) | Event::Limit(v) => {
                if scheme.compare(version, v) != Ordering::Less {
                    affected = false;
                }
            }
            Event::LastAffected(v) => {
                if scheme.compare(version, v) == Ordering::Greater {
                    affected = false;
                }
            }
        }
    }
    affected
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advisory(ranges: Vec<Vec<Event>>, versions: &[&str], status: FixState) -> Advisory {
        Advisory {
            ranges: ranges.into_iter().map(|events| Range { events }).collect(),
            versions: versions.iter().map(|v| (*v).to_owned()).collect(),
            status,
            ..Default::default()
        }
    }

    fn intro(v: &str) -> Event {
        Event::Introduced(v.to_owned())
    }
    fn fixed(v: &str) -> Event {
        Event::Fixed(v.to_owned())
    }

    #[test]
    fn ranges_open_and_close_in_version_order() {
        // Listed out of order on purpose: evaluation sorts them.
        let a = advisory(
            vec![vec![
                fixed("1.21.5"),
                intro("1.21.0"),
                fixed("1.20.12"),
                intro("0"),
            ]],
            &[],
            FixState::Fixed,
        );
        let check = |v: &str| evaluate(&a, Scheme::Semver, v);
        assert_eq!(
            check("1.20.11"),
            Some((FixState::Fixed, vec!["1.20.12".into(), "1.21.5".into()]))
        );
        assert_eq!(check("1.20.12"), None);
        assert_eq!(check("1.20.99"), None);
        assert_eq!(
            check("1.21.0"),
            Some((FixState::Fixed, vec!["1.21.5".into()]))
        );
        assert_eq!(
            check("v1.21.4"),
            Some((FixState::Fixed, vec!["1.21.5".into()]))
        );
        assert_eq!(check("1.21.5"), None);
    }

    #[test]
    fn last_affected_includes_its_version_and_limit_excludes_it() {
        let a = advisory(
            vec![vec![intro("2.0.0"), Event::LastAffected("2.3.0".into())]],
            &[],
            FixState::Affected,
        );
        assert_eq!(
            evaluate(&a, Scheme::Semver, "2.3.0"),
            Some((FixState::Affected, vec![]))
        );
        assert_eq!(evaluate(&a, Scheme::Semver, "2.3.1"), None);
        assert_eq!(evaluate(&a, Scheme::Semver, "1.9.9"), None);
        let b = advisory(
            vec![vec![intro("0"), Event::Limit("3.0.0".into())]],
            &[],
            FixState::Affected,
        );
        assert!(evaluate(&b, Scheme::Semver, "2.9.9").is_some());
        assert_eq!(evaluate(&b, Scheme::Semver, "3.0.0"), None);
    }

    #[test]
    fn listed_versions_and_open_advisories() {
        let a = advisory(vec![], &["1.0", "1.1"], FixState::Affected);
        assert!(
            evaluate(&a, Scheme::Pep440, "1.1.0").is_some(),
            "PEP 440 equality"
        );
        assert_eq!(evaluate(&a, Scheme::Pep440, "1.2"), None);
        let open = advisory(vec![], &[], FixState::WillNotFix);
        assert_eq!(
            evaluate(&open, Scheme::Dpkg, "1.0-1"),
            Some((FixState::WillNotFix, vec![]))
        );
        let not = advisory(vec![], &[], FixState::NotAffected);
        assert_eq!(evaluate(&not, Scheme::Dpkg, "1.0-1"), None);
    }

    #[test]
    fn a_fix_on_another_branch_leaves_the_version_affected() {
        let a = advisory(
            vec![
                vec![intro("0"), fixed("1.2.0")],
                vec![intro("2.0.0"), Event::LastAffected("2.3.0".into())],
            ],
            &[],
            FixState::Fixed,
        );
        assert_eq!(
            evaluate(&a, Scheme::Semver, "2.1.0"),
            Some((FixState::Affected, vec![]))
        );
    }
}
