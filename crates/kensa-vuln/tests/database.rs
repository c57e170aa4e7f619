//! The database: all-or-nothing imports, idempotent re-imports, metadata,
//! and clear errors when it is missing or of another schema.

use kensa_vuln::Error;
use kensa_vuln::db::{self, Database, ImportEvent, ImportSource, SCHEMA_VERSION};
use std::path::{Path, PathBuf};

const OSV: &str = r#"{"id": "GHSA-aaaa-bbbb-cccc", "modified": "2024-05-01T00:00:00Z",
  "aliases": ["CVE-2024-1111"], "summary": "prototype pollution",
  "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]}"#;

const SECDB: &str = r#"{"distroversion": "v3.19", "reponame": "main", "packages": [
  {"pkg": {"name": "openssl", "secfixes": {"3.1.4-r1": ["CVE-2023-5678"]}}},
  {"pkg": {"secfixes": {"1-r0": ["CVE-2000-1"]}}}]}"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("writes");
    path
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("lists")
        .map(|entry| {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&path).expect("reads"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_missing_database_says_to_import() {
    let dir = tempfile::tempdir().expect("temp dir");
    let error = Database::open(&dir.path().join("db")).expect_err("missing");
    assert!(matches!(error, Error::Missing { .. }), "{error:?}");
    assert!(error.to_string().contains("run kensa db import"), "{error}");
}

#[test]
fn a_failed_import_leaves_the_database_and_metadata_untouched() {
    let inputs = tempfile::tempdir().expect("temp dir");
    let dir = tempfile::tempdir().expect("temp dir");
    let good = write(inputs.path(), "ghsa.json", OSV);
    db::import(dir.path(), &[good], |_| {}).expect("imports");
    let before = snapshot(dir.path());
    assert_eq!(
        before
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>(),
        ["metadata.json", "vulns.db"]
    );

    // A good file then a corrupt one in the same import: nothing of either.
    let second = write(inputs.path(), "secdb.json", SECDB);
    let corrupt = write(
        inputs.path(),
        "broken.json",
        "{\"id\": \"X-1\", \"affected\": [",
    );
    let error = db::import(dir.path(), &[second, corrupt], |_| {}).expect_err("corrupt");
    assert!(error.to_string().contains("broken.json"), "{error}");
    assert_eq!(
        snapshot(dir.path()),
        before,
        "no file changed or left behind"
    );
    let database = Database::open(dir.path()).expect("opens");
    assert!(
        database
            .advisories("alpine:3.19", "openssl")
            .expect("queries")
            .is_empty()
    );
    assert_eq!(
        database.advisories("npm", "lodash").expect("queries").len(),
        1
    );

    // A file of no known format is an error too, naming it.
    let unknown = write(inputs.path(), "other.json", "{\"kind\": \"Pod\"}");
    let error = db::import(dir.path(), &[unknown], |_| {}).expect_err("unknown format");
    assert!(matches!(error, Error::UnknownFormat { .. }), "{error:?}");
    assert!(error.to_string().contains("other.json"), "{error}");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn reimporting_replaces_and_metadata_lists_each_source_once() {
    let inputs = tempfile::tempdir().expect("temp dir");
    let dir = tempfile::tempdir().expect("temp dir");
    let osv = write(inputs.path(), "ghsa.json", OSV);
    let secdb = write(inputs.path(), "secdb.json", SECDB);
    let mut events = Vec::new();
    let summary = db::import(dir.path(), &[osv.clone(), secdb.clone()], |e| {
        events.push(e)
    })
    .expect("imports");
    assert_eq!(summary.advisories, 2);
    assert_eq!(
        summary.warnings.len(),
        1,
        "the nameless package: {:?}",
        summary.warnings
    );
    assert!(
        summary.warnings[0].contains("secdb.json") && summary.warnings[0].contains("packages[1]")
    );
    assert!(events.contains(&ImportEvent::Started { path: osv.clone() }));
    assert!(events.iter().any(|e| matches!(e, ImportEvent::Warning(_))));
    assert_eq!(events.last(), Some(&ImportEvent::Committing));

    let counts = Database::open(dir.path())
        .expect("opens")
        .counts()
        .expect("counts");
    assert_eq!(counts, (2, 2));
    for _ in 0..2 {
        db::import(dir.path(), std::slice::from_ref(&osv), |_| {}).expect("imports again");
    }
    let database = Database::open(dir.path()).expect("opens");
    assert_eq!(database.counts().expect("counts"), counts, "no duplicates");

    let metadata = database.metadata();
    assert_eq!(metadata.schema_version, SCHEMA_VERSION);
    assert_eq!(metadata.sources.len(), 2, "{metadata:?}");
    let source = metadata
        .sources
        .iter()
        .find(|s| s.name == "ghsa.json")
        .expect("listed");
    assert_eq!((source.kind.as_str(), source.records), ("osv", 1));
    assert_eq!(source.path, osv.display().to_string());
    for stamp in [&metadata.built_at, &source.imported_at] {
        assert_eq!(stamp.len(), 20, "{stamp}");
        assert!(
            stamp.ends_with('Z') && stamp.as_bytes()[10] == b'T',
            "{stamp}"
        );
    }
    let on_disk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("metadata.json")).expect("reads"))
            .expect("json");
    assert_eq!(on_disk["schema_version"], SCHEMA_VERSION);
    assert_eq!(on_disk["sources"].as_array().map(Vec::len), Some(2));
}

#[test]
fn a_newer_advisory_replaces_the_older_one() {
    let inputs = tempfile::tempdir().expect("temp dir");
    let dir = tempfile::tempdir().expect("temp dir");
    let first = write(inputs.path(), "a.json", OSV);
    db::import(dir.path(), &[first], |_| {}).expect("imports");
    let second = write(inputs.path(), "b.json", &OSV.replace("4.17.21", "4.17.22"));
    db::import(dir.path(), &[second], |_| {}).expect("imports");
    let database = Database::open(dir.path()).expect("opens");
    let advisories = database.advisories("npm", "lodash").expect("queries");
    assert_eq!(advisories.len(), 1);
    assert_eq!(advisories[0].fixed_versions(), ["4.17.22"]);
    assert_eq!(database.metadata().sources.len(), 2);
}

#[test]
fn another_schema_version_is_refused_and_import_replaces_it() {
    let inputs = tempfile::tempdir().expect("temp dir");
    let dir = tempfile::tempdir().expect("temp dir");
    let old = rusqlite::Connection::open(dir.path().join("vulns.db")).expect("creates");
    old.execute_batch("CREATE TABLE x (y); PRAGMA user_version = 99;")
        .expect("writes");
    drop(old);
    std::fs::write(dir.path().join("metadata.json"), "{}").expect("writes");
    let error = Database::open(dir.path()).expect_err("old schema");
    assert!(
        matches!(error, Error::SchemaVersion { found: 99, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("run kensa db import"), "{error}");

    let osv = write(inputs.path(), "ghsa.json", OSV);
    db::import(dir.path(), &[osv], |_| {}).expect("imports");
    let database = Database::open(dir.path()).expect("opens");
    assert_eq!(database.counts().expect("counts"), (1, 1));
}

#[test]
fn a_wolfi_secdb_needs_its_namespace_unless_it_names_itself() {
    let inputs = tempfile::tempdir().expect("temp dir");
    let dir = tempfile::tempdir().expect("temp dir");
    let text = r#"{"apkurl": "{{urlprefix}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk",
        "reponame": "os", "packages": [{"pkg": {"name": "glibc", "secfixes": {"2.38-r1": ["CVE-2023-4911"]}}}]}"#;
    let path = write(inputs.path(), "security.json", text);
    let error =
        db::import(dir.path(), std::slice::from_ref(&path), |_| {}).expect_err("needs a namespace");
    assert!(matches!(error, Error::NamespaceNeeded { .. }), "{error:?}");
    let source = ImportSource {
        path,
        namespace: Some("chainguard".into()),
    };
    db::import_sources(dir.path(), &[source], |_| {}).expect("imports");
    let database = Database::open(dir.path()).expect("opens");
    let glibc = database.advisories("chainguard", "glibc").expect("queries");
    assert_eq!(glibc[0].data_source, "chainguard-secdb");
}

#[test]
fn an_unreadable_database_is_replaced_by_an_import() {
    let inputs = tempfile::tempdir().expect("temp dir");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("vulns.db"),
        b"not sqlite at all, not even close....",
    )
    .expect("writes");
    std::fs::write(dir.path().join("metadata.json"), "{}").expect("writes");
    let error = Database::open(dir.path()).expect_err("unreadable");
    assert!(matches!(error, Error::Sqlite { .. }), "{error:?}");
    let osv = write(inputs.path(), "ghsa.json", OSV);
    db::import(dir.path(), &[osv], |_| {}).expect("imports");
    assert_eq!(
        Database::open(dir.path())
            .expect("opens")
            .counts()
            .expect("counts"),
        (1, 1)
    );
}
