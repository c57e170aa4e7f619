//! `kensa db` and `kensa image scan` as processes: a database imported from
//! a Debian security-tracker file (synthetic CVE IDs for packages of the
//! bookworm image scripts/images/build-fixtures.sh builds), matched by
//! source package, filtered, suppressed by OpenVEX, in every format.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::str::contains;

fn kensa() -> Command {
    let mut command = Command::cargo_bin("kensa").unwrap();
    command.env(
        "KENSA_CACHE_DIR",
        std::env::temp_dir().join("kensa-image-scan-cli-cache"),
    );
    command
}

fn tracker() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/image/bookworm-tracker.json")
}

/// A database with the tracker file imported.
fn database() -> tempfile::TempDir {
    let db = tempfile::tempdir().expect("tempdir");
    kensa()
        .args(["db", "import", "--quiet", "--db"])
        .arg(db.path())
        .arg(tracker())
        .assert()
        .success();
    db
}

fn rootfs(fixtures: &Path) -> String {
    format!("dir:{}/debian-rootfs", fixtures.display())
}

fn scan_json(db: &Path, image: &str, extra: &[&str]) -> serde_json::Value {
    let output = kensa()
        .args(["image", "scan", "-o", "json", "--exit-code", "0", "--db"])
        .arg(db)
        .args(extra)
        .arg(image)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("json")
}

fn ids(document: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> = document["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| r["vulnerabilities"].as_array().expect("vulns").iter())
        .map(|v| {
            format!(
                "{} {}",
                v["package_name"].as_str().unwrap_or(""),
                v["vulnerability_id"].as_str().unwrap_or("")
            )
        })
        .collect();
    ids.sort();
    ids
}

#[test]
fn status_shows_the_sources_and_namespaces() {
    let db = database();
    kensa()
        .args(["db", "status", "--db"])
        .arg(db.path())
        .assert()
        .success()
        .stdout(contains("bookworm-tracker.json (debian-tracker, 5 records"))
        .stdout(contains("debian:12"));
    let output = kensa()
        .args(["db", "status", "-o", "json", "--db"])
        .arg(db.path())
        .output()
        .expect("runs");
    let status: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(status["advisories"], 5);
    assert!(
        status["built_at"]
            .as_str()
            .expect("built_at")
            .ends_with('Z')
    );
}

#[test]
fn debian_packages_match_by_source_package_with_fix_states() {
    let Some(fixtures) = kensa_reference::image_fixtures() else {
        return;
    };
    let db = database();
    let document = scan_json(db.path(), &rootfs(&fixtures), &[]);
    assert_eq!(
        ids(&document),
        [
            "bash CVE-2099-0004",
            "libc-bin CVE-2099-0001",
            "libc-bin CVE-2099-0002",
            "libc6 CVE-2099-0001",
            "libc6 CVE-2099-0002",
        ],
        "0003 is fixed before the installed version, 0005 does not affect bookworm"
    );
    let results = &document["results"][0];
    assert_eq!(results["class"], "os-pkgs");
    let libc = results["vulnerabilities"]
        .as_array()
        .expect("vulns")
        .iter()
        .find(|v| v["package_name"] == "libc6" && v["vulnerability_id"] == "CVE-2099-0001")
        .expect("libc6");
    assert_eq!(libc["status"], "fixed");
    assert_eq!(libc["severity"], "HIGH");
    assert_eq!(libc["fixed_version"], "2.36-9+deb12u99");
    let bash = results["vulnerabilities"]
        .as_array()
        .expect("vulns")
        .iter()
        .find(|v| v["package_name"] == "bash")
        .expect("bash");
    assert_eq!(bash["status"], "will_not_fix");
}

#[test]
fn filters_vex_and_exit_codes() {
    let Some(fixtures) = kensa_reference::image_fixtures() else {
        return;
    };
    let db = database();
    let image = rootfs(&fixtures);
    let unfixed = scan_json(db.path(), &image, &["--ignore-unfixed"]);
    assert_eq!(
        ids(&unfixed),
        ["libc-bin CVE-2099-0001", "libc6 CVE-2099-0001"]
    );
    let low = scan_json(db.path(), &image, &["--severity", "LOW"]);
    assert_eq!(ids(&low).len(), 3);
    let dir = tempfile::tempdir().expect("tempdir");
    let vex = dir.path().join("glibc.openvex.json");
    std::fs::write(
        &vex,
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.invalid/vex/1",
            "author": "test", "timestamp": "2026-11-28T00:00:00Z", "version": 1,
            "statements": [{"vulnerability": {"name": "CVE-2099-0002"},
              "products": [{"@id": "pkg:deb/debian/libc6"}, {"@id": "pkg:deb/debian/libc-bin"}],
              "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}"#,
    )
    .expect("write");
    let vexed = scan_json(db.path(), &image, &["--vex", vex.to_str().expect("utf-8")]);
    assert!(
        !ids(&vexed).iter().any(|id| id.ends_with("CVE-2099-0002")),
        "{:?}",
        ids(&vexed)
    );
    let suppressed = vexed["suppressed"].as_array().expect("suppressed");
    assert_eq!(suppressed.len(), 2);
    assert!(
        suppressed[0]["reason"]
            .as_str()
            .expect("reason")
            .contains("vulnerable_code_not_in_execute_path")
    );
    // Exit codes: findings are 1 by default, or what --exit-code says.
    kensa()
        .args(["image", "scan", "--db"])
        .arg(db.path())
        .arg(&image)
        .assert()
        .code(1)
        .stdout(contains("Total: 5"));
    kensa()
        .args(["image", "scan", "--severity", "CRITICAL", "--db"])
        .arg(db.path())
        .arg(&image)
        .assert()
        .code(0)
        .stdout(contains("no vulnerabilities found"));
    kensa()
        .args(["image", "scan", "--exit-code", "7", "--db"])
        .arg(db.path())
        .arg(&image)
        .assert()
        .code(7);
}

#[test]
fn sarif_and_junit_outputs() {
    let Some(fixtures) = kensa_reference::image_fixtures() else {
        return;
    };
    let db = database();
    let output = kensa()
        .args(["image", "scan", "-o", "sarif", "--db"])
        .arg(db.path())
        .arg(rootfs(&fixtures))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).expect("sarif");
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 5);
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "CVE-2099-0001" && r["level"] == "error")
    );
    kensa()
        .args(["image", "scan", "-o", "junit", "--db"])
        .arg(db.path())
        .arg(rootfs(&fixtures))
        .assert()
        .code(1)
        .stdout(contains("<testsuite"))
        .stdout(contains("CVE-2099-0001"));
}

#[test]
fn a_missing_database_says_how_to_make_one() {
    let empty = tempfile::tempdir().expect("tempdir");
    kensa()
        .args(["image", "scan", "--db"])
        .arg(empty.path().join("db"))
        .arg("dir:/nonexistent")
        .assert()
        .code(2)
        .stderr(contains("kensa db import"));
}

#[test]
fn a_bad_import_changes_nothing() {
    let db = database();
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("broken.json");
    std::fs::write(&bad, b"{\"glibc\": {\"CVE-1\": ").expect("write");
    let before = std::fs::read(db.path().join("metadata.json")).expect("metadata");
    kensa()
        .args(["db", "import", "--quiet", "--db"])
        .arg(db.path())
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(contains("broken.json"));
    assert_eq!(
        std::fs::read(db.path().join("metadata.json")).expect("metadata"),
        before
    );
}
