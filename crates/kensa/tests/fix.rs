//! `kensa fix` end to end: diff, --write, and the fixed file passing
//! `kensa pss check --level restricted`.

use assert_cmd::Command;
use predicates::prelude::*;

fn kensa() -> Command {
    let mut cmd = Command::cargo_bin("kensa").unwrap();
    cmd.env_remove("CI");
    cmd
}

const WEB: &str = "\
# The web tier; keep this comment.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # trailing comment stays too
  namespace: shop
spec:
  replicas: 2
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: registry.example.com/shop/web:1.4.2
          securityContext:
            capabilities:
              add: [NET_BIND_SERVICE, SYS_ADMIN]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
";

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn prints_a_diff_and_leaves_the_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "web.yaml", WEB);
    kensa()
        .arg("fix")
        .arg(&path)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("@@ "))
        .stdout(predicate::str::contains(
            "+            allowPrivilegeEscalation: false",
        ))
        .stdout(predicate::str::contains("runAsNonRoot: true"))
        .stderr(predicate::str::contains("Deployment shop/web"))
        .stderr(predicate::str::contains("SYS_ADMIN"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), WEB);
}

#[test]
fn write_keeps_comments_and_the_result_passes_restricted() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "web.yaml", WEB);
    kensa()
        .arg("pss")
        .arg("check")
        .arg(&path)
        .args(["--level", "restricted"])
        .assert()
        .code(1);
    kensa()
        .arg("fix")
        .arg(&path)
        .arg("--write")
        .assert()
        .code(0);
    let fixed = std::fs::read_to_string(&path).unwrap();
    assert!(
        fixed.starts_with("# The web tier; keep this comment.\n"),
        "{fixed}"
    );
    assert!(
        fixed.contains("name: web   # trailing comment stays too"),
        "{fixed}"
    );
    assert!(
        fixed.contains("NET_BIND_SERVICE") && !fixed.contains("SYS_ADMIN"),
        "{fixed}"
    );
    kensa()
        .arg("pss")
        .arg("check")
        .arg(&path)
        .args(["--level", "restricted"])
        .assert()
        .code(0);
    // Idempotent: a second run has nothing to do.
    kensa().arg("fix").arg(&path).assert().code(0).stdout("");
}

#[test]
fn manual_items_are_reported_and_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "node-agent.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: agent}\nspec:\n  hostNetwork: true\n  containers:\n  - name: a\n    image: nginx:1.27\n",
    );
    kensa()
        .arg("fix")
        .arg(&path)
        .arg("--write")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("manual"))
        .stderr(predicate::str::contains("hostNetwork"));
}

#[test]
fn read_only_root_mounts_the_paths_nginx_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "nginx.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: nginx\n    image: nginx:1.27\n",
    );
    kensa()
        .arg("fix")
        .arg(&path)
        .args(["--read-only-root", "-o", "json"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("readOnlyRootFilesystem"))
        .stdout(predicate::str::contains("/var/cache/nginx"))
        .stdout(predicate::str::contains("nginx-unprivileged"));
}

#[test]
fn json_files_and_templates_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let json = write(&dir, "pod.yaml", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}");
    kensa()
        .arg("fix")
        .arg(&json)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("JSON is not supported"));
    let template = write(
        &dir,
        "t.yaml",
        "kind: Pod\nmetadata:\n  name: {{ .Values.name }\n",
    );
    kensa()
        .arg("fix")
        .arg(&template)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("t.yaml:"));
}
