//! `kensa scan` end to end: the binary on fixture files, stdin and Dockerfiles.

use assert_cmd::Command;
use predicates::prelude::*;

const FIXTURES: &str = "crates/kensa/tests/fixtures/scan";

fn kensa() -> Command {
    let mut cmd = Command::cargo_bin("kensa").unwrap();
    cmd.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    cmd.env_remove("CI");
    cmd
}

fn json_of(args: &[&str]) -> serde_json::Value {
    let output = kensa().args(args).output().unwrap();
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
}

/// Every misconfiguration of the JSON report, with its target.
fn misconfigurations(report: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    report["Results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|result| {
            let target = result["Target"].as_str().unwrap().to_owned();
            result["Misconfigurations"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |m| (target.clone(), m.clone()))
        })
        .collect()
}

fn has_alias(m: &serde_json::Value, alias: &str) -> bool {
    m["Aliases"].as_array().unwrap().iter().any(|a| a == alias)
}

#[test]
fn table_groups_by_resource_and_shows_the_cause() {
    kensa()
        .args(["scan", &format!("{FIXTURES}/app")])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Deployment shop/web"))
        .stdout(predicate::str::contains("container-privileged (KSV-0017)"))
        .stdout(predicate::str::contains(
            "Container 'app' of Deployment 'web' should set 'securityContext.privileged' to false",
        ))
        .stdout(predicate::str::contains("app/web.yaml:19"))
        .stdout(predicate::str::contains(
            "19 |             privileged: true",
        ))
        .stdout(predicate::str::contains(
            "Scanned 4 objects in 2 sources and 1 Dockerfile",
        ))
        .stdout(predicate::str::contains("1 suppressed"));
}

#[test]
fn json_is_trivy_shaped_with_exact_lines() {
    let report = json_of(&["scan", &format!("{FIXTURES}/app"), "-o", "json"]);
    assert_eq!(report["SchemaVersion"], 2);
    let found = misconfigurations(&report);
    let privileged = found
        .iter()
        .find(|(_, m)| has_alias(m, "KSV-0017"))
        .map(|(_, m)| m)
        .expect("privileged finding");
    assert_eq!(privileged["ID"], "container-privileged");
    assert_eq!(privileged["AVDID"], "AVD-KSV-0017");
    assert_eq!(privileged["Severity"], "HIGH");
    assert_eq!(privileged["Status"], "FAIL");
    let cause = &privileged["CauseMetadata"];
    assert_eq!(cause["Resource"], "Deployment shop/web");
    assert_eq!(cause["StartLine"], 19);
    assert_eq!(cause["EndLine"], 19);
    assert_eq!(
        cause["Code"]["Lines"][0]["Content"],
        "            privileged: true"
    );
    assert!(!privileged["Resolution"].as_str().unwrap().is_empty());
    // The cross-resource checks see the whole input.
    assert!(
        found
            .iter()
            .any(|(_, m)| m["ID"] == "service-selects-no-pods"
                && m["CauseMetadata"]["Resource"] == "Service shop/orphan")
    );
    // Dockerfiles are their own targets.
    let dockerfile: Vec<_> = found
        .iter()
        .filter(|(target, _)| target.ends_with("Dockerfile"))
        .collect();
    assert!(dockerfile.iter().any(|(_, m)| has_alias(m, "DS001")));
    assert!(dockerfile.iter().any(|(_, m)| has_alias(m, "DS029")));
    // The hardened pod's inline suppression is counted, not listed.
    let hardened = report["Results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["Target"].as_str().unwrap().ends_with("hardened.yaml"))
        .unwrap();
    assert_eq!(hardened["MisconfSummary"]["Exceptions"], 1);
    assert!(
        !hardened["Misconfigurations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| has_alias(m, "KSV-0014"))
    );
}

#[test]
fn inherited_pod_security_context_passes() {
    let report = json_of(&[
        "scan",
        &format!("{FIXTURES}/app/hardened.yaml"),
        "-o",
        "json",
    ]);
    for (_, m) in misconfigurations(&report) {
        for id in ["KSV-0012", "KSV-0020", "KSV-0021", "KSV-0030", "KSV-0104"] {
            assert!(
                !has_alias(&m, id),
                "{id} fired on an inherited setting: {m}"
            );
        }
    }
}

#[test]
fn show_suppressed_and_no_inline_ignores() {
    let path = format!("{FIXTURES}/app/hardened.yaml");
    let report = json_of(&["scan", &path, "-o", "json", "--show-suppressed"]);
    let exception = misconfigurations(&report)
        .into_iter()
        .find(|(_, m)| has_alias(m, "KSV-0014"))
        .expect("listed");
    assert_eq!(exception.1["Status"], "EXCEPTION");
    assert_eq!(exception.1["Suppression"]["by"], "annotation");
    assert_eq!(
        exception.1["Suppression"]["reason"],
        "reviewed: writes to /data"
    );
    let report = json_of(&["scan", &path, "-o", "json", "--no-inline-ignores"]);
    let failure = misconfigurations(&report)
        .into_iter()
        .find(|(_, m)| has_alias(m, "KSV-0014"))
        .expect("no longer suppressed");
    assert_eq!(failure.1["Status"], "FAIL");
}

#[test]
fn ignore_file_with_paths_and_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let ignore = dir.path().join("ignore.yaml");
    std::fs::write(
        &ignore,
        "ignores:\n  - id: KSV-0017\n    paths: [\"**/web.yaml\"]\n    reason: lab only\n  - id: KSV-0001\n    expires: 2001-01-01\n",
    )
    .unwrap();
    let output = kensa()
        .args(["scan", &format!("{FIXTURES}/app/web.yaml"), "-o", "json"])
        .arg("--ignore-file")
        .arg(&ignore)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("expired on 2001-01-01"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let found = misconfigurations(&report);
    assert!(!found.iter().any(|(_, m)| has_alias(m, "KSV-0017")));
    assert!(
        found.iter().any(|(_, m)| has_alias(m, "KSV-0001")),
        "expired entry still suppresses"
    );
}

#[test]
fn stdin_and_broken_documents() {
    let broken = std::fs::read(format!(
        "{}/../../{FIXTURES}/broken.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    kensa()
        .args(["scan", "-", "--check", "KSV-0110"])
        .write_stdin(broken)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("<stdin>:8:"))
        .stdout(predicate::str::contains(
            "1 object of custom or unknown kinds skipped",
        ))
        .stdout(predicate::str::contains("1 document could not be read"));
}

#[test]
fn severity_filter_fail_on_and_exit_code() {
    let app = format!("{FIXTURES}/app/web.yaml");
    let report = json_of(&["scan", &app, "-o", "json", "--severity", "CRITICAL,HIGH"]);
    for (_, m) in misconfigurations(&report) {
        assert!(
            m["Severity"] == "HIGH" || m["Severity"] == "CRITICAL",
            "{m}"
        );
    }
    kensa()
        .args(["scan", &app, "--exit-code", "7"])
        .assert()
        .code(7);
    kensa()
        .args(["scan", &app, "--check", "KSV-0011", "--fail-on", "CRITICAL"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("container-cpu-limit"));
    kensa()
        .args([
            "scan",
            &format!("{FIXTURES}/app/hardened.yaml"),
            "--check",
            "KSV-0017",
        ])
        .assert()
        .code(0);
}

#[test]
fn several_outputs_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("out.json");
    let sarif = dir.path().join("out.sarif");
    let junit = dir.path().join("out.xml");
    kensa()
        .args(["scan", &format!("{FIXTURES}/app"), "-o", "table"])
        .arg("-o")
        .arg(format!("json={}", json.display()))
        .arg("-o")
        .arg(format!("sarif={}", sarif.display()))
        .arg("-o")
        .arg(format!("junit={}", junit.display()))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Deployment shop/web"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(!misconfigurations(&report).is_empty());
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testsuite") && xml.contains("failures="),
        "{xml}"
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    validate_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let privileged = results
        .iter()
        .find(|r| r["ruleId"] == "container-privileged")
        .unwrap();
    assert_eq!(
        privileged["locations"][0]["physicalLocation"]["region"]["startLine"],
        19
    );
}

/// Validates against the official SARIF 2.1.0 schema, which ships inside the
/// serde-sarif crate's sources (found through `cargo metadata`).
fn validate_sarif(sarif: &serde_json::Value) {
    let metadata = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let metadata: serde_json::Value = serde_json::from_slice(&metadata.stdout).unwrap();
    let manifest = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "serde-sarif")
        .and_then(|p| p["manifest_path"].as_str())
        .expect("serde-sarif in cargo metadata");
    let schema_path = std::path::Path::new(manifest).with_file_name("src/schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("sarif-schema-2.1.0.json", schema)
        .unwrap();
    let index = compiler
        .compile("sarif-schema-2.1.0.json", &mut schemas)
        .unwrap();
    if let Err(error) = schemas.validate(sarif, index) {
        panic!("SARIF does not validate: {error:#}");
    }
}

#[test]
fn compliance_summary_and_all() {
    kensa()
        .args([
            "scan",
            &format!("{FIXTURES}/app"),
            "--compliance",
            "k8s-pss-baseline-0.1",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Privileged Containers"))
        .stdout(predicate::str::contains("FAIL"))
        .stdout(predicate::str::contains("11 controls:"));
    kensa()
        .args([
            "scan",
            &format!("{FIXTURES}/app"),
            "--compliance",
            "k8s-nsa-1.0",
            "--report",
            "all",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("MANUAL"))
        .stdout(predicate::str::contains("mapping corrected"))
        .stdout(predicate::str::contains("KSV-0017 "));
    let report = json_of(&[
        "scan",
        &format!("{FIXTURES}/app"),
        "--compliance",
        "k8s-cis-1.23",
        "-o",
        "json",
    ]);
    let controls = report["controls"].as_array().unwrap();
    assert_eq!(controls.len(), 116);
    let node = controls.iter().find(|c| c["id"] == "1.1.1").unwrap();
    assert_eq!(node["status"], "MANUAL");
}

#[test]
fn usage_errors() {
    kensa().args(["scan"]).assert().code(2);
    kensa()
        .args(["scan", "x", "--check", "NOPE-1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown check"));
    kensa()
        .args(["scan", "does-not-exist.yaml"])
        .assert()
        .code(2);
    kensa().args(["scan", "x", "-o", "xml"]).assert().code(2);
}

#[test]
fn list_checks_names_every_family() {
    kensa()
        .args(["scan", "--list-checks"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("KSV-0001"))
        .stdout(predicate::str::contains("CKV_K8S_20"))
        .stdout(predicate::str::contains("DS002"))
        .stdout(predicate::str::contains("KCV-0001"));
}
