//! Conformance: the reference advisory data (Alpine secdb, Debian tracker,
//! OSV records from several projects) imports with the records those
//! files hold.

use kensa_vuln::db::{self, Database};
use kensa_vuln::import::{alpine, osv};
use kensa_vuln::{Advisory, Event, FixState, Severity};
use std::path::{Path, PathBuf};

fn vulndata(probe: &str) -> Option<PathBuf> {
    kensa_reference::dir("image/vulndata", probe)
}

fn find<'a>(advisories: &'a [Advisory], package: &str, id: &str) -> &'a Advisory {
    advisories
        .iter()
        .find(|a| a.package == package && a.vulnerability_id == id)
        .unwrap_or_else(|| panic!("no advisory for {package} {id}"))
}

fn imported(paths: &[PathBuf]) -> (tempfile::TempDir, Database, db::ImportSummary) {
    let dir = tempfile::tempdir().expect("temp dir");
    let summary = db::import(dir.path(), paths, |_| {}).expect("imports");
    let database = Database::open(dir.path()).expect("opens");
    (dir, database, summary)
}

fn one(database: &Database, namespace: &str, package: &str, id: &str) -> Advisory {
    database
        .advisories(namespace, package)
        .expect("queries")
        .into_iter()
        .find(|a| a.vulnerability_id == id)
        .unwrap_or_else(|| panic!("no {namespace} {package} {id}"))
}

#[test]
fn alpine_secdb_yaml_v3_10_main_has_its_fixes() {
    let Some(dir) = vulndata("alpine-secdb/alpine-secdb-v3.10-main.yaml") else {
        return;
    };
    let bytes =
        std::fs::read(dir.join("alpine-secdb/alpine-secdb-v3.10-main.yaml")).expect("reads");
    let records = alpine::parse(&bytes, None).expect("parses");
    assert!(records.warnings.is_empty(), "{:?}", records.warnings);
    let ansible = find(&records.advisories, "ansible", "CVE-2019-10206");
    assert_eq!(ansible.namespace, "alpine:3.10");
    assert_eq!(ansible.status, FixState::Fixed);
    assert_eq!(ansible.fixed_versions(), ["2.8.4-r0"]);
    assert_eq!(
        ansible.severity,
        Severity::Unknown,
        "secdb has no severities"
    );
    assert_eq!(
        find(&records.advisories, "apache2", "CVE-2017-9798").fixed_versions(),
        ["2.4.27-r1"]
    );
}

#[test]
fn every_alpine_secdb_file_imports_and_zero_means_not_affected() {
    let Some(dir) = vulndata("alpine-secdb/alpine-secdb-v3.8-main.yaml") else {
        return;
    };
    let (_tmp, database, summary) = imported(&[dir.join("alpine-secdb")]);
    // 18 YAML files and 3 JSON fixtures.
    assert_eq!(summary.sources.len(), 1);
    assert_eq!(summary.sources[0].kind, "secdb");
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    let db = one(&database, "alpine:3.8", "db", "CVE-2016-0682");
    assert_eq!(db.status, FixState::NotAffected);
    assert!(db.ranges.is_empty());
    // The JSON fixtures: `{}` under a version lists nothing.
    let ansible = database
        .advisories("alpine:3.12", "ansible")
        .expect("queries");
    assert_eq!(ansible.len(), 1, "{ansible:?}");
    assert_eq!(ansible[0].fixed_versions(), ["2.7.9-r0"]);
    let apk = one(&database, "alpine:edge", "apk-tools", "CVE-2021-36159");
    assert_eq!(apk.fixed_versions(), ["2.12.6-r0"]);
    let namespaces: Vec<String> = database
        .namespaces()
        .expect("lists")
        .into_iter()
        .map(|(namespace, _)| namespace)
        .collect();
    for release in [
        "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "edge",
    ] {
        assert!(
            namespaces.contains(&format!("alpine:{release}")),
            "{release}: {namespaces:?}"
        );
    }
}

#[test]
fn debian_tracker_sample_statuses() {
    let Some(dir) = vulndata("debian-tracker/vunnel-debian-tracker-sample.json") else {
        return;
    };
    let (_tmp, database, summary) = imported(&[
        dir.join("debian-tracker/vunnel-debian-tracker-sample.json"),
        dir.join("debian-tracker/osvdev-debian_security_tracker_mock.json"),
    ]);
    assert_eq!(summary.sources[0].kind, "debian-tracker");
    // chromium-browser's `"releases": []` has nothing to say, and is no error.
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);

    let fixed = one(&database, "debian:12", "chromium", "CVE-2022-0456");
    assert_eq!(fixed.status, FixState::Fixed);
    assert_eq!(fixed.fixed_versions(), ["98.0.4758.80-1"]);
    assert_eq!(fixed.severity, Severity::Unknown, "not yet assigned");
    assert_eq!(
        one(&database, "debian:11", "chromium", "CVE-2022-0456").fixed_versions(),
        ["98.0.4758.80-1~deb11u1"]
    );
    assert_eq!(
        one(&database, "debian:10", "chromium", "CVE-2022-0456").status,
        FixState::EndOfLife
    );
    let unimportant = one(&database, "debian:9", "prototypejs", "CVE-2007-2383");
    assert_eq!(unimportant.status, FixState::NotAffected);
    let high = one(&database, "debian:unstable", "prototypejs", "CVE-2008-7220");
    assert_eq!(
        (high.status, high.severity),
        (FixState::Fixed, Severity::High),
        "high** is high"
    );
    assert_eq!(
        one(&database, "debian:8", "txt2man", "CVE-2013-1444").severity,
        Severity::Low
    );
    let open = one(&database, "debian:12", "apparmor", "CVE-2016-1585");
    assert_eq!(
        (open.status, open.severity),
        (FixState::Affected, Severity::Low)
    );
    let details = database
        .vulnerability("CVE-2016-1585")
        .expect("queries")
        .expect("present");
    assert!(details.description.contains("AppArmor"), "{details:?}");
}

fn osv_record(dir: &Path, name: &str) -> kensa_vuln::import::Records {
    let bytes = std::fs::read(dir.join("osv").join(name)).expect("reads");
    osv::parse(&bytes).expect("parses")
}

#[test]
fn osv_go_pysec_rustsec_ranges() {
    let Some(dir) = vulndata("osv/vuln-list-update-osvdev/GO-2020-0001.json") else {
        return;
    };
    let go = osv_record(&dir, "vuln-list-update-osvdev/GO-2020-0001.json");
    let gin = find(&go.advisories, "github.com/gin-gonic/gin", "GO-2020-0001");
    assert_eq!(gin.namespace, "go");
    assert_eq!(
        gin.ranges[0].events,
        [Event::Introduced("0".into()), Event::Fixed("1.6.0".into())]
    );

    let pysec = osv_record(&dir, "vuln-list-update-osvdev/PYSEC-2023-120.json");
    let aiohttp = find(&pysec.advisories, "aiohttp", "PYSEC-2023-120");
    assert_eq!(aiohttp.namespace, "pypi");
    assert_eq!(
        aiohttp.status,
        FixState::Affected,
        "last_affected only, no fix"
    );
    assert_eq!(
        aiohttp.ranges[0].events,
        [
            Event::Introduced("0".into()),
            Event::LastAffected("3.8.4".into())
        ]
    );
    assert!(aiohttp.versions.iter().any(|v| v == "3.8.4"));
    assert_eq!(
        pysec.vulnerabilities[0].aliases,
        ["GHSA-45c4-8wx5-qw6w", "CVE-2023-37276"]
    );

    let rustsec = osv_record(&dir, "vuln-list-update-osvdev/RUSTSEC-2019-0009.json");
    let smallvec = find(&rustsec.advisories, "smallvec", "RUSTSEC-2019-0009");
    assert_eq!(smallvec.namespace, "crates.io");
    assert_eq!(smallvec.fixed_versions(), ["0.6.10"]);
    // database_specific.cvss AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H is 9.8.
    assert_eq!(rustsec.vulnerabilities[0].severity, Severity::Critical);
    assert_eq!(rustsec.vulnerabilities[0].cvss[0].score, Some(9.8));
}

#[test]
fn the_whole_osv_folder_imports_and_a_zip_of_it_gives_the_same() {
    let Some(dir) = vulndata("osv/grype-osv/GO-2020-0001.json") else {
        return;
    };
    let (_tmp, database, summary) = imported(&[dir.join("osv")]);
    assert!(summary.git_ranges_ignored >= 1, "{summary:?}");
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    assert_eq!(summary.sources[0].kind, "osv");
    let nginx = one(&database, "debian:7", "nginx", "DSA-3029-1");
    assert_eq!(nginx.fixed_versions(), ["1.2.1-2.2+wheezy3"]);
    // One record, five Alpine releases, each its own fix.
    let mariadb = one(&database, "alpine:3.15", "mariadb", "CVE-2022-27449");
    assert_eq!(
        (mariadb.status, mariadb.fixed_versions()),
        (FixState::Fixed, vec!["10.6.8-r0".to_owned()])
    );
    assert_eq!(
        one(&database, "alpine:3.12", "mariadb", "CVE-2022-27449").fixed_versions(),
        ["10.4.25-r0"]
    );
    let ubuntu = database
        .namespaces()
        .expect("lists")
        .into_iter()
        .any(|(namespace, _)| namespace == "root:ubuntu:22.04");
    assert!(ubuntu, "other ecosystems keep their lower-cased name");
    let details = database
        .vulnerability("ROOT-APP-PYPI-CVE-2025-30473")
        .expect("queries")
        .expect("present");
    // CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N is 7.4.
    assert_eq!(details.severity, Severity::High);
    assert_eq!(
        details.references,
        ["https://nvd.nist.gov/vuln/detail/CVE-2025-30473"]
    );

    // The same records from a zip.
    let zip_dir = tempfile::tempdir().expect("temp dir");
    let zip_path = zip_dir.path().join("osv.zip");
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&zip_path).expect("creates"));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut files = 0;
    for sub in [
        "grype-osv",
        "osv-schema-linter",
        "vuln-list-update-osvdev",
        "osvdev-alpine-debian",
    ] {
        for entry in std::fs::read_dir(dir.join("osv").join(sub)).expect("lists") {
            let path = entry.expect("entry").path();
            writer
                .start_file(
                    format!(
                        "{sub}/{}",
                        path.file_name().unwrap_or_default().to_string_lossy()
                    ),
                    options,
                )
                .expect("starts");
            std::io::Write::write_all(&mut writer, &std::fs::read(&path).expect("reads"))
                .expect("writes");
            files += 1;
        }
    }
    writer.finish().expect("finishes");
    assert!(files > 30);
    let (_tmp2, from_zip, zip_summary) = imported(&[zip_path]);
    assert_eq!(zip_summary.advisories, summary.advisories);
    assert_eq!(
        from_zip.counts().expect("counts"),
        database.counts().expect("counts")
    );
}
