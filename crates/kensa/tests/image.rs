//! `kensa image sbom` as a process on the images scripts/images/build-fixtures.sh
//! builds, and on broken inputs: a clear error, exit 2, and no output file.

use std::path::Path;

use assert_cmd::Command;
use predicates::str::contains;

fn kensa() -> Command {
    let mut command = Command::cargo_bin("kensa").unwrap();
    command.env(
        "KENSA_CACHE_DIR",
        std::env::temp_dir().join("kensa-image-cli-cache"),
    );
    command
}

fn layout(fixtures: &Path) -> String {
    format!("oci:{}/debian:bookworm", fixtures.display())
}

#[test]
fn the_table_lists_the_debian_packages() {
    let Some(fixtures) = kensa_reference::image_fixtures() else {
        return;
    };
    kensa()
        .args(["image", "sbom", &layout(&fixtures)])
        .assert()
        .success()
        .stdout(contains("(Debian GNU/Linux 12 (bookworm)): 88 packages"))
        .stdout(contains("| libc6 "))
        .stdout(contains("/var/lib/dpkg/status"));
}

#[test]
fn json_output_follows_the_documented_schema() {
    let Some(fixtures) = kensa_reference::image_fixtures() else {
        return;
    };
    let output = kensa()
        .args(["image", "sbom", "-o", "json"])
        .arg(format!("docker-archive:{}/debian.tar", fixtures.display()))
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(document["schema_version"], 1);
    assert_eq!(document["image"]["os"]["family"], "debian");
    assert_eq!(document["image"]["platform"], "linux/amd64");
    let packages = document["packages"].as_array().expect("packages");
    let bash = packages.iter().find(|p| p["name"] == "bash").expect("bash");
    assert_eq!(bash["type"], "deb");
    assert_eq!(bash["location"], "/var/lib/dpkg/status");
    assert!(
        bash["purl"]
            .as_str()
            .expect("purl")
            .starts_with("pkg:deb/debian/bash@")
    );
    assert!(
        bash["files"]
            .as_array()
            .expect("files")
            .iter()
            .any(|f| f == "/bin/bash")
    );
    assert_eq!(
        bash["layer_diff_id"],
        document["image"]["layers"][0]["diff_id"]
    );
}

#[test]
fn a_truncated_archive_is_an_error_and_writes_nothing() {
    let Some(fixtures) = kensa_reference::image_fixtures() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = std::fs::read(fixtures.join("debian.tar")).expect("archive");
    let cut = dir.path().join("cut.tar");
    // Keep the members up to the middle of the layer: manifest.json comes
    // later in skopeo's archives, so cut after it instead when it does.
    std::fs::write(&cut, &whole[..whole.len() / 2]).expect("write");
    let out = dir.path().join("sbom.json");
    kensa()
        .args(["image", "sbom", "-o", "spdx-json", "--output-file"])
        .arg(&out)
        .arg(format!("docker-archive:{}", cut.display()))
        .assert()
        .code(2)
        .stderr(contains("cut.tar"));
    assert!(!out.exists(), "no output file after an error");
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("ls").count(),
        1,
        "no temporary left"
    );
}

#[test]
fn a_missing_blob_and_a_bad_manifest_say_so() {
    let Some(fixtures) = kensa_reference::image_fixtures() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("layout");
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(fixtures.join("busybox"))
        .arg(&copy)
        .status()
        .expect("cp");
    assert!(status.success());
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(copy.join("index.json")).expect("index"))
            .expect("json");
    let manifest = index["manifests"][0]["digest"]
        .as_str()
        .expect("digest")
        .to_owned();
    let manifest_path = copy.join("blobs").join(manifest.replacen(':', "/", 1));
    std::fs::write(&manifest_path, b"{\"layers\": 1}").expect("write");
    kensa()
        .args(["image", "sbom"])
        .arg(format!("oci:{}", copy.display()))
        .assert()
        .code(2)
        .stderr(contains(format!("blob {manifest} has digest sha256:")));
    std::fs::remove_file(&manifest_path).expect("rm");
    kensa()
        .args(["image", "sbom"])
        .arg(format!("oci:{}", copy.display()))
        .assert()
        .code(2)
        .stderr(contains(format!("blob {manifest} is missing")));
}
