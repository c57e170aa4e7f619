//! Accepting or ignoring a finding, with a justification and an optional
//! expiry, and the OpenVEX document of the decisions in force.
//!
//! - `accepted`: the risk is known and carried (OpenVEX `affected`, with
//!   the justification as the action statement);
//! - `ignored`: the finding does not apply (OpenVEX `not_affected`, with
//!   the justification as the impact statement), which `kensa image scan
//!   --vex` then suppresses.
//!
//! A decided finding leaves the open counts until its decision expires;
//! decisions stay in the table after expiry, as the record of who decided
//! what.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use crate::vm::ingest::refresh_image_counts;
use crate::vm::{Db, VmError, now};

/// The kinds of decision.
pub const KINDS: &[&str] = &["accepted", "ignored"];

/// A decision as posted.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct DecisionRequest {
    /// `accepted` or `ignored`.
    pub kind: String,
    /// Why (required).
    pub justification: String,
    /// When it stops applying (Unix seconds); none for never.
    #[serde(default)]
    pub expires_at: Option<i64>,
}

/// Longest justification kept.
const MAX_JUSTIFICATION: usize = 4000;

impl Db {
    /// Records a decision on a finding (replacing an earlier one).
    pub async fn decide(
        &self,
        finding_id: i64,
        request: &DecisionRequest,
        author: &str,
    ) -> Result<(), VmError> {
        if !KINDS.contains(&request.kind.as_str()) {
            return Err(VmError::Invalid(format!(
                "kind={:?}: use accepted or ignored",
                request.kind
            )));
        }
        let justification = request.justification.trim();
        if justification.is_empty() {
            return Err(VmError::Invalid("a justification is required".into()));
        }
        if justification.chars().count() > MAX_JUSTIFICATION {
            return Err(VmError::Invalid(format!(
                "the justification is longer than {MAX_JUSTIFICATION} characters"
            )));
        }
        let time = now();
        if request.expires_at.is_some_and(|at| at <= time) {
            return Err(VmError::Invalid("the expiry is in the past".into()));
        }
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin().await?;
        let image_id = image_of(&mut tx, finding_id).await?;
        sqlx::query(
            "INSERT INTO decisions (finding_id, kind, justification, expires_at, created_at, author) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (finding_id) DO UPDATE SET \
             kind = excluded.kind, justification = excluded.justification, \
             expires_at = excluded.expires_at, created_at = excluded.created_at, \
             author = excluded.author",
        )
        .bind(finding_id)
        .bind(&request.kind)
        .bind(justification)
        .bind(request.expires_at)
        .bind(time)
        .bind(author)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE findings SET decision = $1 WHERE id = $2")
            .bind(&request.kind)
            .bind(finding_id)
            .execute(&mut *tx)
            .await?;
        refresh_image_counts(&mut tx, image_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Withdraws a finding's decision.
    pub async fn undecide(&self, finding_id: i64) -> Result<(), VmError> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin().await?;
        let image_id = image_of(&mut tx, finding_id).await?;
        sqlx::query("DELETE FROM decisions WHERE finding_id = $1")
            .bind(finding_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE findings SET decision = NULL WHERE id = $1")
            .bind(finding_id)
            .execute(&mut *tx)
            .await?;
        refresh_image_counts(&mut tx, image_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reopens the findings whose decisions have expired; returns how many.
    pub async fn expire_decisions(&self) -> Result<u64, VmError> {
        let time = now();
        let _turn = self.write_turn().await;
        let mut tx = self.pool().begin().await?;
        let images: Vec<i64> = sqlx::query(
            "SELECT DISTINCT f.image_id FROM findings f JOIN decisions d ON d.finding_id = f.id \
             WHERE f.decision IS NOT NULL AND d.expires_at IS NOT NULL AND d.expires_at <= $1",
        )
        .bind(time)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
        let reopened = sqlx::query(
            "UPDATE findings SET decision = NULL WHERE decision IS NOT NULL AND id IN \
             (SELECT finding_id FROM decisions WHERE expires_at IS NOT NULL AND expires_at <= $1)",
        )
        .bind(time)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        for image_id in images {
            refresh_image_counts(&mut tx, image_id).await?;
        }
        tx.commit().await?;
        Ok(reopened)
    }

    /// The decisions in force as an OpenVEX v0.2.0 document: one statement
    /// per decided finding, the image (`pkg:oci/...@digest`) as the
    /// product and the package as its subcomponent.
    pub async fn openvex(&self, base_url: &str) -> Result<serde_json::Value, VmError> {
        let time = now();
        let rows = sqlx::query(
            "SELECT v.name, d.kind, d.justification, d.expires_at, d.created_at, d.author, \
             i.name, i.digest, p.purl FROM decisions d JOIN findings f ON f.id = d.finding_id \
             JOIN vulnerabilities v ON v.id = f.vulnerability_id \
             JOIN images i ON i.id = f.image_id JOIN packages p ON p.id = f.package_id \
             WHERE f.decision IS NOT NULL AND (d.expires_at IS NULL OR d.expires_at > $1) \
             ORDER BY v.name, i.digest, p.purl",
        )
        .bind(time)
        .fetch_all(self.pool())
        .await?;
        let mut statements = Vec::with_capacity(rows.len());
        let mut latest = 0i64;
        for row in &rows {
            let vulnerability: String = row.try_get(0)?;
            let kind: String = row.try_get(1)?;
            let justification: String = row.try_get(2)?;
            let expires_at: Option<i64> = row.try_get(3)?;
            let created_at: i64 = row.try_get(4)?;
            let author: String = row.try_get(5)?;
            let image_name: String = row.try_get(6)?;
            let digest: String = row.try_get(7)?;
            let purl: String = row.try_get(8)?;
            latest = latest.max(created_at);
            let expiry = expires_at
                .map(|at| format!(" (until {})", rfc3339(at)))
                .unwrap_or_default();
            let mut statement = json!({
                "vulnerability": {"name": vulnerability},
                "timestamp": rfc3339(created_at),
                "products": [{
                    "@id": oci_purl(&image_name, &digest),
                    "subcomponents": [{"@id": purl}],
                }],
                "supplier": author,
            });
            if let Some(object) = statement.as_object_mut() {
                if kind == "ignored" {
                    object.insert("status".into(), json!("not_affected"));
                    object.insert(
                        "impact_statement".into(),
                        json!(format!("{justification}{expiry}")),
                    );
                } else {
                    object.insert("status".into(), json!("affected"));
                    object.insert(
                        "action_statement".into(),
                        json!(format!("Risk accepted: {justification}{expiry}")),
                    );
                }
            }
            statements.push(statement);
        }
        let issued = if latest > 0 { latest } else { time };
        Ok(json!({
            "@context": "https://openvex.dev/ns/v0.2.0",
            "@id": format!("{}/api/v1/vex#{}", base_url.trim_end_matches('/'), issued),
            "author": "kensa serve",
            "timestamp": rfc3339(issued),
            "version": 1,
            "statements": statements,
        }))
    }
}

/// The image a finding belongs to; NotFound when there is no such finding.
async fn image_of(conn: &mut sqlx::AnyConnection, finding_id: i64) -> Result<i64, VmError> {
    sqlx::query("SELECT image_id FROM findings WHERE id = $1")
        .bind(finding_id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| row.try_get(0))
        .transpose()?
        .ok_or_else(|| VmError::NotFound(format!("finding {finding_id}")))
}

/// `pkg:oci/NAME@DIGEST?repository_url=...` for an image reference.
fn oci_purl(reference: &str, digest: &str) -> String {
    let without_digest = reference.split('@').next().unwrap_or(reference);
    // The tag is the part after the last ':' that is not inside the host.
    let (repository, _) = match without_digest.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, Some(tag)),
        _ => (without_digest, None),
    };
    let name = repository.rsplit('/').next().unwrap_or(repository);
    let encoded_digest = digest.replace(':', "%3A");
    if repository.contains('/') {
        format!(
            "pkg:oci/{name}@{encoded_digest}?repository_url={}",
            crate::vm::query::percent_encode(repository)
        )
    } else {
        format!("pkg:oci/{name}@{encoded_digest}")
    }
}

/// Unix seconds as RFC 3339 UTC (days-from-civil, no calendar crate).
pub fn rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `YYYY-MM-DD` (what an HTML date input sends) as the Unix second at the
/// end of that day, UTC.
pub fn parse_date_end_of_day(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || !(1970..=9999).contains(&year) {
        return None;
    }
    // days-from-civil, the inverse of the above.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let (ry, rm, rd) = civil_from_days(days);
    // 2026-02-31 must not become 3 March.
    if (ry, rm, rd) != (year, month, day) {
        return None;
    }
    Some(days * 86_400 + 86_399)
}

/// The date part of [`rfc3339`].
pub fn date(seconds: i64) -> String {
    rfc3339(seconds).chars().take(10).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_convert_both_ways() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(parse_date_end_of_day("2024-02-29"), Some(1_709_251_199));
        assert_eq!(parse_date_end_of_day("2026-02-31"), None);
        assert_eq!(parse_date_end_of_day("tomorrow"), None);
        assert_eq!(date(1_709_251_199), "2024-02-29");
    }

    #[test]
    fn images_become_oci_purls() {
        assert_eq!(
            oci_purl("registry.example:5000/shop/web:1.2", "sha256:ab"),
            "pkg:oci/web@sha256%3Aab?repository_url=registry.example%3A5000%2Fshop%2Fweb"
        );
        assert_eq!(oci_purl("web", "sha256:ab"), "pkg:oci/web@sha256%3Aab");
    }
}
