//! `kensa pss check` end to end: the binary on real files and stdin.

use assert_cmd::Command;
use predicates::prelude::*;

fn kensa() -> Command {
    let mut cmd = Command::cargo_bin("kensa").unwrap();
    cmd.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    cmd
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const WEB: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 80
";

const HARDENED: &str = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"ok","namespace":"shop"},
"spec":{"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},
"containers":[{"name":"app","image":"app","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}]}}"#;

#[test]
fn violation_line_has_location_object_and_exact_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "web.yaml", WEB);
    kensa()
        .args(["pss", "check", &path])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "{path}:1: Deployment shop/web: violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false \
             (container \"web\" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities \
             (container \"web\" must set securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod or container \
             \"web\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container \"web\" must set \
             securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")\n"
        )))
        .stdout(predicate::str::contains(
            "restricted:latest: 1 object checked, 1 violating, 0 passing; 1 object skipped (not pod-bearing)",
        ));
}

#[test]
fn passing_input_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "ok.json", HARDENED);
    kensa()
        .args(["pss", "check", &path])
        .assert()
        .code(0)
        .stdout("restricted:latest: 1 object checked, 0 violating, 1 passing\n");
}

#[test]
fn baseline_and_version_flags() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "web.yaml", WEB);
    kensa()
        .args(["pss", "check", "--level", "baseline", &path])
        .assert()
        .code(0);
    // Before v1.22 restricted had no capabilities check; before v1.8 no allowPrivilegeEscalation.
    kensa()
        .args(["pss", "check", "--version", "v1.7", &path])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "violates PodSecurity \"restricted:v1.7\": runAsNonRoot != true",
        ));
}

#[test]
fn stdin_and_kubectl_list_output() {
    let list = format!(r#"{{"apiVersion":"v1","kind":"List","items":[{HARDENED},{HARDENED}]}}"#);
    kensa()
        .args(["pss", "check", "-"])
        .write_stdin(list)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("2 objects checked"));
}

#[test]
fn empty_input_is_a_clear_usage_error() {
    kensa()
        .args(["pss", "check", "-"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no Kubernetes objects found in <stdin>",
        ));
}

#[test]
fn unreadable_path_is_exit_two() {
    kensa()
        .args(["pss", "check", "/nonexistent/kensa-test.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/kensa-test.yaml"));
}

#[test]
fn bad_flag_values_are_usage_errors() {
    kensa()
        .args(["pss", "check", "--version", "v2.0", "x"])
        .assert()
        .code(2);
    kensa()
        .args(["pss", "check", "--level", "strict", "x"])
        .assert()
        .code(2);
}

#[test]
fn malformed_document_is_reported_and_the_rest_checked() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{WEB}---\nkind: Pod\nmetadata: [unclosed\n---\n{HARDENED}\n");
    let path = write(&dir, "mixed.yaml", &text);
    kensa()
        .args(["pss", "check", &path])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains(format!("{path}:22:")).and(predicate::str::contains("error:")),
        )
        .stdout(predicate::str::contains(
            "2 objects checked, 1 violating, 1 passing",
        ))
        .stdout(predicate::str::contains("1 document could not be read"));
}

#[test]
fn wrong_field_type_is_reported_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let bad = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bad"},"spec":{"hostNetwork":"yes","containers":[]}}"#;
    let path = write(&dir, "bad.json", &format!("{bad}\n{HARDENED}\n"));
    kensa()
        .args(["pss", "check", &path])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("hostNetwork"))
        .stdout(predicate::str::contains(
            "1 object checked, 0 violating, 1 passing",
        ));
}

#[test]
fn unknown_field_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "typo.json",
        &HARDENED.replace(
            "\"image\":\"app\"",
            "\"image\":\"app\",\"securityContxt\":{}",
        ),
    );
    kensa()
        .args(["pss", "check", &path])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "warning: unknown field \"spec.containers[0].securityContxt\"",
        ));
}

#[test]
fn explain_names_fields_and_passing_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "web.yaml", WEB);
    kensa()
        .args(["pss", "check", "--explain", &path])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "        spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation: set false\n",
        ))
        .stdout(predicate::str::contains("        spec.template.spec.containers[0].securityContext.capabilities.drop: set [\"ALL\"]\n"))
        .stdout(predicate::str::contains("        spec.template.spec.securityContext.runAsNonRoot: set true\n"));
}

#[test]
fn json_output_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "web.yaml", WEB);
    let out = kensa()
        .args(["pss", "check", "-o", "json", "--explain", &path])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["schemaVersion"], 1);
    assert_eq!(doc["summary"]["violating"], 1);
    assert_eq!(doc["skipped"][0]["kind"], "Service");
    let object = &doc["objects"][0];
    assert_eq!(object["kind"], "Deployment");
    assert_eq!(object["line"], 1);
    assert_eq!(object["level"], "restricted");
    assert_eq!(object["version"], "latest");
    assert_eq!(object["allowed"], false);
    assert_eq!(object["failures"][0]["id"], "allowPrivilegeEscalation");
    assert_eq!(
        object["failures"][0]["reason"],
        "allowPrivilegeEscalation != false"
    );
    assert_eq!(
        object["failures"][0]["remedies"][0]["path"],
        "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation"
    );
}

#[test]
fn sarif_and_junit_outputs_parse() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "web.yaml", WEB);
    let out = kensa()
        .args(["pss", "check", "-o", "sarif", &path])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let sarif: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(results[0]["ruleId"], "pss/allowPrivilegeEscalation");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
    let junit = kensa()
        .args(["pss", "check", "-o", "junit", &path])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let junit = String::from_utf8(junit).unwrap();
    assert!(
        junit.contains("<testsuites") && junit.contains("failures=\"1\""),
        "{junit}"
    );
}

#[test]
fn directories_are_read_recursively() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    write(&dir, "sub/web.yml", WEB);
    write(&dir, "ok.json", HARDENED);
    write(&dir, "notes.txt", "not a manifest");
    kensa()
        .args(["pss", "check", &dir.path().display().to_string()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "2 objects checked, 1 violating, 1 passing",
        ));
}

#[test]
fn bundled_examples_run() {
    kensa()
        .args([
            "pss",
            "check",
            "examples/manifests",
            "examples/cluster-snapshot.json",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "examples/manifests/web-deployment.yaml:4: Deployment default/web: violates",
        ));
}
