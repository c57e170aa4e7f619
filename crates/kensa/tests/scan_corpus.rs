//! `kensa scan` and `kensa fix` over the whole shared corpus: real-world
//! manifests, deliberately insecure sets, Helm templates and broken YAML.
//! Nothing may panic; every unparsable file gets its own clear error.

use std::collections::BTreeSet;
use std::path::PathBuf;

use assert_cmd::Command;

/// `../shared/corpus`, or `None` (after saying so) when absent outside CI.
fn corpus_dir() -> Option<PathBuf> {
    kensa_reference::dir("../corpus", "manifests")
}

fn kensa() -> Command {
    let mut cmd = Command::cargo_bin("kensa").unwrap();
    cmd.env_remove("CI");
    cmd
}

#[test]
fn whole_corpus_scans_without_panics_and_reports_each_broken_file() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let output = kensa()
        .arg("scan")
        .arg(&corpus)
        .args(["-o", "json", "--no-progress"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let results = report["Results"].as_array().unwrap();
    assert!(results.len() > 1000, "{} targets", results.len());

    // Every file with a template marker that does not parse as YAML gets an
    // error line naming the file, line and column.
    let files_with_errors: BTreeSet<&str> = stderr
        .lines()
        .filter(|line| line.contains(": error: "))
        .filter_map(|line| line.split(':').next())
        .collect();
    let templates = [
        "manifests/unguard/chart/templates/frontend.yaml",
        "manifests/unguard/chart/templates/redis.yaml",
        "manifests/kubernetes-examples/_archived/storage/vitess/etcd-service-template.yaml",
    ];
    for template in templates {
        assert!(
            files_with_errors.iter().any(|f| f.ends_with(template)),
            "no error for {template}; files with errors: {files_with_errors:#?}"
        );
    }
    assert!(
        files_with_errors.len() >= 20,
        "only {} files reported: {files_with_errors:#?}",
        files_with_errors.len()
    );
    // The summary of the table output counts the skipped custom resources.
    let table = kensa()
        .arg("scan")
        .arg(corpus.join("manifests"))
        .arg("--no-progress")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&table.stdout);
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.contains("of custom or unknown kinds skipped"),
        "{summary}"
    );
    assert!(summary.contains("could not be read"), "{summary}");
}

#[test]
fn whole_corpus_fixes_without_panics() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let output = kensa()
        .arg("fix")
        .arg(&corpus)
        .args(["-o", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    let files: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(files.as_array().unwrap().len() > 1000);
}

/// The progress bar shows on a terminal only (here a pseudo-terminal from
/// `script`), for scans of more than a few hundred objects.
#[test]
fn progress_bar_on_a_terminal_only() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIP: no `script` to run kensa on a pseudo-terminal");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    let binary = assert_cmd::cargo::cargo_bin("kensa");
    let run = |extra: &str| {
        let command = format!(
            "{} scan {} -o json={} {extra}",
            binary.display(),
            corpus.join("manifests").display(),
            out.display()
        );
        let output = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let on_terminal = run("");
    assert!(on_terminal.contains("objects"), "{on_terminal}");
    assert!(on_terminal.contains("checking"), "{on_terminal}");
    assert!(!run("--no-progress").contains("checking"));
    // Not a terminal: never.
    let piped = kensa()
        .arg("scan")
        .arg(corpus.join("manifests"))
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&piped.stderr).contains("checking"));
}
