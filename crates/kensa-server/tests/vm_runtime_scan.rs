//! The server's own cluster scans against a real registry (Debian's
//! `docker-registry` on a loopback port, images pushed with skopeo): two
//! images scanned, one missing, each outcome on the scan's rows; a
//! registry that never answers times out; a missing vulnerability database
//! fails the scan before any image.

#[path = "../../kensa-image/tests/registry_support/mod.rs"]
mod registry_support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kensa_image::source::{ReadOptions, RegistryOptions};
use kensa_server::vm::Db;
use kensa_server::vm::runtime_scan::{
    self, ImageUse, RuntimeScanOptions, images_from_snapshot, run_to_completion,
};
use registry_support::{Registry, have};
use sqlx::Row;

/// Synthetic Debian security-tracker advisories for packages of the
/// bookworm image scripts/images/build-fixtures.sh builds. The reference
/// data's tracker samples name no package of a minbase image, so they
/// would leave the Debian image without findings.
const TRACKER: &str = r#"{
  "glibc": {
    "CVE-2099-0101": {
      "scope": "local",
      "description": "Synthetic test advisory: open in bookworm, no fix yet.",
      "releases": {"bookworm": {"status": "open", "repositories": {"bookworm": "2.36-9+deb12u14"}, "urgency": "high"}}
    }
  },
  "bash": {
    "CVE-2099-0102": {
      "scope": "local",
      "description": "Synthetic test advisory: fixed in a later bookworm update.",
      "releases": {"bookworm": {"status": "resolved", "repositories": {"bookworm": "5.2.15-2+b99"}, "fixed_version": "5.2.15-2+b99", "urgency": "medium"}}
    }
  }
}"#;

/// A vulnerability database in `dir`, from [`TRACKER`].
fn vulnerability_db(dir: &Path) -> std::path::PathBuf {
    let source = dir.join("bookworm-tracker.json");
    std::fs::write(&source, TRACKER).expect("tracker file");
    let db = dir.join("vulndb");
    kensa_vuln::db::import(&db, &[source], |_| {}).expect("imports");
    db
}

fn options(dir: &Path, vuln_db: std::path::PathBuf, timeout: Duration) -> RuntimeScanOptions {
    RuntimeScanOptions {
        concurrency: 2,
        timeout,
        read: Arc::new(ReadOptions {
            registry: RegistryOptions {
                insecure: true,
                ..RegistryOptions::default()
            },
            cache_dir: Some(dir.join("cache")),
            ..ReadOptions::default()
        }),
        vuln_db,
    }
}

async fn connect(dir: &Path) -> Db {
    Db::connect(&format!("sqlite://{}", dir.join("vm.db").display()))
        .await
        .expect("database")
}

/// A pod of the snapshot.
fn pod(
    namespace: &str,
    name: &str,
    labels: serde_json::Value,
    owner: Option<(&str, &str)>,
    image: &str,
) -> serde_json::Value {
    let owners = owner.map(|(kind, name)| {
        serde_json::json!([{ "apiVersion": "apps/v1", "kind": kind, "name": name, "controller": true }])
    });
    serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": { "name": name, "namespace": namespace, "labels": labels, "ownerReferences": owners },
        "spec": { "containers": [{ "name": "main", "image": image }] },
        "status": { "phase": "Running", "containerStatuses": [{ "name": "main", "imageID": "" }] }
    })
}

/// The scan's row: status, total, done, failed, error, finished_at.
async fn scan_row(db: &Db, id: i64) -> (String, i64, i64, i64, String, Option<i64>) {
    let row = sqlx::query(
        "SELECT status, images_total, images_done, images_failed, error, finished_at \
         FROM scans WHERE id = $1 AND kind = 'runtime'",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await
    .expect("the scan's row");
    (
        row.try_get(0).expect("status"),
        row.try_get(1).expect("total"),
        row.try_get(2).expect("done"),
        row.try_get(3).expect("failed"),
        row.try_get(4).expect("error"),
        row.try_get(5).expect("finished_at"),
    )
}

/// The scan's images: reference, status, error, duration, image ID.
async fn scan_images(db: &Db, id: i64) -> Vec<(String, String, String, i64, Option<i64>)> {
    sqlx::query(
        "SELECT reference, status, error, duration_ms, image_id FROM scan_images \
         WHERE scan_id = $1 ORDER BY reference",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await
    .expect("scan images")
    .iter()
    .map(|row| {
        (
            row.try_get(0).expect("reference"),
            row.try_get(1).expect("status"),
            row.try_get(2).expect("error"),
            row.try_get(3).expect("duration"),
            row.try_get(4).expect("image id"),
        )
    })
    .collect()
}

async fn count(db: &Db, sql: &'static str, value: &str) -> i64 {
    sqlx::query(sql)
        .bind(value)
        .fetch_one(db.pool())
        .await
        .expect("count")
        .try_get(0)
        .expect("a number")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_scan_reads_every_image_and_records_each_outcome() {
    let Some(fixtures) = kensa_reference::image_fixtures() else {
        return;
    };
    if !(have("docker-registry") && have("skopeo")) {
        return;
    }
    let registry = Registry::start(None);
    registry.push(
        &format!("oci:{}/debian:bookworm", fixtures.display()),
        "debian:12",
        false,
    );
    registry.push(
        &format!("oci:{}/busybox:latest", fixtures.display()),
        "busybox:1",
        false,
    );
    let host = registry.host();
    let debian = format!("{host}/debian:12");
    let busybox = format!("{host}/busybox:1");
    let missing = format!("{host}/nope:1");

    let dir = tempfile::tempdir().expect("tempdir");
    let vuln_db = vulnerability_db(dir.path());
    let snapshot = serde_json::json!({
        "apiVersion": "v1", "kind": "List",
        "items": [
            pod("shop", "web-5f6d7c8b9-aaaaa", serde_json::json!({ "pod-template-hash": "5f6d7c8b9" }),
                Some(("ReplicaSet", "web-5f6d7c8b9")), &debian),
            pod("tools", "toolbox-0", serde_json::json!({ "app.kubernetes.io/name": "toolbox" }),
                None, &busybox),
            pod("shop", "broken", serde_json::json!({}), None, &missing),
            { "apiVersion": "apps/v1", "kind": "ReplicaSet",
              "metadata": { "name": "web-5f6d7c8b9", "namespace": "shop",
                "ownerReferences": [{ "apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "controller": true }] } },
            { "apiVersion": "apps/v1", "kind": "Deployment", "metadata": { "name": "web", "namespace": "shop" } }
        ]
    });
    let uses = images_from_snapshot(&serde_json::to_vec(&snapshot).expect("json"), "prod")
        .expect("snapshot");
    let references: Vec<&str> = uses.iter().map(|u| u.reference.as_str()).collect();
    assert_eq!(
        references,
        [busybox.as_str(), debian.as_str(), missing.as_str()]
    );

    let db = connect(dir.path()).await;
    let options = options(dir.path(), vuln_db, Duration::from_secs(120));
    let id = run_to_completion(db.clone(), uses.clone(), options.clone(), "prod".into())
        .await
        .expect("the scan runs");

    let (status, total, done, failed, error, finished) = scan_row(&db, id).await;
    assert_eq!(
        (status.as_str(), total, done, failed),
        ("partial", 3, 2, 1),
        "{error}"
    );
    assert!(error.contains("1 of 3"), "{error}");
    assert!(finished.is_some());

    let images = scan_images(&db, id).await;
    assert_eq!(images.len(), 3, "{images:?}");
    let by_reference = |reference: &str| {
        images
            .iter()
            .find(|row| row.0 == reference)
            .unwrap_or_else(|| panic!("no row for {reference} in {images:?}"))
    };
    let failure = by_reference(&missing);
    assert_eq!(failure.1, "failed");
    assert!(
        failure.2.contains(&missing),
        "the error names the image: {}",
        failure.2
    );
    assert!(
        failure.2.contains("not found"),
        "and says why: {}",
        failure.2
    );
    assert_eq!(failure.4, None);
    for reference in [&debian, &busybox] {
        let row = by_reference(reference);
        assert_eq!(row.1, "completed", "{row:?}");
        assert!(row.2.is_empty(), "{row:?}");
        assert!(row.3 > 0, "a duration is recorded: {row:?}");
        assert!(row.4.is_some(), "{row:?}");
    }

    let findings = "SELECT COUNT(*) FROM findings f JOIN images i ON i.id = f.image_id \
                    WHERE i.name = $1 AND f.resolved_at IS NULL";
    assert!(
        count(&db, findings, &debian).await > 0,
        "the Debian image has findings"
    );
    assert_eq!(count(&db, findings, &busybox).await, 0);
    let debian_os = "SELECT COUNT(*) FROM images WHERE name = $1 AND os LIKE 'debian%'";
    assert_eq!(count(&db, debian_os, &debian).await, 1);

    let applications: Vec<(String, String, String, String)> = sqlx::query(
        "SELECT c.name, n.name, a.name, a.kind FROM applications a \
         JOIN namespaces n ON n.id = a.namespace_id JOIN clusters c ON c.id = n.cluster_id \
         ORDER BY n.name, a.name",
    )
    .fetch_all(db.pool())
    .await
    .expect("applications")
    .iter()
    .map(|row| {
        (
            row.try_get(0).expect("cluster"),
            row.try_get(1).expect("namespace"),
            row.try_get(2).expect("application"),
            row.try_get(3).expect("kind"),
        )
    })
    .collect();
    let expected = [
        ("prod", "shop", "web", "Deployment"),
        ("prod", "tools", "toolbox", "label"),
    ]
    .map(|(c, n, a, k)| (c.to_owned(), n.to_owned(), a.to_owned(), k.to_owned()));
    assert_eq!(applications, expected);
    let linked = "SELECT COUNT(*) FROM application_images ai JOIN images i ON i.id = ai.image_id \
                  JOIN applications a ON a.id = ai.application_id WHERE a.name = $1";
    assert_eq!(count(&db, linked, "web").await, 1);
    assert_eq!(count(&db, linked, "toolbox").await, 1);

    // In the background this time: the ID comes back before the images
    // are read, and the second scan finds nothing new.
    let second = runtime_scan::start(db.clone(), uses, options, "prod".into())
        .await
        .expect("starts");
    assert_ne!(second, id);
    let deadline = Instant::now() + Duration::from_secs(180);
    let (status, _, done, failed, error, _) = loop {
        let row = scan_row(&db, second).await;
        if row.0 != "running" {
            break row;
        }
        assert!(Instant::now() < deadline, "the background scan did not end");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        (status.as_str(), done, failed),
        ("partial", 2, 1),
        "{error}"
    );
    let new: i64 = sqlx::query("SELECT new_findings FROM scans WHERE id = $1")
        .bind(second)
        .fetch_one(db.pool())
        .await
        .expect("row")
        .try_get(0)
        .expect("new findings");
    assert_eq!(new, 0, "a re-scan finds nothing new");
}

fn use_of(reference: &str) -> ImageUse {
    ImageUse {
        reference: reference.to_owned(),
        placements: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_that_never_answers_times_out_and_the_scan_ends() {
    // Connections complete in the kernel's backlog and are never answered.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("address").port();
    let dir = tempfile::tempdir().expect("tempdir");
    let vuln_db = vulnerability_db(dir.path());
    let db = connect(dir.path()).await;
    let mut options = options(dir.path(), vuln_db, Duration::from_secs(1));
    options.concurrency = 1;
    let stuck = format!("127.0.0.1:{port}/stuck:1");
    let also_stuck = format!("127.0.0.1:{port}/stuck:2");
    let started = Instant::now();
    let id = run_to_completion(
        db.clone(),
        vec![use_of(&stuck), use_of(&also_stuck)],
        options,
        "prod".into(),
    )
    .await
    .expect("the scan runs");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let (status, total, done, failed, _, finished) = scan_row(&db, id).await;
    assert_eq!((status.as_str(), total, done, failed), ("failed", 2, 0, 2));
    assert!(finished.is_some());
    for (reference, status, error, duration, _) in scan_images(&db, id).await {
        assert_eq!(status, "failed");
        assert_eq!(error, format!("{reference}: timed out after 1 s"));
        assert!(duration >= 1000, "{duration}");
    }
    drop(silent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_vulnerability_database_fails_the_scan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = connect(dir.path()).await;
    let options = options(dir.path(), dir.path().join("no-db"), Duration::from_secs(5));
    let id = run_to_completion(
        db.clone(),
        vec![use_of("127.0.0.1:1/any:1")],
        options,
        "prod".into(),
    )
    .await
    .expect("the scan runs");
    let (status, total, done, failed, error, finished) = scan_row(&db, id).await;
    assert_eq!((status.as_str(), total, done, failed), ("failed", 1, 0, 0));
    assert!(error.contains("vulnerability database"), "{error}");
    assert!(error.contains("no-db"), "{error}");
    assert!(finished.is_some());
    assert!(scan_images(&db, id).await.is_empty());

    // A listing that failed is a scan of its own, failed from the start.
    let failed_listing = db
        .record_failed_runtime_scan("prod", "listing pods: forbidden")
        .await
        .expect("recorded");
    let (status, _, _, _, error, finished) = scan_row(&db, failed_listing).await;
    assert_eq!(
        (status.as_str(), error.as_str()),
        ("failed", "listing pods: forbidden")
    );
    assert!(finished.is_some());
}
