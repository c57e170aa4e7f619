//! Writing uploads into the inventory. Each upload is one transaction: a
//! process killed half-way leaves the database as it was before the
//! upload began (the kill -9 test in `tests/vm_ingest.rs`).
//!
//! Rows are written in multi-row statements (`INSERT ... VALUES (..),(..)`)
//! so that an image with a thousand packages costs a handful of round
//! trips, not thousands.

use std::collections::{HashMap, HashSet};

// Dynamic SQL here is only constants and numbered placeholders; values are
// always bound, never formatted in.
use sqlx::{Any, AnyConnection, AssertSqlSafe, Row, Transaction};

use crate::vm::upload::{
    FIX_STATES, ImageScanUpload, MisconfigurationUpload, Placement, UPLOAD_SCHEMA_VERSION,
};
use crate::vm::{Db, VmError, now, severity_rank};

/// Rows per multi-row statement: under SQLite's and PostgreSQL's limits
/// on bound values with the widest row (12 values).
const CHUNK: usize = 400;

/// The most findings one upload may carry.
pub const MAX_FINDINGS: usize = 500_000;

/// What an ingest changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IngestSummary {
    /// The scan's ID.
    pub scan_id: i64,
    /// The image's ID (0 for misconfigurations).
    pub image_id: i64,
    /// Findings seen for the first time (or again after being resolved).
    pub new_findings: i64,
    /// Findings open before and missing now.
    pub resolved_findings: i64,
    /// Open findings after the upload.
    pub open_findings: i64,
}

/// The change in open findings per severity (index = stored rank).
type SeverityDelta = [i64; 5];

/// Refuses an upload document of another schema version.
fn check_schema_version(version: u32) -> Result<(), VmError> {
    if version == UPLOAD_SCHEMA_VERSION {
        return Ok(());
    }
    Err(VmError::Invalid(format!(
        "schema_version {version} is not supported (this server reads {UPLOAD_SCHEMA_VERSION})"
    )))
}

/// Checks an upload before anything is written.
pub fn validate(upload: &ImageScanUpload) -> Result<(), VmError> {
    check_schema_version(upload.schema_version)?;
    if upload.image.digest.trim().is_empty() {
        return Err(VmError::Invalid("image.digest is empty".into()));
    }
    if upload.findings.len() > MAX_FINDINGS {
        return Err(VmError::Invalid(format!(
            "{} findings in one upload; the limit is {MAX_FINDINGS}",
            upload.findings.len()
        )));
    }
    let purls: HashSet<&str> = upload.packages.iter().map(|p| p.purl.as_str()).collect();
    for (index, package) in upload.packages.iter().enumerate() {
        if package.purl.is_empty() {
            return Err(VmError::Invalid(format!("packages[{index}].purl is empty")));
        }
    }
    for (index, finding) in upload.findings.iter().enumerate() {
        if finding.vulnerability_id.trim().is_empty() {
            return Err(VmError::Invalid(format!(
                "findings[{index}].vulnerability_id is empty"
            )));
        }
        if !purls.contains(finding.purl.as_str()) {
            return Err(VmError::Invalid(format!(
                "findings[{index}].purl {:?} is not among the packages",
                finding.purl
            )));
        }
        if severity_rank(&finding.severity).is_none() {
            return Err(VmError::Invalid(format!(
                "findings[{index}].severity {:?} is not CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN",
                finding.severity
            )));
        }
        if !FIX_STATES.contains(&finding.status.as_str()) {
            return Err(VmError::Invalid(format!(
                "findings[{index}].status {:?} is not one of {}",
                finding.status,
                FIX_STATES.join(", ")
            )));
        }
    }
    for (index, placement) in upload.placements.iter().enumerate() {
        if placement.application.is_empty() && !placement.namespace.is_empty() {
            return Err(VmError::Invalid(format!(
                "placements[{index}]: a namespace without an application"
            )));
        }
    }
    Ok(())
}

/// `$1, $2, ...` groups for `rows` rows of `width` values, starting after
/// `offset` values already bound.
fn placeholders(rows: usize, width: usize, offset: usize) -> String {
    let mut sql = String::with_capacity(rows * width * 5);
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push('(');
        for column in 0..width {
            if column > 0 {
                sql.push(',');
            }
            sql.push('$');
            sql.push_str(&(offset + row * width + column + 1).to_string());
        }
        sql.push(')');
    }
    sql
}

impl Db {
    /// Writes one image scan as a scan of its own (`kind = upload`).
    pub async fn ingest_image_scan(
        &self,
        upload: &ImageScanUpload,
        kind: &str,
    ) -> Result<IngestSummary, VmError> {
        validate(upload)?;
        let time = now();
        let cluster = upload
            .placements
            .first()
            .map(|p| p.cluster.clone())
            .unwrap_or_default();
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin().await?;
        let scan_id: i64 = sqlx::query(
            "INSERT INTO scans (kind, status, cluster, started_at, finished_at, images_total, \
             images_done) VALUES ($1, 'completed', $2, $3, $3, 1, 1) RETURNING id",
        )
        .bind(kind)
        .bind(&cluster)
        .bind(time)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        let summary = ingest_image(&mut tx, upload, scan_id, time).await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// Writes one image of a running scan (the server's own cluster scans):
    /// its findings' changes are added to the scan's row; the caller counts
    /// the image as done (`record_runtime_image_success`).
    pub async fn ingest_into_scan(
        &self,
        scan_id: i64,
        upload: &ImageScanUpload,
    ) -> Result<IngestSummary, VmError> {
        validate(upload)?;
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin().await?;
        let summary = ingest_image(&mut tx, upload, scan_id, now()).await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// Writes misconfigurations; those of the same cluster and source
    /// missing from this upload are resolved.
    pub async fn ingest_misconfigurations(
        &self,
        upload: &MisconfigurationUpload,
    ) -> Result<IngestSummary, VmError> {
        check_schema_version(upload.schema_version)?;
        let mut ranks = Vec::with_capacity(upload.findings.len());
        for (index, finding) in upload.findings.iter().enumerate() {
            ranks.push(severity_rank(&finding.severity).ok_or_else(|| {
                VmError::Invalid(format!(
                    "findings[{index}].severity {:?} is not a severity",
                    finding.severity
                ))
            })?);
        }
        let time = now();
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin().await?;
        let scan_id: i64 = sqlx::query(
            "INSERT INTO scans (kind, status, cluster, started_at, finished_at) \
             VALUES ('misconfiguration', 'completed', $1, $2, $2) RETURNING id",
        )
        .bind(&upload.cluster)
        .bind(time)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        let cluster_id = upsert_cluster(&mut tx, &upload.cluster).await?;
        let mut new_findings = 0;
        let rows: Vec<(usize, &crate::vm::upload::UploadMisconfiguration)> =
            upload.findings.iter().enumerate().collect();
        for chunk in rows.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO misconfigurations (cluster_id, namespace, resource, check_id, \
                 severity, title, message, source, first_seen, last_seen, last_scan_id) VALUES {} \
                 ON CONFLICT (cluster_id, namespace, resource, check_id, source) DO UPDATE SET \
                 severity = excluded.severity, title = excluded.title, message = excluded.message, \
                 last_seen = excluded.last_seen, last_scan_id = excluded.last_scan_id, \
                 resolved_at = NULL RETURNING first_seen",
                placeholders(chunk.len(), 11, 0)
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (index, finding) in chunk {
                query = query
                    .bind(cluster_id)
                    .bind(&finding.namespace)
                    .bind(&finding.resource)
                    .bind(&finding.check_id)
                    .bind(ranks[*index])
                    .bind(&finding.title)
                    .bind(&finding.message)
                    .bind(&upload.source)
                    .bind(time)
                    .bind(time)
                    .bind(scan_id);
            }
            for row in query.fetch_all(&mut *tx).await? {
                if row.try_get::<i64, _>(0)? == time {
                    new_findings += 1;
                }
            }
        }
        let resolved = sqlx::query(
            "UPDATE misconfigurations SET resolved_at = $1 WHERE cluster_id = $2 AND source = $3 \
             AND resolved_at IS NULL AND last_scan_id <> $4",
        )
        .bind(time)
        .bind(cluster_id)
        .bind(&upload.source)
        .bind(scan_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let resolved = i64::try_from(resolved).unwrap_or(i64::MAX);
        sqlx::query("UPDATE scans SET new_findings = $1, resolved_findings = $2 WHERE id = $3")
            .bind(new_findings)
            .bind(resolved)
            .bind(scan_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(IngestSummary {
            scan_id,
            image_id: 0,
            new_findings,
            resolved_findings: resolved,
            open_findings: i64::try_from(upload.findings.len()).unwrap_or(i64::MAX),
        })
    }
}

async fn upsert_cluster(tx: &mut Transaction<'_, Any>, name: &str) -> Result<i64, VmError> {
    Ok(sqlx::query(
        "INSERT INTO clusters (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = excluded.name \
         RETURNING id",
    )
    .bind(name)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?)
}

async fn place(
    tx: &mut Transaction<'_, Any>,
    placement: &Placement,
    image_id: i64,
    time: i64,
) -> Result<(), VmError> {
    let cluster_id = upsert_cluster(tx, &placement.cluster).await?;
    let namespace_id: i64 = sqlx::query(
        "INSERT INTO namespaces (cluster_id, name) VALUES ($1, $2) ON CONFLICT (cluster_id, name) \
         DO UPDATE SET name = excluded.name RETURNING id",
    )
    .bind(cluster_id)
    .bind(&placement.namespace)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    let kind = if placement.application_kind.is_empty() {
        "application"
    } else {
        placement.application_kind.as_str()
    };
    let application_id: i64 = sqlx::query(
        "INSERT INTO applications (namespace_id, name, kind, last_seen) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (namespace_id, name) DO UPDATE SET kind = excluded.kind, \
         last_seen = excluded.last_seen RETURNING id",
    )
    .bind(namespace_id)
    .bind(&placement.application)
    .bind(kind)
    .bind(time)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    sqlx::query(
        "INSERT INTO application_images (application_id, image_id, last_seen) VALUES ($1, $2, $3) \
         ON CONFLICT (application_id, image_id) DO UPDATE SET last_seen = excluded.last_seen",
    )
    .bind(application_id)
    .bind(image_id)
    .bind(time)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn ingest_image(
    tx: &mut Transaction<'_, Any>,
    upload: &ImageScanUpload,
    scan_id: i64,
    time: i64,
) -> Result<IngestSummary, VmError> {
    let image_id: i64 = sqlx::query(
        "INSERT INTO images (digest, name, os, platform, package_count, first_seen, last_scanned) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (digest) DO UPDATE SET \
         name = excluded.name, os = excluded.os, platform = excluded.platform, \
         package_count = excluded.package_count, last_scanned = excluded.last_scanned RETURNING id",
    )
    .bind(&upload.image.digest)
    .bind(&upload.image.name)
    .bind(&upload.image.os)
    .bind(&upload.image.platform)
    .bind(i64::try_from(upload.packages.len()).unwrap_or(i64::MAX))
    .bind(time)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    for placement in upload
        .placements
        .iter()
        .filter(|p| !p.application.is_empty())
    {
        place(tx, placement, image_id, time).await?;
    }

    let package_ids = upsert_packages(tx, upload).await?;
    // The image's package set changes only when the image is rebuilt
    // (a new digest), so a re-scan usually writes nothing here.
    let current: HashSet<i64> =
        sqlx::query("SELECT package_id FROM image_packages WHERE image_id = $1")
            .bind(image_id)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()?;
    let wanted: HashSet<i64> = package_ids.values().copied().collect();
    let mut added: Vec<i64> = wanted.difference(&current).copied().collect();
    added.sort_unstable();
    for removed in current.difference(&wanted) {
        sqlx::query("DELETE FROM image_packages WHERE image_id = $1 AND package_id = $2")
            .bind(image_id)
            .bind(*removed)
            .execute(&mut **tx)
            .await?;
    }
    for chunk in added.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO image_packages (image_id, package_id) VALUES {}",
            placeholders(chunk.len(), 2, 0)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(image_id).bind(*id);
        }
        query.execute(&mut **tx).await?;
    }

    let vulnerability_ids = upsert_vulnerabilities(tx, upload, time).await?;

    // What was open before, to count what this scan changed. Only
    // `image_id` is constrained, so that the per-image index is the one
    // used whatever the planner thinks of the open-findings indexes.
    let mut before: HashMap<(i64, i64), (i64, i64)> = HashMap::new();
    for row in sqlx::query(
        "SELECT id, package_id, vulnerability_id, severity, resolved_at FROM findings \
         WHERE image_id = $1",
    )
    .bind(image_id)
    .fetch_all(&mut **tx)
    .await?
    {
        if row.try_get::<Option<i64>, _>(4)?.is_none() {
            before.insert(
                (row.try_get(1)?, row.try_get(2)?),
                (row.try_get(0)?, row.try_get(3)?),
            );
        }
    }
    let mut delta: SeverityDelta = [0; 5];
    for (_, severity) in before.values() {
        if let Some(slot) = usize::try_from(*severity)
            .ok()
            .and_then(|i| delta.get_mut(i))
        {
            *slot -= 1;
        }
    }
    // One row per (package, vulnerability): a package's advisory may
    // arrive twice from two sources; the first wins.
    let mut seen = HashSet::new();
    let mut rows = Vec::with_capacity(upload.findings.len());
    for finding in &upload.findings {
        let (Some(&package_id), Some(&vulnerability_id)) = (
            package_ids.get(finding.purl.as_str()),
            vulnerability_ids.get(finding.vulnerability_id.as_str()),
        ) else {
            return Err(VmError::Invalid(format!(
                "{} in {}: its package or vulnerability could not be stored",
                finding.vulnerability_id, finding.purl
            )));
        };
        if seen.insert((package_id, vulnerability_id)) {
            let severity = severity_rank(&finding.severity).unwrap_or(0);
            rows.push((package_id, vulnerability_id, severity, finding));
        }
    }
    let mut new_findings = 0;
    for (_, _, severity, _) in &rows {
        if let Some(slot) = usize::try_from(*severity)
            .ok()
            .and_then(|i| delta.get_mut(i))
        {
            *slot += 1;
        }
    }
    for (package_id, vulnerability_id, _, _) in &rows {
        if !before.contains_key(&(*package_id, *vulnerability_id)) {
            new_findings += 1;
        }
    }
    for chunk in rows.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO findings (image_id, package_id, vulnerability_id, installed_version, \
             fixed_version, fix_state, severity, first_seen, last_seen, last_scan_id) VALUES {} \
             ON CONFLICT (image_id, package_id, vulnerability_id) DO UPDATE SET \
             installed_version = excluded.installed_version, fixed_version = excluded.fixed_version, \
             fix_state = excluded.fix_state, severity = excluded.severity, \
             last_seen = excluded.last_seen, last_scan_id = excluded.last_scan_id, \
             resolved_at = NULL",
            placeholders(chunk.len(), 10, 0)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (package_id, vulnerability_id, severity, finding) in chunk {
            query = query
                .bind(image_id)
                .bind(*package_id)
                .bind(*vulnerability_id)
                .bind(&finding.installed_version)
                .bind(&finding.fixed_version)
                .bind(&finding.status)
                .bind(*severity)
                .bind(time)
                .bind(time)
                .bind(scan_id);
        }
        query.execute(&mut **tx).await?;
    }
    let present: HashSet<(i64, i64)> = rows.iter().map(|(p, v, _, _)| (*p, *v)).collect();
    let mut gone: Vec<i64> = before
        .iter()
        .filter(|(key, _)| !present.contains(key))
        .map(|(_, (id, _))| *id)
        .collect();
    gone.sort_unstable();
    for chunk in gone.chunks(CHUNK) {
        let mut sql = String::from("UPDATE findings SET resolved_at = $1 WHERE id IN ");
        sql.push_str(&placeholders(1, chunk.len(), 1));
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(time);
        for id in chunk {
            query = query.bind(*id);
        }
        query.execute(&mut **tx).await?;
    }
    let resolved = i64::try_from(gone.len()).unwrap_or(i64::MAX);
    refresh_image_counts(tx, image_id).await?;

    sqlx::query(
        "UPDATE scans SET new_findings = new_findings + $1, resolved_findings = resolved_findings + $2, \
         delta_unknown = delta_unknown + $3, delta_low = delta_low + $4, \
         delta_medium = delta_medium + $5, delta_high = delta_high + $6, \
         delta_critical = delta_critical + $7 WHERE id = $8",
    )
    .bind(new_findings)
    .bind(resolved)
    .bind(delta[0])
    .bind(delta[1])
    .bind(delta[2])
    .bind(delta[3])
    .bind(delta[4])
    .bind(scan_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO scan_images (scan_id, reference, image_id, status) VALUES ($1, $2, $3, 'completed')",
    )
    .bind(scan_id)
    .bind(&upload.image.name)
    .bind(image_id)
    .execute(&mut **tx)
    .await?;
    Ok(IngestSummary {
        scan_id,
        image_id,
        new_findings,
        resolved_findings: resolved,
        open_findings: i64::try_from(rows.len()).unwrap_or(i64::MAX),
    })
}

/// The IDs of rows whose key column holds one of `keys`.
async fn ids_by_key(
    tx: &mut Transaction<'_, Any>,
    table_and_key: (&str, &str),
    keys: &[&str],
) -> Result<HashMap<String, i64>, VmError> {
    let (table, key) = table_and_key;
    let mut ids = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(CHUNK) {
        let mut sql = format!("SELECT id, {key} FROM {table} WHERE {key} IN ");
        sql.push_str(&placeholders(1, chunk.len(), 0));
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for key in chunk {
            query = query.bind(*key);
        }
        for row in query.fetch_all(&mut **tx).await? {
            ids.insert(row.try_get::<String, _>(1)?, row.try_get::<i64, _>(0)?);
        }
    }
    Ok(ids)
}

async fn upsert_packages<'u>(
    tx: &mut Transaction<'_, Any>,
    upload: &'u ImageScanUpload,
) -> Result<HashMap<&'u str, i64>, VmError> {
    let mut by_purl: HashMap<&str, &crate::vm::upload::UploadPackage> = HashMap::new();
    for package in &upload.packages {
        by_purl.entry(package.purl.as_str()).or_insert(package);
    }
    // Packages are immutable by purl: only the new ones are written.
    let mut purls: Vec<&str> = by_purl.keys().copied().collect();
    purls.sort_unstable();
    let mut known = ids_by_key(tx, ("packages", "purl"), &purls).await?;
    let missing: Vec<&crate::vm::upload::UploadPackage> = purls
        .iter()
        .filter(|p| !known.contains_key(**p))
        .map(|p| by_purl[p])
        .collect();
    for chunk in missing.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO packages (purl, name, version, type, licenses) VALUES {} \
             ON CONFLICT (purl) DO NOTHING",
            placeholders(chunk.len(), 5, 0)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for package in chunk {
            query = query
                .bind(&package.purl)
                .bind(&package.name)
                .bind(&package.version)
                .bind(&package.ptype)
                .bind(package.licenses.join(" AND "));
        }
        query.execute(&mut **tx).await?;
    }
    if !missing.is_empty() {
        let new: Vec<&str> = missing.iter().map(|p| p.purl.as_str()).collect();
        known.extend(ids_by_key(tx, ("packages", "purl"), &new).await?);
    }
    Ok(purls
        .into_iter()
        .filter_map(|p| known.get(p).map(|id| (p, *id)))
        .collect())
}

/// A digest of what kensa keeps of a vulnerability, to rewrite its row
/// only when the advisory changed.
fn vulnerability_checksum(finding: &crate::vm::upload::UploadFinding, rank: i64) -> String {
    let text = serde_json::json!([
        rank,
        finding.title,
        finding.description,
        finding.references,
        finding.primary_url,
        finding.aliases,
        finding.cvss_score
    ])
    .to_string();
    let hash = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    hash.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn upsert_vulnerabilities<'u>(
    tx: &mut Transaction<'_, Any>,
    upload: &'u ImageScanUpload,
    time: i64,
) -> Result<HashMap<&'u str, i64>, VmError> {
    // A vulnerability's own severity: the highest any package gives it.
    let mut by_id: HashMap<&str, (&crate::vm::upload::UploadFinding, i64)> = HashMap::new();
    for finding in &upload.findings {
        let rank = severity_rank(&finding.severity).unwrap_or(0);
        let entry = by_id
            .entry(finding.vulnerability_id.as_str())
            .or_insert((finding, rank));
        if rank > entry.1 {
            *entry = (finding, rank);
        }
    }
    let mut names: Vec<&str> = by_id.keys().copied().collect();
    names.sort_unstable();
    let mut known: HashMap<String, (i64, String)> = HashMap::with_capacity(names.len());
    for chunk in names.chunks(CHUNK) {
        let mut sql = String::from("SELECT id, name, checksum FROM vulnerabilities WHERE name IN ");
        sql.push_str(&placeholders(1, chunk.len(), 0));
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for name in chunk {
            query = query.bind(*name);
        }
        for row in query.fetch_all(&mut **tx).await? {
            known.insert(row.try_get(1)?, (row.try_get(0)?, row.try_get(2)?));
        }
    }
    let mut missing = Vec::new();
    for name in &names {
        let (finding, rank) = by_id[name];
        let checksum = vulnerability_checksum(finding, rank);
        match known.get(*name) {
            None => missing.push((*name, finding, rank, checksum)),
            Some((id, old)) if *old != checksum => {
                sqlx::query(
                    "UPDATE vulnerabilities SET severity = $1, title = $2, description = $3, \
                     refs = $4, primary_url = $5, aliases = $6, cvss_score = $7, checksum = $8, \
                     updated_at = $9 WHERE id = $10",
                )
                .bind(rank)
                .bind(&finding.title)
                .bind(&finding.description)
                .bind(serde_json::to_string(&finding.references).unwrap_or_default())
                .bind(finding.primary_url.clone().unwrap_or_default())
                .bind(finding.aliases.join(" "))
                .bind(finding.cvss_score)
                .bind(&checksum)
                .bind(time)
                .bind(*id)
                .execute(&mut **tx)
                .await?;
            }
            Some(_) => {}
        }
    }
    for chunk in missing.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO vulnerabilities (name, severity, title, description, refs, primary_url, \
             aliases, cvss_score, checksum, updated_at) VALUES {} ON CONFLICT (name) DO NOTHING",
            placeholders(chunk.len(), 10, 0)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (name, finding, rank, checksum) in chunk {
            query = query
                .bind(*name)
                .bind(*rank)
                .bind(&finding.title)
                .bind(&finding.description)
                .bind(serde_json::to_string(&finding.references).unwrap_or_default())
                .bind(finding.primary_url.clone().unwrap_or_default())
                .bind(finding.aliases.join(" "))
                .bind(finding.cvss_score)
                .bind(checksum.as_str())
                .bind(time);
        }
        query.execute(&mut **tx).await?;
    }
    let mut ids: HashMap<String, i64> = known.into_iter().map(|(k, (id, _))| (k, id)).collect();
    if !missing.is_empty() {
        let new: Vec<&str> = missing.iter().map(|m| m.0).collect();
        ids.extend(ids_by_key(tx, ("vulnerabilities", "name"), &new).await?);
    }
    Ok(names
        .into_iter()
        .filter_map(|n| ids.get(n).map(|id| (n, *id)))
        .collect())
}

/// Recomputes an image's open, undecided finding counts (what lists sort
/// and the dashboard sums).
pub(crate) async fn refresh_image_counts(
    conn: &mut AnyConnection,
    image_id: i64,
) -> Result<(), VmError> {
    // Filtered here rather than in SQL, for the reason given at `before`.
    let rows = sqlx::query(
        "SELECT severity, fixed_version, resolved_at, decision FROM findings WHERE image_id = $1",
    )
    .bind(image_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut counts = [0i64; 5];
    let mut fixable = [0i64; 5];
    for row in rows {
        let open = row.try_get::<Option<i64>, _>(2)?.is_none()
            && row.try_get::<Option<String>, _>(3)?.is_none();
        let severity: i64 = row.try_get(0)?;
        if let Some(index) = usize::try_from(severity).ok().filter(|i| *i < 5)
            && open
        {
            counts[index] += 1;
            if !row.try_get::<String, _>(1)?.is_empty() {
                fixable[index] += 1;
            }
        }
    }
    sqlx::query(
        "UPDATE images SET unknown = $1, low = $2, medium = $3, high = $4, critical = $5, \
         fixable = $6, fixable_unknown = $7, fixable_low = $8, fixable_medium = $9, \
         fixable_high = $10, fixable_critical = $11, risk = $12 WHERE id = $13",
    )
    .bind(counts[0])
    .bind(counts[1])
    .bind(counts[2])
    .bind(counts[3])
    .bind(counts[4])
    .bind(fixable.iter().sum::<i64>())
    .bind(fixable[0])
    .bind(fixable[1])
    .bind(fixable[2])
    .bind(fixable[3])
    .bind(fixable[4])
    .bind(risk(&counts))
    .bind(image_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One number that orders images by their worst findings first: a
/// critical outweighs any number of highs below a thousand, and so on.
pub fn risk(counts: &[i64; 5]) -> i64 {
    counts[4] * 1_000_000_000 + counts[3] * 1_000_000 + counts[2] * 1_000 + counts[1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_every_value() {
        assert_eq!(placeholders(2, 3, 0), "($1,$2,$3),($4,$5,$6)");
        assert_eq!(placeholders(1, 2, 4), "($5,$6)");
    }

    #[test]
    fn risk_orders_by_the_worst_severity_first() {
        assert!(risk(&[0, 0, 0, 0, 1]) > risk(&[0, 999, 999, 999, 0]));
        assert!(risk(&[0, 0, 0, 2, 0]) > risk(&[0, 0, 900, 1, 0]));
    }
}
