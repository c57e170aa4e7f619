//! The server scanning a cluster's running images itself (KubeClarity's
//! "Runtime Scan"): which images run where, read from a `kubectl get -o
//! json` snapshot or from the cluster through kube-rs; then every image is
//! read, matched against the vulnerability database and written into the
//! inventory as one image of a `runtime` scan.
//!
//! A failed image (missing, unreachable, timed out) is recorded on its own
//! `scan_images` row and never stops the others; the scan ends `completed`,
//! `partial` or `failed`.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use kensa_image::source::ReadOptions;
use kensa_vuln::db::Database;
use serde_json::Value;
use sqlx::Row;
use tokio::sync::Semaphore;

use crate::vm::upload::{ImageScanUpload, Placement};
use crate::vm::{Db, VmError, now};

/// One image reference running in the cluster, and everywhere it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUse {
    /// What to scan: a digest reference (`repo@sha256:...`) when the
    /// container runtime reported one, else the pod spec's image.
    pub reference: String,
    /// One per distinct (namespace, application), sorted.
    pub placements: Vec<Placement>,
}

/// How a runtime scan reads and matches images.
#[derive(Debug, Clone)]
pub struct RuntimeScanOptions {
    /// Images read at the same time (at least 1).
    pub concurrency: usize,
    /// The longest one image may take to read and match.
    pub timeout: Duration,
    /// Registry access and the layer cache.
    pub read: Arc<ReadOptions>,
    /// The vulnerability database's directory (`kensa db import`).
    pub vuln_db: PathBuf,
}

/// Owner chains longer than this are cut: real ones have two links, and a
/// malicious or broken snapshot could loop.
const MAX_OWNER_DEPTH: usize = 8;

/// The images of the pods in a `kubectl get pods,replicasets,deployments,
/// statefulsets,daemonsets,jobs,cronjobs -A -o json` snapshot (a `List`;
/// a `PodList` or a single `Pod` are accepted too), grouped by reference
/// and sorted. Pods that have ended (`Succeeded`, `Failed`) are left out.
pub fn images_from_snapshot(bytes: &[u8], cluster: &str) -> Result<Vec<ImageUse>, VmError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| VmError::Invalid(format!("the snapshot is not JSON: {e}")))?;
    images_from_value(&value, cluster)
}

/// [`images_from_snapshot`] on parsed JSON.
fn images_from_value(value: &Value, cluster: &str) -> Result<Vec<ImageUse>, VmError> {
    let Some(top) = value.as_object() else {
        return Err(VmError::Invalid(
            "the snapshot is not a JSON object (expected a List, a PodList or a Pod)".into(),
        ));
    };
    let top_kind = top.get("kind").and_then(Value::as_str).unwrap_or("");
    // A typed list (`PodList`) leaves `kind` off its items.
    let (items, item_kind): (Vec<&Value>, Option<&str>) = match top.get("items") {
        Some(Value::Array(items)) => (
            items.iter().collect(),
            top_kind.strip_suffix("List").filter(|k| !k.is_empty()),
        ),
        Some(_) => {
            return Err(VmError::Invalid(
                "the snapshot's `items` is not an array".into(),
            ));
        }
        None if top_kind == "Pod" => (vec![value], None),
        None => {
            return Err(VmError::Invalid(format!(
                "the snapshot has no `items` and is not a Pod (kind {top_kind:?})"
            )));
        }
    };

    let mut objects = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        if !item.is_object() {
            return Err(VmError::Invalid(format!("items[{index}] is not an object")));
        }
        let kind = match item.get("kind") {
            Some(Value::String(kind)) => kind.as_str(),
            None => {
                item_kind.ok_or_else(|| VmError::Invalid(format!("items[{index}] has no kind")))?
            }
            Some(_) => {
                return Err(VmError::Invalid(format!(
                    "items[{index}].kind is not a string"
                )));
            }
        };
        objects.push((index, kind, *item));
    }

    // Controllers by (namespace, kind, name): what pod owners resolve through.
    let mut owners: HashMap<(&str, &str, &str), &Value> = HashMap::new();
    for (_, kind, item) in &objects {
        if let Some(name) = item["metadata"]["name"].as_str() {
            owners.insert((namespace_of(item), kind, name), item);
        }
    }

    let mut by_reference: BTreeMap<String, BTreeMap<(String, String), String>> = BTreeMap::new();
    for (index, kind, pod) in objects {
        if kind != "Pod" {
            continue;
        }
        for (reference, application, application_kind) in pod_images(index, pod, &owners)? {
            by_reference
                .entry(reference)
                .or_default()
                .entry((namespace_of(pod).to_owned(), application))
                .or_insert(application_kind);
        }
    }
    Ok(by_reference
        .into_iter()
        .map(|(reference, places)| ImageUse {
            reference,
            placements: places
                .into_iter()
                .map(|((namespace, application), application_kind)| Placement {
                    cluster: cluster.to_owned(),
                    namespace,
                    application,
                    application_kind,
                })
                .collect(),
        })
        .collect())
}

/// A namespaced object's namespace; a manifest may leave it to the default.
fn namespace_of(item: &Value) -> &str {
    item["metadata"]["namespace"]
        .as_str()
        .filter(|ns| !ns.is_empty())
        .unwrap_or("default")
}

/// Every (reference, application, application kind) of a running pod.
fn pod_images(
    index: usize,
    pod: &Value,
    owners: &HashMap<(&str, &str, &str), &Value>,
) -> Result<Vec<(String, String, String)>, VmError> {
    let invalid = |what: String| VmError::Invalid(format!("items[{index}] (Pod): {what}"));
    let Some(name) = pod["metadata"]["name"].as_str().filter(|n| !n.is_empty()) else {
        return Err(invalid("metadata.name is missing".into()));
    };
    let namespace = namespace_of(pod);
    let invalid =
        |what: String| VmError::Invalid(format!("items[{index}] (Pod {namespace}/{name}): {what}"));
    let Some(spec) = pod.get("spec").filter(|s| s.is_object()) else {
        return Err(invalid("no spec".into()));
    };
    if matches!(
        pod["status"]["phase"].as_str(),
        Some("Succeeded" | "Failed")
    ) {
        return Ok(Vec::new());
    }
    let (application, application_kind) = application_of(pod, name, namespace, owners);
    let mut images = Vec::new();
    for (field, statuses, required) in [
        ("containers", "containerStatuses", true),
        ("initContainers", "initContainerStatuses", false),
    ] {
        let containers: &[Value] = match spec.get(field) {
            Some(Value::Array(containers)) => containers.as_slice(),
            None | Some(Value::Null) if !required => &[],
            None | Some(Value::Null) => return Err(invalid(format!("spec.{field} is missing"))),
            Some(_) => return Err(invalid(format!("spec.{field} is not an array"))),
        };
        for (position, container) in containers.iter().enumerate() {
            let Some(image) = container["image"].as_str().filter(|i| !i.trim().is_empty()) else {
                return Err(invalid(format!("spec.{field}[{position}] has no image")));
            };
            let reference = container["name"]
                .as_str()
                .and_then(|container| running_digest(&pod["status"][statuses], container))
                .unwrap_or_else(|| image.trim().to_owned());
            images.push((reference, application.clone(), application_kind.clone()));
        }
    }
    Ok(images)
}

/// The digest reference the container runtime pulled for a container,
/// when it reported one: what actually runs, even if the tag has moved.
fn running_digest(statuses: &Value, container: &str) -> Option<String> {
    let status = statuses
        .as_array()?
        .iter()
        .find(|s| s["name"].as_str() == Some(container))?;
    let id = status["imageID"].as_str()?;
    // Docker (dockershim, cri-dockerd) prefixes a scheme; containerd and
    // CRI-O report `repo@sha256:...` as is.
    let id = id.strip_prefix("docker-pullable://").unwrap_or(id);
    let (repository, _) = id.split_once("@sha256:")?;
    (!repository.is_empty()).then(|| id.to_owned())
}

/// The application a pod belongs to, and what named it.
fn application_of(
    pod: &Value,
    name: &str,
    namespace: &str,
    owners: &HashMap<(&str, &str, &str), &Value>,
) -> (String, String) {
    let labels = &pod["metadata"]["labels"];
    for label in ["app.kubernetes.io/part-of", "app.kubernetes.io/name"] {
        if let Some(value) = labels[label].as_str().filter(|v| !v.is_empty()) {
            return (value.to_owned(), "label".to_owned());
        }
    }
    let mut top: Option<(&str, String)> = None;
    let mut next = controller_of(pod);
    for depth in 0..MAX_OWNER_DEPTH {
        let Some((kind, owner)) = next else { break };
        top = Some((kind, owner.to_owned()));
        match owners.get(&(namespace, kind, owner)) {
            Some(object) => next = controller_of(object),
            None => {
                // A snapshot of pods alone: the Deployment is still named
                // by the ReplicaSet's name less its template hash.
                if depth == 0 && kind == "ReplicaSet" {
                    let deployment = labels["pod-template-hash"]
                        .as_str()
                        .filter(|hash| !hash.is_empty())
                        .and_then(|hash| owner.strip_suffix(hash))
                        .and_then(|rest| rest.strip_suffix('-'))
                        .filter(|rest| !rest.is_empty());
                    if let Some(deployment) = deployment {
                        top = Some(("Deployment", deployment.to_owned()));
                    }
                }
                break;
            }
        }
    }
    match top {
        Some((kind, owner)) => (owner, kind.to_owned()),
        None => (name.to_owned(), "Pod".to_owned()),
    }
}

/// An object's controlling owner (`controller: true`), as (kind, name).
fn controller_of(object: &Value) -> Option<(&str, &str)> {
    let owner = object["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|owner| owner["controller"] == true)?;
    let kind = owner["kind"].as_str().filter(|k| !k.is_empty())?;
    let name = owner["name"].as_str().filter(|n| !n.is_empty())?;
    // A static pod's mirror is "controlled" by its Node: every static pod
    // of a node would become one application. Each is its own instead.
    (kind != "Node").then_some((kind, name))
}

/// The images running in the cluster behind `context` (the current one
/// when `None`, in-cluster without a kubeconfig): the same kinds as the
/// snapshot, listed through kube-rs and read by the same code.
#[cfg(feature = "cluster")]
pub async fn images_from_cluster(
    context: Option<&str>,
    cluster: &str,
) -> Result<Vec<ImageUse>, VmError> {
    use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
    use k8s_openapi::api::batch::v1::{CronJob, Job};
    use k8s_openapi::api::core::v1::Pod;

    let client = kensa_k8s::cluster::client(context)
        .await
        .map_err(|e| VmError::Invalid(format!("connecting to the cluster: {e}")))?;
    let mut items = Vec::new();
    list_all::<Pod>(&client, "pods", &mut items).await?;
    list_all::<ReplicaSet>(&client, "replicasets", &mut items).await?;
    list_all::<Deployment>(&client, "deployments", &mut items).await?;
    list_all::<StatefulSet>(&client, "statefulsets", &mut items).await?;
    list_all::<DaemonSet>(&client, "daemonsets", &mut items).await?;
    list_all::<Job>(&client, "jobs", &mut items).await?;
    list_all::<CronJob>(&client, "cronjobs", &mut items).await?;
    let list = serde_json::json!({ "apiVersion": "v1", "kind": "List", "items": items });
    images_from_value(&list, cluster)
}

/// Appends every object of kind `K` in all namespaces, page by page, with
/// `apiVersion` and `kind` set as kubectl prints them.
#[cfg(feature = "cluster")]
async fn list_all<K>(
    client: &kube::Client,
    resource: &str,
    out: &mut Vec<Value>,
) -> Result<(), VmError>
where
    K: kube::Resource<DynamicType = ()>
        + k8s_openapi::Resource
        + Clone
        + std::fmt::Debug
        + serde::de::DeserializeOwned
        + serde::Serialize,
{
    let api: kube::Api<K> = kube::Api::all(client.clone());
    let mut params = kube::api::ListParams::default().limit(500);
    loop {
        let page = api
            .list(&params)
            .await
            .map_err(|e| VmError::Invalid(format!("listing {resource}: {e}")))?;
        for item in page.items {
            let mut value = serde_json::to_value(&item)
                .map_err(|e| VmError::Invalid(format!("encoding {resource}: {e}")))?;
            // List responses leave these off their items.
            value["apiVersion"] = <K as k8s_openapi::Resource>::API_VERSION.into();
            value["kind"] = <K as k8s_openapi::Resource>::KIND.into();
            out.push(value);
        }
        match page.metadata.continue_.filter(|token| !token.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => return Ok(()),
        }
    }
}

impl Db {
    /// A new `runtime` scan of `cluster`, `running`, with `total` images to go.
    pub async fn create_runtime_scan(&self, cluster: &str, total: i64) -> Result<i64, VmError> {
        Ok(sqlx::query(
            "INSERT INTO scans (kind, status, cluster, started_at, images_total) \
             VALUES ('runtime', 'running', $1, $2, $3) RETURNING id",
        )
        .bind(cluster)
        .bind(now())
        .bind(total)
        .fetch_one(self.pool())
        .await?
        .try_get(0)?)
    }

    /// A `runtime` scan that failed before any image (the listing, say).
    pub async fn record_failed_runtime_scan(
        &self,
        cluster: &str,
        error: &str,
    ) -> Result<i64, VmError> {
        let time = now();
        Ok(sqlx::query(
            "INSERT INTO scans (kind, status, cluster, started_at, finished_at, error) \
             VALUES ('runtime', 'failed', $1, $2, $3, $4) RETURNING id",
        )
        .bind(cluster)
        .bind(time)
        .bind(time)
        .bind(error)
        .fetch_one(self.pool())
        .await?
        .try_get(0)?)
    }

    /// Records that `reference` could not be scanned, and why.
    pub async fn record_runtime_image_failure(
        &self,
        scan_id: i64,
        reference: &str,
        error: &str,
        duration_ms: i64,
    ) -> Result<(), VmError> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO scan_images (scan_id, reference, status, error, duration_ms) \
             VALUES ($1, $2, 'failed', $3, $4)",
        )
        .bind(scan_id)
        .bind(reference)
        .bind(error)
        .bind(duration_ms)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE scans SET images_failed = images_failed + 1 WHERE id = $1")
            .bind(scan_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Counts an image [`Db::ingest_into_scan`] wrote, and how long it took
    /// on the `scan_images` row the ingest added.
    pub async fn record_runtime_image_success(
        &self,
        scan_id: i64,
        image_id: i64,
        reference: &str,
        duration_ms: i64,
    ) -> Result<(), VmError> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "UPDATE scan_images SET duration_ms = $1 \
             WHERE scan_id = $2 AND image_id = $3 AND reference = $4",
        )
        .bind(duration_ms)
        .bind(scan_id)
        .bind(image_id)
        .bind(reference)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE scans SET images_done = images_done + 1 WHERE id = $1")
            .bind(scan_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends a runtime scan: `failed` when `error` says the scan as a whole
    /// failed or every image did, `partial` when some did, else
    /// `completed`. Returns the status written.
    pub async fn finish_runtime_scan(
        &self,
        scan_id: i64,
        error: Option<&str>,
    ) -> Result<&'static str, VmError> {
        let row =
            sqlx::query("SELECT images_total, images_done, images_failed FROM scans WHERE id = $1")
                .bind(scan_id)
                .fetch_optional(self.pool())
                .await?
                .ok_or_else(|| VmError::NotFound(format!("scan {scan_id}")))?;
        let total: i64 = row.try_get(0)?;
        let done: i64 = row.try_get(1)?;
        let failed: i64 = row.try_get(2)?;
        let (status, message) = match error {
            Some(error) => ("failed", error.to_owned()),
            None if failed == 0 => ("completed", String::new()),
            None => (
                if done == 0 { "failed" } else { "partial" },
                format!("{failed} of {total} images could not be scanned"),
            ),
        };
        sqlx::query("UPDATE scans SET status = $1, finished_at = $2, error = $3 WHERE id = $4")
            .bind(status)
            .bind(now())
            .bind(&message)
            .bind(scan_id)
            .execute(self.pool())
            .await?;
        Ok(status)
    }
}

/// Starts a runtime scan of `uses` in the background; returns its ID at
/// once. Its progress and outcome are on its `scans` row.
pub async fn start(
    db: Db,
    uses: Vec<ImageUse>,
    options: RuntimeScanOptions,
    cluster: String,
) -> Result<i64, VmError> {
    let scan_id = db
        .create_runtime_scan(&cluster, i64::try_from(uses.len()).unwrap_or(i64::MAX))
        .await?;
    tokio::spawn(async move {
        if let Err(error) = work(&db, scan_id, uses, &options).await {
            eprintln!("kensa serve: runtime scan {scan_id}: {error}");
        }
    });
    Ok(scan_id)
}

/// [`start`], awaiting the end (the tests use it to check a whole scan).
/// An error means the database could not record some of the results; the
/// images' own failures are on the scan's rows, not errors here.
pub async fn run_to_completion(
    db: Db,
    uses: Vec<ImageUse>,
    options: RuntimeScanOptions,
    cluster: String,
) -> Result<i64, VmError> {
    let scan_id = db
        .create_runtime_scan(&cluster, i64::try_from(uses.len()).unwrap_or(i64::MAX))
        .await?;
    work(&db, scan_id, uses, &options).await?;
    Ok(scan_id)
}

/// Scans every image of a scan, then ends it. Only database errors are
/// returned (the first; the other images go on regardless).
async fn work(
    db: &Db,
    scan_id: i64,
    uses: Vec<ImageUse>,
    options: &RuntimeScanOptions,
) -> Result<(), VmError> {
    let dir = options.vuln_db.clone();
    let opened = tokio::task::spawn_blocking(move || Database::open(&dir)).await;
    let vulnerabilities = match opened {
        Ok(Ok(database)) => Arc::new(Mutex::new(database)),
        Ok(Err(error)) => {
            let message = format!(
                "opening the vulnerability database in {}: {}",
                options.vuln_db.display(),
                error_chain(&error)
            );
            db.finish_runtime_scan(scan_id, Some(&message)).await?;
            return Ok(());
        }
        Err(error) => {
            let message = format!("opening the vulnerability database: {error}");
            db.finish_runtime_scan(scan_id, Some(&message)).await?;
            return Ok(());
        }
    };
    let permits = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for image_use in uses {
        // The semaphore is never closed; the `else` is unreachable.
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            break;
        };
        let db = db.clone();
        let options = options.clone();
        let vulnerabilities = Arc::clone(&vulnerabilities);
        tasks.spawn(async move {
            let result = scan_one(&db, scan_id, image_use, &options, vulnerabilities).await;
            // Released at a timeout too, though the reading thread may
            // still run: a few stuck registries must not stall the scan.
            drop(permit);
            result
        });
    }
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        let result = joined.map_err(|e| VmError::Invalid(format!("a scan task failed: {e}")));
        if let Err(error) = result.and_then(|r| r) {
            eprintln!("kensa serve: runtime scan {scan_id}: {error}");
            first_error.get_or_insert(error);
        }
    }
    db.finish_runtime_scan(scan_id, None).await?;
    first_error.map_or(Ok(()), Err)
}

/// Reads, matches and ingests one image, recording the outcome on the scan.
async fn scan_one(
    db: &Db,
    scan_id: i64,
    image_use: ImageUse,
    options: &RuntimeScanOptions,
    vulnerabilities: Arc<Mutex<Database>>,
) -> Result<(), VmError> {
    let started = Instant::now();
    let elapsed = || i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let ImageUse {
        reference,
        placements,
    } = image_use;
    let outcome = tokio::time::timeout(
        options.timeout,
        read_and_match(
            reference.clone(),
            placements,
            Arc::clone(&options.read),
            vulnerabilities,
        ),
    )
    .await;
    let upload = match outcome {
        Ok(Ok(upload)) => upload,
        Ok(Err(message)) => {
            return db
                .record_runtime_image_failure(scan_id, &reference, &message, elapsed())
                .await;
        }
        Err(_) => {
            // The reading thread cannot be cancelled: it is left to finish
            // (or fail on its own network timeouts) and its result dropped.
            let limit = match options.timeout.as_secs() {
                0 => format!("{} ms", options.timeout.as_millis()),
                secs => format!("{secs} s"),
            };
            let message = format!("{reference}: timed out after {limit}");
            return db
                .record_runtime_image_failure(scan_id, &reference, &message, elapsed())
                .await;
        }
    };
    // The ingest waits for the database's write turn (`Db::write_turn`),
    // shared with uploads arriving meanwhile.
    let ingested = db.ingest_into_scan(scan_id, &upload).await;
    match ingested {
        Ok(summary) => {
            db.record_runtime_image_success(scan_id, summary.image_id, &reference, elapsed())
                .await
        }
        // Recorded like any failure, so that done + failed add up to the
        // total; a database that cannot take this either fails it too.
        Err(error) => {
            let message = format!("{reference}: storing the scan: {error}");
            db.record_runtime_image_failure(scan_id, &reference, &message, elapsed())
                .await
        }
    }
}

/// Reads an image and matches its packages on a thread of its own; the
/// upload document, or why it could not be made.
async fn read_and_match(
    reference: String,
    placements: Vec<Placement>,
    read: Arc<ReadOptions>,
    vulnerabilities: Arc<Mutex<Database>>,
) -> Result<ImageScanUpload, String> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let thread_reference = reference.clone();
    // A plain thread, not `spawn_blocking`: registry reads start a runtime
    // of their own and refuse to from a thread that has entered tokio's,
    // which the blocking pool's threads all have.
    let spawned = std::thread::Builder::new()
        .name("kensa-runtime-scan".into())
        .spawn(move || {
            let reference = thread_reference;
            let result = kensa_image::source::read(&reference, &read, &mut |_| {})
                .map_err(|e| prefixed(&reference, &error_chain(&e)))
                .and_then(|image| {
                    // A panic elsewhere cannot leave a read-only database
                    // half-changed: the lock is safe to take over.
                    let database = vulnerabilities
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner);
                    let findings = kensa_vuln::matching::match_catalog(&database, &image.catalog)
                        .map_err(|e| {
                        format!(
                            "{reference}: matching against the vulnerability database: {}",
                            error_chain(&e)
                        )
                    })?;
                    drop(database);
                    let mut upload = ImageScanUpload::from_scan(&image, &findings, placements);
                    // The ingest's `scan_images` row is found again by it.
                    upload.image.name.clone_from(&reference);
                    Ok(upload)
                });
            // The receiver is gone after a timeout; nothing is left to tell.
            let _ = sender.send(result);
        });
    if let Err(error) = spawned {
        return Err(format!(
            "{reference}: cannot start a thread to read it: {error}"
        ));
    }
    receiver
        .await
        .unwrap_or_else(|_| Err(format!("{reference}: the thread reading it panicked")))
}

/// An error and its causes, each once (many messages embed their cause).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// `reference: message`, unless the message names the reference already.
fn prefixed(reference: &str, message: &str) -> String {
    if message.contains(reference) {
        message.to_owned()
    } else {
        format!("{reference}: {message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLUSTER: &str = "prod";

    fn owner(kind: &str, name: &str) -> Value {
        serde_json::json!([{ "apiVersion": "apps/v1", "kind": kind, "name": name,
            "uid": format!("uid-{name}"), "controller": true, "blockOwnerDeletion": true }])
    }

    fn pod(
        namespace: &str,
        name: &str,
        labels: Value,
        owners: Value,
        phase: &str,
        containers: Value,
        statuses: Value,
    ) -> Value {
        serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": { "name": name, "namespace": namespace, "labels": labels,
                "ownerReferences": owners, "uid": format!("uid-{name}") },
            "spec": { "containers": containers, "nodeName": "node-1" },
            "status": { "phase": phase, "containerStatuses": statuses }
        })
    }

    fn controller(kind: &str, namespace: &str, name: &str, owners: Value) -> Value {
        let api_version = if matches!(kind, "Job" | "CronJob") {
            "batch/v1"
        } else {
            "apps/v1"
        };
        serde_json::json!({
            "apiVersion": api_version, "kind": kind,
            "metadata": { "name": name, "namespace": namespace, "ownerReferences": owners },
            "spec": {}
        })
    }

    const NGINX_DIGEST: &str =
        "sha256:0c86dddac19f2ce4fd716ac58c0fd87bf69bfd4edabfd6971fb885bafd12a00b";

    /// What `kubectl get pods,replicasets,deployments,statefulsets,
    /// daemonsets,jobs,cronjobs -A -o json` prints, cut to what matters.
    fn snapshot() -> Value {
        let nginx_status = |name: &str| {
            serde_json::json!([{ "name": name, "ready": true, "restartCount": 0,
                "image": "nginx:1.27",
                "imageID": format!("docker-pullable://docker.io/library/nginx@{NGINX_DIGEST}") }])
        };
        let mut web_1 = pod(
            "shop",
            "web-7c9f8d6b5-abcde",
            serde_json::json!({ "app": "web", "pod-template-hash": "7c9f8d6b5" }),
            owner("ReplicaSet", "web-7c9f8d6b5"),
            "Running",
            serde_json::json!([{ "name": "nginx", "image": "nginx:1.27" }]),
            nginx_status("nginx"),
        );
        web_1["spec"]["initContainers"] =
            serde_json::json!([{ "name": "migrate", "image": "registry.example/shop/migrate:3" }]);
        web_1["status"]["initContainerStatuses"] = serde_json::json!([{ "name": "migrate",
            "imageID": "registry.example/shop/migrate@sha256:1111111111111111111111111111111111111111111111111111111111111111" }]);
        let web_2 = pod(
            "shop",
            "web-7c9f8d6b5-fghij",
            serde_json::json!({ "app": "web", "pod-template-hash": "7c9f8d6b5" }),
            owner("ReplicaSet", "web-7c9f8d6b5"),
            "Running",
            serde_json::json!([{ "name": "nginx", "image": "nginx:1.27" }]),
            nginx_status("nginx"),
        );
        let db_0 = pod(
            "shop",
            "db-0",
            serde_json::json!({ "app": "db", "statefulset.kubernetes.io/pod-name": "db-0" }),
            owner("StatefulSet", "db"),
            "Running",
            serde_json::json!([{ "name": "postgres", "image": "postgres:16" }]),
            // containerd before the pull finished: no digest yet.
            serde_json::json!([{ "name": "postgres", "imageID": "" }]),
        );
        let report_done = pod(
            "batch",
            "report-28930140-xyz12",
            serde_json::json!({ "job-name": "report-28930140" }),
            owner("Job", "report-28930140"),
            "Succeeded",
            serde_json::json!([{ "name": "report", "image": "reporter:old" }]),
            serde_json::json!([]),
        );
        let report_running = pod(
            "batch",
            "report-28930200-abc34",
            serde_json::json!({ "job-name": "report-28930200" }),
            owner("Job", "report-28930200"),
            "Running",
            serde_json::json!([{ "name": "report", "image": "reporter:2" }]),
            serde_json::json!([]),
        );
        let labelled = pod(
            "shop",
            "checkout-5d8f7-qwert",
            serde_json::json!({ "app.kubernetes.io/part-of": "storefront",
                "app.kubernetes.io/name": "checkout", "pod-template-hash": "5d8f7" }),
            owner("ReplicaSet", "checkout-5d8f7"),
            "Running",
            serde_json::json!([{ "name": "checkout", "image": "nginx:1.27" }]),
            nginx_status("checkout"),
        );
        let orphan_rs = pod(
            "tools",
            "api-66b5c4d9f8-zzzzz",
            serde_json::json!({ "pod-template-hash": "66b5c4d9f8" }),
            owner("ReplicaSet", "api-66b5c4d9f8"),
            "Pending",
            serde_json::json!([{ "name": "api", "image": "ghcr.io/acme/api:v2" }]),
            serde_json::json!([{ "name": "api", "imageID": "" }]),
        );
        let naked = pod(
            "tools",
            "debug",
            serde_json::json!({}),
            Value::Null,
            "Running",
            serde_json::json!([{ "name": "sh", "image": "busybox:1.36" }]),
            serde_json::json!([{ "name": "sh", "imageID": "docker.io/library/busybox@sha256:2222222222222222222222222222222222222222222222222222222222222222" }]),
        );
        serde_json::json!({
            "apiVersion": "v1", "kind": "List", "metadata": { "resourceVersion": "" },
            "items": [
                web_1, web_2, db_0, report_done, report_running, labelled, orphan_rs, naked,
                controller("ReplicaSet", "shop", "web-7c9f8d6b5", owner("Deployment", "web")),
                controller("Deployment", "shop", "web", Value::Null),
                controller("ReplicaSet", "shop", "checkout-5d8f7", owner("Deployment", "checkout")),
                controller("Deployment", "shop", "checkout", Value::Null),
                controller("StatefulSet", "shop", "db", Value::Null),
                controller("Job", "batch", "report-28930140", owner("CronJob", "report")),
                controller("Job", "batch", "report-28930200", owner("CronJob", "report")),
                controller("CronJob", "batch", "report", Value::Null),
                { "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": "shop" } }
            ]
        })
    }

    fn place(namespace: &str, application: &str, kind: &str) -> Placement {
        Placement {
            cluster: CLUSTER.into(),
            namespace: namespace.into(),
            application: application.into(),
            application_kind: kind.into(),
        }
    }

    fn parse(value: &Value) -> Result<Vec<ImageUse>, VmError> {
        images_from_snapshot(&serde_json::to_vec(value).expect("json"), CLUSTER)
    }

    #[test]
    fn a_kubectl_list_groups_images_by_reference_with_their_applications() {
        let uses = parse(&snapshot()).expect("parses");
        let expected = vec![
            ImageUse {
                reference: format!("docker.io/library/busybox@sha256:{}", "2".repeat(64)),
                placements: vec![place("tools", "debug", "Pod")],
            },
            ImageUse {
                reference: format!("docker.io/library/nginx@{NGINX_DIGEST}"),
                placements: vec![
                    place("shop", "storefront", "label"),
                    place("shop", "web", "Deployment"),
                ],
            },
            ImageUse {
                reference: "ghcr.io/acme/api:v2".into(),
                placements: vec![place("tools", "api", "Deployment")],
            },
            ImageUse {
                reference: "postgres:16".into(),
                placements: vec![place("shop", "db", "StatefulSet")],
            },
            ImageUse {
                reference: format!("registry.example/shop/migrate@sha256:{}", "1".repeat(64)),
                placements: vec![place("shop", "web", "Deployment")],
            },
            ImageUse {
                reference: "reporter:2".into(),
                placements: vec![place("batch", "report", "CronJob")],
            },
        ];
        assert_eq!(uses, expected);
    }

    #[test]
    fn a_pod_list_and_a_single_pod_are_read_too() {
        let mut single = snapshot()["items"][7].clone();
        let uses = parse(&single).expect("a pod");
        assert_eq!(uses.len(), 1);
        assert_eq!(uses[0].placements, [place("tools", "debug", "Pod")]);

        // A typed list's items carry no kind.
        single.as_object_mut().expect("object").remove("kind");
        let list = serde_json::json!({ "apiVersion": "v1", "kind": "PodList", "items": [single] });
        assert_eq!(parse(&list).expect("a pod list"), uses);
    }

    #[test]
    fn owners_outside_the_snapshot_and_owner_loops_end_the_chain() {
        // The Job is listed, its CronJob is not.
        let mut value = snapshot();
        let items = value["items"].as_array_mut().expect("items");
        items.retain(|item| item["kind"] != "CronJob");
        let uses = parse(&value).expect("parses");
        let reporter = uses
            .iter()
            .find(|u| u.reference == "reporter:2")
            .expect("reporter");
        assert_eq!(reporter.placements, [place("batch", "report", "CronJob")]);

        // Two ReplicaSets owning each other: cut, no hang.
        let looped = serde_json::json!({ "kind": "List", "items": [
            pod("ns", "p", serde_json::json!({}), owner("ReplicaSet", "a"), "Running",
                serde_json::json!([{ "name": "c", "image": "i:1" }]), Value::Null),
            controller("ReplicaSet", "ns", "a", owner("ReplicaSet", "b")),
            controller("ReplicaSet", "ns", "b", owner("ReplicaSet", "a")),
        ]});
        let uses = parse(&looped).expect("parses");
        assert_eq!(uses[0].placements.len(), 1);
        assert_eq!(uses[0].placements[0].application_kind, "ReplicaSet");
    }

    #[test]
    fn a_static_pod_is_its_own_application() {
        let value = serde_json::json!({ "kind": "List", "items": [
            pod("kube-system", "kube-apiserver-node-1", serde_json::json!({}),
                serde_json::json!([{ "apiVersion": "v1", "kind": "Node", "name": "node-1", "controller": true }]),
                "Running",
                serde_json::json!([{ "name": "kube-apiserver", "image": "registry.k8s.io/kube-apiserver:v1.31.0" }]),
                Value::Null),
        ]});
        let uses = parse(&value).expect("parses");
        assert_eq!(
            uses[0].placements,
            [place("kube-system", "kube-apiserver-node-1", "Pod")]
        );
    }

    fn error_of(bytes: &[u8]) -> String {
        match images_from_snapshot(bytes, CLUSTER) {
            Err(VmError::Invalid(message)) => message,
            other => panic!("expected an Invalid error, got {other:?}"),
        }
    }

    #[test]
    fn odd_input_is_an_error_naming_the_problem() {
        assert!(error_of(b"not json").contains("not JSON"));
        assert!(error_of(b"").contains("not JSON"));
        assert!(error_of(b"[1, 2]").contains("not a JSON object"));
        assert!(error_of(br#"{"kind": "List", "items": {}}"#).contains("not an array"));
        assert!(error_of(br#"{"kind": "Deployment"}"#).contains("no `items`"));
        assert!(
            error_of(br#"{"kind": "List", "items": [3]}"#).contains("items[0] is not an object")
        );
        assert!(
            error_of(br#"{"kind": "List", "items": [{"metadata": {}}]}"#)
                .contains("items[0] has no kind")
        );
        let no_spec = br#"{"kind": "List", "items": [{"kind": "Namespace"},
            {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}}]}"#;
        let message = error_of(no_spec);
        assert!(
            message.contains("items[1]") && message.contains("ns/p") && message.contains("no spec"),
            "{message}"
        );
        let no_name = br#"{"kind": "Pod", "metadata": {}, "spec": {"containers": []}}"#;
        assert!(error_of(no_name).contains("metadata.name"));
        let bad_containers =
            br#"{"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": "x"}}"#;
        assert!(error_of(bad_containers).contains("spec.containers is not an array"));
        let no_image = br#"{"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}}"#;
        assert!(error_of(no_image).contains("spec.containers[0] has no image"));
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(error_of(deep.as_bytes()).contains("not JSON"));
    }

    #[test]
    fn odd_but_harmless_shapes_are_read() {
        // Statuses and owners of the wrong shape are ignored, not fatal.
        let value = serde_json::json!({ "kind": "List", "items": [{
            "kind": "Pod",
            "metadata": { "name": "p", "ownerReferences": "x", "labels": 5 },
            "spec": { "containers": [{ "name": "c", "image": " app:1 " }], "initContainers": null },
            "status": { "containerStatuses": { "c": 1 } }
        }]});
        let uses = parse(&value).expect("parses");
        assert_eq!(
            uses,
            [ImageUse {
                reference: "app:1".into(),
                placements: vec![place("default", "p", "Pod")],
            }]
        );
    }

    #[test]
    fn digests_come_from_the_runtime_only_when_it_reports_one() {
        let statuses = serde_json::json!([
            { "name": "a", "imageID": "docker-pullable://nginx@sha256:abc" },
            { "name": "b", "imageID": "sha256:abc" },
            { "name": "c", "imageID": "docker://sha256:abc" },
            { "name": "d", "imageID": "@sha256:abc" },
        ]);
        assert_eq!(
            running_digest(&statuses, "a").as_deref(),
            Some("nginx@sha256:abc")
        );
        assert_eq!(running_digest(&statuses, "b"), None);
        assert_eq!(running_digest(&statuses, "c"), None);
        assert_eq!(running_digest(&statuses, "d"), None);
        assert_eq!(running_digest(&statuses, "e"), None);
    }

    #[test]
    fn error_chains_name_each_cause_once() {
        let inner = std::io::Error::new(std::io::ErrorKind::NotFound, "no such blob");
        let outer = VmError::Io {
            path: "/x".into(),
            source: inner,
        };
        assert_eq!(error_chain(&outer), "/x: no such blob");
        assert_eq!(prefixed("a:1", "a:1: gone"), "a:1: gone");
        assert_eq!(prefixed("a:1", "gone"), "a:1: gone");
    }
}
