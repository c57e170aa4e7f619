//! Matching end to end: advisories imported from small fixtures, catalogs
//! built here, then filters and VEX.

use kensa_image::catalog::os::{Family, Os};
use kensa_image::catalog::{Catalog, Package, PackageType};
use kensa_vuln::db::{self, Database};
use kensa_vuln::filter::{self, Filter, Reason};
use kensa_vuln::matching::{Finding, match_catalog};
use kensa_vuln::{FixState, Severity, vex};

const TRACKER: &str = r#"{"openssl": {
  "CVE-2024-0001": {"description": "fixed in bookworm", "releases": {
      "bookworm": {"status": "resolved", "fixed_version": "3.0.11-1~deb12u2", "urgency": "high"},
      "bullseye": {"status": "open", "urgency": "high"}}},
  "CVE-2024-0002": {"description": "fixed before ours", "releases": {
      "bookworm": {"status": "resolved", "fixed_version": "3.0.9-1", "urgency": "medium"}}},
  "CVE-2024-0003": {"description": "never affected", "releases": {
      "bookworm": {"status": "resolved", "fixed_version": "0", "urgency": "unimportant"}}},
  "CVE-2024-0004": {"description": "postponed", "releases": {
      "bookworm": {"status": "open", "urgency": "low", "nodsa": "Minor", "nodsa_reason": "postponed"}}},
  "CVE-2024-0005": {"description": "open", "releases": {
      "bookworm": {"status": "open", "urgency": "medium**"}}}},
 "zlib": {"CVE-2024-0006": {"releases": {
      "bookworm": {"status": "resolved", "fixed_version": "1:1.2.13.dfsg-2", "urgency": "low"}}}}}"#;

const SECDB: &str = "distroversion: v3.19\nreponame: main\npackages:\n  - pkg:\n      name: openssl\n      secfixes:\n        3.1.4-r1:\n          - CVE-2023-5678\n        3.1.2-r0:\n          - CVE-2023-2975\n        \"0\":\n          - CVE-2022-0000\n";

const OSV: &str = r#"[
 {"id": "GO-2023-2185", "modified": "2023-12-06T00:00:00Z", "summary": "stdlib path issue",
  "aliases": ["CVE-2023-45283"],
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
  "affected": [{"package": {"ecosystem": "Go", "name": "stdlib"}, "ranges": [{"type": "SEMVER",
    "events": [{"introduced": "0"}, {"fixed": "1.20.11"}, {"introduced": "1.21.0-0"}, {"fixed": "1.21.4"}]}]}]},
 {"id": "GO-2024-0001", "modified": "2024-01-01T00:00:00Z", "summary": "module bug",
  "affected": [{"package": {"ecosystem": "Go", "name": "github.com/example/mod"}, "ranges": [{"type": "SEMVER",
    "events": [{"introduced": "1.2.0"}, {"fixed": "1.2.5"}]}]}]},
 {"id": "PYSEC-2021-0001", "modified": "2021-01-01T00:00:00Z", "aliases": ["CVE-2020-14343"],
  "summary": "yaml load", "database_specific": {"severity": "CRITICAL"},
  "affected": [{"package": {"ecosystem": "PyPI", "name": "PyYAML"}, "ranges": [{"type": "ECOSYSTEM",
    "events": [{"introduced": "0"}, {"fixed": "5.4"}]}]}]},
 {"id": "GHSA-npm1-0000-0000", "modified": "2022-01-01T00:00:00Z", "summary": "semver redos",
  "aliases": ["CVE-2022-25883"],
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
  "affected": [{"package": {"ecosystem": "npm", "name": "semver"}, "ranges": [{"type": "SEMVER",
    "events": [{"introduced": "7.0.0"}, {"fixed": "7.5.2"}]}]}]},
 {"id": "RUSTSEC-2024-0001", "modified": "2024-01-01T00:00:00Z", "summary": "no fix yet",
  "affected": [{"package": {"ecosystem": "crates.io", "name": "smallvec"}, "ranges": [{"type": "SEMVER",
    "events": [{"introduced": "1.0.0"}, {"last_affected": "1.6.0"}]}]}]}
]"#;

struct Fixture {
    _dir: tempfile::TempDir,
    database: Database,
}

fn database() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).expect("creates");
    let mut paths = Vec::new();
    for (name, text) in [
        ("tracker.json", TRACKER),
        ("secdb.yaml", SECDB),
        ("osv.json", OSV),
    ] {
        let path = inputs.join(name);
        std::fs::write(&path, text).expect("writes");
        paths.push(path);
    }
    let db_dir = dir.path().join("db");
    let summary = db::import(&db_dir, &paths, |_| {}).expect("imports");
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    let database = Database::open(&db_dir).expect("opens");
    Fixture {
        _dir: dir,
        database,
    }
}

fn package(
    ptype: PackageType,
    name: &str,
    version: &str,
    source: Option<&str>,
    purl: &str,
) -> Package {
    Package {
        ptype,
        name: name.to_owned(),
        version: version.to_owned(),
        source: source.map(|s| (s.to_owned(), None)),
        purl: purl.to_owned(),
        ..Default::default()
    }
}

fn os(family: Family, version: &str) -> Option<Os> {
    Some(Os {
        family,
        version: version.to_owned(),
        pretty_name: None,
    })
}

fn ids(findings: &[Finding], package_index: usize) -> Vec<(&str, FixState, &str)> {
    findings
        .iter()
        .filter(|f| f.package_index == package_index)
        .map(|f| {
            (
                f.vulnerability_id.as_str(),
                f.status,
                f.fixed_version.as_str(),
            )
        })
        .collect()
}

fn debian_catalog() -> Catalog {
    Catalog {
        os: os(Family::Debian, "12.4"),
        packages: vec![
            package(
                PackageType::Deb,
                "libssl3",
                "3.0.11-1~deb12u1",
                Some("openssl"),
                "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12.4",
            ),
            package(
                PackageType::Deb,
                "zlib1g",
                "1:1.2.13.dfsg-1",
                Some("zlib"),
                "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64",
            ),
            // No advisory names the binary package itself.
            package(
                PackageType::Deb,
                "openssl",
                "3.0.11-1~deb12u2",
                None,
                "pkg:deb/debian/openssl@3.0.11-1~deb12u2",
            ),
        ],
        notes: Vec::new(),
    }
}

#[test]
fn debian_binary_packages_match_by_source_package() {
    let fixture = database();
    let findings = match_catalog(&fixture.database, &debian_catalog()).expect("matches");
    // Sorted by severity, highest first, then ID.
    assert_eq!(
        ids(&findings, 0),
        [
            ("CVE-2024-0001", FixState::Fixed, "3.0.11-1~deb12u2"),
            ("CVE-2024-0005", FixState::Affected, ""),
            ("CVE-2024-0004", FixState::FixDeferred, ""),
        ]
    );
    let first = &findings[0];
    assert_eq!(first.severity, Severity::High);
    assert_eq!(first.installed_version, "3.0.11-1~deb12u1");
    assert_eq!(first.package_name, "libssl3");
    assert_eq!(first.description, "fixed in bookworm");
    assert_eq!(first.namespace, "debian:12");
    assert_eq!(first.data_source, "debian-tracker");
    assert_eq!(
        first.primary_url.as_deref(),
        Some("https://security-tracker.debian.org/tracker/CVE-2024-0001")
    );
    // Epochs count: 1:1.2.13.dfsg-1 < 1:1.2.13.dfsg-2.
    assert_eq!(
        ids(&findings, 1),
        [("CVE-2024-0006", FixState::Fixed, "1:1.2.13.dfsg-2")]
    );
    // The fixed version itself is not affected by 0001; 0004 and 0005 are open.
    assert_eq!(
        ids(&findings, 2).iter().map(|f| f.0).collect::<Vec<_>>(),
        ["CVE-2024-0005", "CVE-2024-0004"]
    );

    // The same packages on bullseye see bullseye's advisories only.
    let mut bullseye = debian_catalog();
    bullseye.os = os(Family::Debian, "11.9");
    let findings = match_catalog(&fixture.database, &bullseye).expect("matches");
    assert_eq!(
        ids(&findings, 0),
        [("CVE-2024-0001", FixState::Affected, "")]
    );

    // Without an OS there is no namespace for OS packages.
    let mut unknown = debian_catalog();
    unknown.os = None;
    assert!(
        match_catalog(&fixture.database, &unknown)
            .expect("matches")
            .is_empty()
    );
}

#[test]
fn alpine_packages_match_by_origin() {
    let fixture = database();
    let catalog = Catalog {
        os: os(Family::Alpine, "3.19.1"),
        packages: vec![
            package(
                PackageType::Apk,
                "libcrypto3",
                "3.1.4-r0",
                Some("openssl"),
                "pkg:apk/alpine/libcrypto3@3.1.4-r0",
            ),
            package(
                PackageType::Apk,
                "libssl3",
                "3.1.4-r1",
                Some("openssl"),
                "pkg:apk/alpine/libssl3@3.1.4-r1",
            ),
        ],
        notes: Vec::new(),
    };
    let findings = match_catalog(&fixture.database, &catalog).expect("matches");
    // 2975 was fixed in 3.1.2-r0, 0000 was never affected.
    assert_eq!(
        ids(&findings, 0),
        [("CVE-2023-5678", FixState::Fixed, "3.1.4-r1")]
    );
    assert_eq!(findings[0].severity, Severity::Unknown);
    assert!(ids(&findings, 1).is_empty());
}

fn language_catalog() -> Catalog {
    Catalog {
        os: None,
        packages: vec![
            package(
                PackageType::GoStdlib,
                "stdlib",
                "go1.21.3",
                None,
                "pkg:golang/stdlib@1.21.3",
            ),
            package(
                PackageType::GoStdlib,
                "stdlib",
                "go1.20.11",
                None,
                "pkg:golang/stdlib@1.20.11",
            ),
            package(
                PackageType::GoModule,
                "github.com/example/mod",
                "v1.2.4",
                None,
                "pkg:golang/github.com/example/mod@v1.2.4",
            ),
            package(
                PackageType::GoModule,
                "github.com/example/mod",
                "v1.1.9",
                None,
                "pkg:golang/github.com/example/mod@v1.1.9",
            ),
            package(
                PackageType::Python,
                "pyyaml",
                "5.3.1",
                None,
                "pkg:pypi/pyyaml@5.3.1",
            ),
            package(
                PackageType::Npm,
                "semver",
                "7.5.1",
                None,
                "pkg:npm/semver@7.5.1",
            ),
            package(
                PackageType::Npm,
                "semver",
                "6.3.0",
                None,
                "pkg:npm/semver@6.3.0",
            ),
            package(
                PackageType::Cargo,
                "smallvec",
                "1.6.0",
                None,
                "pkg:cargo/smallvec@1.6.0",
            ),
            package(
                PackageType::Cargo,
                "smallvec",
                "1.6.1",
                None,
                "pkg:cargo/smallvec@1.6.1",
            ),
        ],
        notes: Vec::new(),
    }
}

#[test]
fn language_packages_match_by_ecosystem_and_name() {
    let fixture = database();
    let findings = match_catalog(&fixture.database, &language_catalog()).expect("matches");
    // Go stdlib by `stdlib`, the `go` prefix dropped; two branches, one fix each.
    assert_eq!(
        ids(&findings, 0),
        [("GO-2023-2185", FixState::Fixed, "1.21.4")]
    );
    assert!(ids(&findings, 1).is_empty(), "1.20.11 is the fix");
    assert_eq!(findings[0].severity, Severity::High, "7.5 from the vector");
    assert_eq!(findings[0].aliases, ["CVE-2023-45283"]);
    // Semver introduced/fixed, with Go's `v`.
    assert_eq!(
        ids(&findings, 2),
        [("GO-2024-0001", FixState::Fixed, "1.2.5")]
    );
    assert!(ids(&findings, 3).is_empty(), "before introduced");
    // The advisory says `PyYAML`, the package `pyyaml`: PEP 503 makes them one.
    assert_eq!(
        ids(&findings, 4),
        [("PYSEC-2021-0001", FixState::Fixed, "5.4")]
    );
    assert_eq!(
        ids(&findings, 5),
        [("GHSA-npm1-0000-0000", FixState::Fixed, "7.5.2")]
    );
    assert!(ids(&findings, 6).is_empty());
    // last_affected is inclusive, and without a fix the state is affected.
    assert_eq!(
        ids(&findings, 7),
        [("RUSTSEC-2024-0001", FixState::Affected, "")]
    );
    assert!(ids(&findings, 8).is_empty());
}

#[test]
fn filters_and_vex_suppress_with_reasons() {
    let fixture = database();
    let findings = match_catalog(&fixture.database, &debian_catalog()).expect("matches");
    assert_eq!(findings.len(), 6);

    let (kept, suppressed) = filter::apply(
        findings.clone(),
        &Filter {
            ignore_unfixed: true,
            ..Default::default()
        },
    );
    assert!(kept.iter().all(|f| f.status == FixState::Fixed), "{kept:?}");
    assert_eq!(kept.len(), 2);
    assert!(
        suppressed
            .iter()
            .any(|s| s.reason == Reason::Unfixed(FixState::FixDeferred))
    );

    let (kept, _) = filter::apply(
        findings.clone(),
        &Filter {
            severities: vec![Severity::High, Severity::Critical],
            ..Default::default()
        },
    );
    assert_eq!(
        kept.iter()
            .map(|f| f.vulnerability_id.as_str())
            .collect::<Vec<_>>(),
        ["CVE-2024-0001"]
    );

    let document = r#"{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [
      {"vulnerability": {"name": "CVE-2024-0005"},
       "products": [{"@id": "pkg:oci/app@sha256:abc", "subcomponents": [{"@id": "pkg:deb/debian/libssl3"}]}],
       "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"},
      {"vulnerability": {"name": "CVE-2024-0001"},
       "products": [{"@id": "pkg:deb/debian/libssl3@3.0.11-1~deb12u1"}],
       "status": "under_investigation"},
      {"vulnerability": {"name": "CVE-2024-0006"},
       "products": [{"@id": "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-9"}],
       "status": "not_affected", "justification": "component_not_present"}]}"#;
    let statements = vex::parse(document.as_bytes(), "app.vex.json").expect("parses");
    let (kept, suppressed) = filter::apply(
        findings,
        &Filter {
            vex: statements,
            ..Default::default()
        },
    );
    // Only libssl3's CVE-2024-0005: openssl (index 2) has it too, and the
    // zlib statement names another version.
    assert_eq!(suppressed.len(), 1, "{suppressed:?}");
    assert_eq!(suppressed[0].finding.vulnerability_id, "CVE-2024-0005");
    assert_eq!(suppressed[0].finding.package_index, 0);
    assert_eq!(
        suppressed[0].reason,
        Reason::Vex {
            status: vex::VexStatus::NotAffected,
            justification: Some("vulnerable_code_not_in_execute_path".into()),
            impact_statement: None,
            source: "app.vex.json".into(),
        }
    );
    assert!(
        suppressed[0]
            .reason
            .to_string()
            .contains("vulnerable_code_not_in_execute_path")
    );
    assert_eq!(kept.len(), 5);
}

#[test]
fn vex_matches_by_alias_and_a_later_statement_overrides() {
    let fixture = database();
    let findings = match_catalog(&fixture.database, &language_catalog()).expect("matches");
    let document = r#"{"statements": [
      {"vulnerability": {"name": "CVE-2020-14343"}, "products": [{"@id": "pkg:pypi/pyyaml"}],
       "status": "fixed"},
      {"vulnerability": {"name": "CVE-2022-25883"}, "products": [{"@id": "pkg:npm/semver@7.5.1"}],
       "status": "not_affected", "justification": "inline_mitigations_already_exist"},
      {"vulnerability": {"name": "GHSA-npm1-0000-0000"}, "products": [{"@id": "pkg:npm/semver"}],
       "status": "affected"}]}"#;
    let statements = vex::parse(document.as_bytes(), "v.json").expect("parses");
    let (_, suppressed) = filter::apply(
        findings,
        &Filter {
            vex: statements,
            ..Default::default()
        },
    );
    let ids: Vec<&str> = suppressed
        .iter()
        .map(|s| s.finding.vulnerability_id.as_str())
        .collect();
    assert_eq!(ids, ["PYSEC-2021-0001"]);
}
