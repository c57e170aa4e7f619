//! The inventory's lists and the dashboard.
//!
//! Every value a user sends is bound as a parameter; the only text that
//! reaches the SQL is chosen here: sort keys are looked up in a fixed
//! table per list, and the placeholders are numbered by [`Sql`]. Unknown
//! sort keys, severities and statuses are refused, not ignored, so a
//! typo in a CI filter is noticed.

use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};

use crate::vm::{Db, VmError, severity_name, severity_rank};

/// The most rows one page may have; exports take [`EXPORT_LIMIT`].
pub const MAX_PER_PAGE: i64 = 500;
/// The most rows an export returns.
pub const EXPORT_LIMIT: i64 = 100_000;

/// Filters, sorting and paging of any list, as the query string gives
/// them (`?q=ssl&severity=HIGH,CRITICAL&fixable=1&sort=images&order=desc&page=2`).
/// Each list uses the filters that make sense for it and ignores the rest.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ListParams {
    /// Free-text search (names, IDs, titles, purls), case-insensitive.
    pub q: String,
    /// Cluster name.
    pub cluster: String,
    /// Namespace name.
    pub namespace: String,
    /// Application name.
    pub application: String,
    /// Image digest or name.
    pub image: String,
    /// Package purl or name.
    pub package: String,
    /// Vulnerability ID.
    pub vulnerability: String,
    /// Severities, comma-separated.
    pub severity: String,
    /// `1`/`true`: only findings with a fixed version (hides unfixed ones).
    pub fixable: String,
    /// Package type (`deb`, `golang`, ...).
    #[serde(rename = "type")]
    pub package_type: String,
    /// Finding status: `open` (default: unresolved, undecided), `accepted`,
    /// `ignored`, `decided`, `unresolved`, `resolved`, `all`.
    pub status: String,
    /// Sort key (per list).
    pub sort: String,
    /// `asc` or `desc` (default per sort key).
    pub order: String,
    /// 1-based page.
    pub page: String,
    /// Rows per page (default 50, at most [`MAX_PER_PAGE`]).
    pub per_page: String,
    /// `csv` or `json` for an export of the whole filtered list.
    pub format: String,
}

impl ListParams {
    /// Refuses filters a list does not have, rather than ignoring them: a
    /// filter that silently does nothing shows everything.
    fn allow(&self, list: &str, allowed: &[&str]) -> Result<(), VmError> {
        let given = [
            ("q", &self.q),
            ("cluster", &self.cluster),
            ("namespace", &self.namespace),
            ("application", &self.application),
            ("image", &self.image),
            ("package", &self.package),
            ("vulnerability", &self.vulnerability),
            ("severity", &self.severity),
            ("fixable", &self.fixable),
            ("type", &self.package_type),
            ("status", &self.status),
        ];
        for (name, value) in given {
            if !value.is_empty() && !allowed.contains(&name) {
                return Err(VmError::Invalid(format!(
                    "{name}= is not a filter of {list} (its filters: {})",
                    allowed.join(", ")
                )));
            }
        }
        Ok(())
    }

    fn page_number(&self) -> Result<i64, VmError> {
        parse_positive(&self.page, "page", 1)
    }

    fn page_size(&self) -> Result<i64, VmError> {
        if self.format == "csv" || self.format == "json" {
            return Ok(EXPORT_LIMIT);
        }
        Ok(parse_positive(&self.per_page, "per_page", 50)?.min(MAX_PER_PAGE))
    }

    fn fixable_only(&self) -> Result<bool, VmError> {
        match self.fixable.as_str() {
            "" | "0" | "false" => Ok(false),
            "1" | "true" | "on" => Ok(true),
            other => Err(VmError::Invalid(format!("fixable={other:?}: use 1 or 0"))),
        }
    }

    fn severities(&self) -> Result<Vec<i64>, VmError> {
        self.severity
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                severity_rank(s).ok_or_else(|| {
                    VmError::Invalid(format!(
                        "severity={s:?}: use CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN"
                    ))
                })
            })
            .collect()
    }

    /// The query string of these parameters with one changed (links in
    /// the pages: sorting, paging, export).
    pub fn with(&self, key: &str, value: &str) -> String {
        let mut copy = self.clone();
        match key {
            "sort" => {
                // A second click on the same column flips the order.
                copy.order = if self.sort == value && self.order != "asc" {
                    "asc".into()
                } else {
                    String::new()
                };
                copy.sort = value.into();
                copy.page = String::new();
            }
            "page" => copy.page = value.into(),
            "format" => {
                copy.format = value.into();
                copy.page = String::new();
            }
            _ => {}
        }
        copy.query_string()
    }

    /// These parameters as a query string, empty ones left out.
    pub fn query_string(&self) -> String {
        let pairs = [
            ("q", &self.q),
            ("cluster", &self.cluster),
            ("namespace", &self.namespace),
            ("application", &self.application),
            ("image", &self.image),
            ("package", &self.package),
            ("vulnerability", &self.vulnerability),
            ("severity", &self.severity),
            ("fixable", &self.fixable),
            ("type", &self.package_type),
            ("status", &self.status),
            ("sort", &self.sort),
            ("order", &self.order),
            ("page", &self.page),
            ("per_page", &self.per_page),
            ("format", &self.format),
        ];
        let encoded: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect();
        encoded.join("&")
    }
}

fn parse_positive(text: &str, name: &str, default: i64) -> Result<i64, VmError> {
    if text.is_empty() {
        return Ok(default);
    }
    match text.parse::<i64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(VmError::Invalid(format!(
            "{name}={text:?}: a whole number from 1"
        ))),
    }
}

/// Percent-encodes a query-string value.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b',') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// One page of a list.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Rows matching the filters, over all pages.
    pub total: i64,
    /// This page (1-based).
    pub page: i64,
    /// Rows per page.
    pub per_page: i64,
}

impl<T> Page<T> {
    /// Whether a later page exists.
    pub fn has_next(&self) -> bool {
        self.page * self.per_page < self.total
    }

    /// The number of pages.
    pub fn pages(&self) -> i64 {
        if self.per_page == 0 {
            0
        } else {
            (self.total + self.per_page - 1) / self.per_page
        }
    }
}

/// A value to bind.
#[derive(Debug, Clone)]
enum Arg {
    Int(i64),
    Text(String),
}

/// SQL text under construction and the values its placeholders stand for.
#[derive(Debug, Default)]
struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    fn new(text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            args: Vec::new(),
        }
    }

    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    fn bind_text(&mut self, value: &str) -> &mut Self {
        self.args.push(Arg::Text(value.to_owned()));
        let n = self.args.len();
        self.text.push_str(&format!("${n}"));
        self
    }

    fn bind_int(&mut self, value: i64) -> &mut Self {
        self.args.push(Arg::Int(value));
        let n = self.args.len();
        self.text.push_str(&format!("${n}"));
        self
    }

    async fn fetch(self, db: &Db) -> Result<Vec<sqlx::any::AnyRow>, VmError> {
        // The text holds only this module's constants and `$N`s.
        let mut query = sqlx::query(AssertSqlSafe(self.text));
        for arg in self.args {
            query = match arg {
                Arg::Int(v) => query.bind(v),
                Arg::Text(v) => query.bind(v),
            };
        }
        Ok(query.fetch_all(db.pool()).await?)
    }
}

/// `%text%` for LIKE, lower-cased, with LIKE's own wildcards escaped.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Adds ` AND (LOWER(a) LIKE $n ESCAPE '\' OR ...)` for the search text.
fn search(sql: &mut Sql, q: &str, columns: &[&str]) {
    if q.trim().is_empty() {
        return;
    }
    let pattern = like_pattern(q);
    sql.push(" AND (");
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push("LOWER(").push(column).push(") LIKE ");
        sql.bind_text(&pattern);
        sql.push(" ESCAPE '\\'");
    }
    sql.push(")");
}

/// Adds the filters on placement (cluster, namespace, application) as a
/// condition on an image ID column.
fn placement_filter(sql: &mut Sql, params: &ListParams, image_column: &str) {
    if params.cluster.is_empty() && params.namespace.is_empty() && params.application.is_empty() {
        return;
    }
    sql.push(" AND ").push(image_column).push(
        " IN (SELECT ai.image_id FROM application_images ai \
         JOIN applications a ON a.id = ai.application_id \
         JOIN namespaces n ON n.id = a.namespace_id \
         JOIN clusters c ON c.id = n.cluster_id WHERE 1 = 1",
    );
    if !params.cluster.is_empty() {
        sql.push(" AND c.name = ").bind_text(&params.cluster);
    }
    if !params.namespace.is_empty() {
        sql.push(" AND n.name = ").bind_text(&params.namespace);
    }
    if !params.application.is_empty() {
        sql.push(" AND a.name = ").bind_text(&params.application);
    }
    sql.push(")");
}

/// Adds ` AND column IN (...)` for the severities asked, if any.
fn severity_filter(sql: &mut Sql, params: &ListParams, column: &str) -> Result<(), VmError> {
    let severities = params.severities()?;
    if severities.is_empty() {
        return Ok(());
    }
    sql.push(" AND ").push(column).push(" IN (");
    for (i, rank) in severities.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind_int(*rank);
    }
    sql.push(")");
    Ok(())
}

/// The conditions on findings (alias `f`) every finding-based list shares.
fn finding_filters(sql: &mut Sql, params: &ListParams) -> Result<(), VmError> {
    match params.status.as_str() {
        "" | "open" => sql.push(" AND f.resolved_at IS NULL AND f.decision IS NULL"),
        "accepted" => sql.push(" AND f.resolved_at IS NULL AND f.decision = 'accepted'"),
        "ignored" => sql.push(" AND f.resolved_at IS NULL AND f.decision = 'ignored'"),
        "decided" => sql.push(" AND f.resolved_at IS NULL AND f.decision IS NOT NULL"),
        "unresolved" => sql.push(" AND f.resolved_at IS NULL"),
        "resolved" => sql.push(" AND f.resolved_at IS NOT NULL"),
        "all" => sql,
        other => {
            return Err(VmError::Invalid(format!(
                "status={other:?}: use open, accepted, ignored, decided, unresolved, resolved or all"
            )));
        }
    };
    severity_filter(sql, params, "f.severity")?;
    if params.fixable_only()? {
        sql.push(" AND f.fixed_version <> ''");
    }
    if !params.image.is_empty() {
        sql.push(" AND f.image_id IN (SELECT id FROM images WHERE digest = ")
            .bind_text(&params.image)
            .push(" OR name = ")
            .bind_text(&params.image)
            .push(")");
    }
    if !params.package.is_empty() {
        sql.push(" AND f.package_id IN (SELECT id FROM packages WHERE purl = ")
            .bind_text(&params.package)
            .push(" OR name = ")
            .bind_text(&params.package)
            .push(")");
    }
    if !params.vulnerability.is_empty() {
        sql.push(" AND f.vulnerability_id IN (SELECT id FROM vulnerabilities WHERE name = ")
            .bind_text(&params.vulnerability)
            .push(")");
    }
    placement_filter(sql, params, "f.image_id");
    Ok(())
}

/// Appends ORDER BY from a list's table of sort keys, then the page.
fn order_and_page(
    sql: &mut Sql,
    params: &ListParams,
    keys: &[(&str, &str, bool)],
    tie_breaker: &str,
) -> Result<(i64, i64), VmError> {
    let (_, expression, descending) = if params.sort.is_empty() {
        keys[0]
    } else {
        *keys
            .iter()
            .find(|(k, _, _)| *k == params.sort)
            .ok_or_else(|| {
                let names: Vec<&str> = keys.iter().map(|(k, _, _)| *k).collect();
                VmError::Invalid(format!(
                    "sort={:?}: use one of {}",
                    params.sort,
                    names.join(", ")
                ))
            })?
    };
    let descending = match params.order.as_str() {
        "" => descending,
        "desc" => true,
        "asc" => false,
        other => {
            return Err(VmError::Invalid(format!(
                "order={other:?}: use asc or desc"
            )));
        }
    };
    sql.push(" ORDER BY ")
        .push(expression)
        .push(if descending { " DESC" } else { " ASC" })
        .push(", ")
        .push(tie_breaker);
    let page = params.page_number()?;
    let per_page = params.page_size()?;
    sql.push(" LIMIT ")
        .bind_int(per_page)
        .push(" OFFSET ")
        .bind_int((page - 1).saturating_mul(per_page));
    Ok((page, per_page))
}

fn get_i64(row: &sqlx::any::AnyRow, index: usize) -> Result<i64, VmError> {
    Ok(row.try_get::<Option<i64>, _>(index)?.unwrap_or(0))
}

fn get_text(row: &sqlx::any::AnyRow, index: usize) -> Result<String, VmError> {
    Ok(row.try_get::<Option<String>, _>(index)?.unwrap_or_default())
}

/// Finding counts by severity.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    /// Critical.
    pub critical: i64,
    /// High.
    pub high: i64,
    /// Medium.
    pub medium: i64,
    /// Low.
    pub low: i64,
    /// Unknown.
    pub unknown: i64,
    /// With a fixed version.
    pub fixable: i64,
}

impl Counts {
    /// All of them.
    pub fn total(&self) -> i64 {
        self.critical + self.high + self.medium + self.low + self.unknown
    }

    fn read(row: &sqlx::any::AnyRow, first: usize) -> Result<Counts, VmError> {
        Ok(Counts {
            critical: get_i64(row, first)?,
            high: get_i64(row, first + 1)?,
            medium: get_i64(row, first + 2)?,
            low: get_i64(row, first + 3)?,
            unknown: get_i64(row, first + 4)?,
            fixable: get_i64(row, first + 5)?,
        })
    }
}

/// An application.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationRow {
    /// Its ID.
    pub id: i64,
    /// Name.
    pub name: String,
    /// `Deployment`, `label`, ...
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Cluster.
    pub cluster: String,
    /// Images it runs.
    pub images: i64,
    /// Open findings in those images.
    pub counts: Counts,
}

/// An image.
#[derive(Debug, Clone, Serialize)]
pub struct ImageRow {
    /// Its ID.
    pub id: i64,
    /// The reference it was last scanned by.
    pub name: String,
    /// Digest.
    pub digest: String,
    /// OS.
    pub os: String,
    /// Platform.
    pub platform: String,
    /// Packages.
    pub packages: i64,
    /// Last scan (Unix seconds).
    pub last_scanned: i64,
    /// Applications running it.
    pub applications: i64,
    /// Open findings.
    pub counts: Counts,
}

/// A package.
#[derive(Debug, Clone, Serialize)]
pub struct PackageRow {
    /// Its ID.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Type.
    #[serde(rename = "type")]
    pub ptype: String,
    /// purl.
    pub purl: String,
    /// Licences.
    pub licenses: String,
    /// Images containing it.
    pub images: i64,
    /// Its findings (under the status filter).
    pub counts: Counts,
}

/// A vulnerability, with what it affects.
#[derive(Debug, Clone, Serialize)]
pub struct VulnerabilityRow {
    /// `CVE-...`.
    pub id: String,
    /// The highest severity among its findings.
    pub severity: String,
    /// Title.
    pub title: String,
    /// CVSS base score.
    pub cvss_score: Option<f64>,
    /// Images affected.
    pub images: i64,
    /// Packages affected.
    pub packages: i64,
    /// Findings (image × package).
    pub findings: i64,
    /// Findings with a fixed version.
    pub fixable: i64,
    /// A fixed version (the highest, as text).
    pub fixed_version: String,
    /// First seen (Unix seconds).
    pub first_seen: i64,
    /// Last seen.
    pub last_seen: i64,
}

/// A finding: one vulnerability in one package of one image.
#[derive(Debug, Clone, Serialize)]
pub struct FindingRow {
    /// Its ID (for decisions).
    pub id: i64,
    /// The vulnerability.
    pub vulnerability: String,
    /// Severity.
    pub severity: String,
    /// The image's name.
    pub image: String,
    /// The image's digest.
    pub image_digest: String,
    /// Package name.
    pub package: String,
    /// Package purl.
    pub purl: String,
    /// Installed version.
    pub installed_version: String,
    /// Fixed version; empty when none.
    pub fixed_version: String,
    /// Fix state.
    pub fix_state: String,
    /// First seen.
    pub first_seen: i64,
    /// Last seen.
    pub last_seen: i64,
    /// When a later scan no longer found it.
    pub resolved_at: Option<i64>,
    /// `accepted` or `ignored`, when decided.
    pub decision: Option<String>,
    /// The decision's justification.
    pub justification: Option<String>,
    /// The decision's expiry.
    pub expires_at: Option<i64>,
}

/// A scan.
#[derive(Debug, Clone, Serialize)]
pub struct ScanRow {
    /// Its ID.
    pub id: i64,
    /// `upload`, `runtime`, `misconfiguration`.
    pub kind: String,
    /// `running`, `completed`, `partial`, `failed`.
    pub status: String,
    /// Cluster.
    pub cluster: String,
    /// Started (Unix seconds).
    pub started_at: i64,
    /// Finished.
    pub finished_at: Option<i64>,
    /// Images to scan.
    pub images_total: i64,
    /// Images scanned.
    pub images_done: i64,
    /// Images that failed.
    pub images_failed: i64,
    /// Findings new in this scan.
    pub new_findings: i64,
    /// Findings resolved by it.
    pub resolved_findings: i64,
    /// Why it failed.
    pub error: String,
}

/// A misconfiguration.
#[derive(Debug, Clone, Serialize)]
pub struct MisconfigurationRow {
    /// Its ID.
    pub id: i64,
    /// Cluster.
    pub cluster: String,
    /// Namespace.
    pub namespace: String,
    /// `Deployment/web`.
    pub resource: String,
    /// Check ID.
    pub check_id: String,
    /// Severity.
    pub severity: String,
    /// Title.
    pub title: String,
    /// Message.
    pub message: String,
    /// First seen.
    pub first_seen: i64,
    /// Last seen.
    pub last_seen: i64,
}

impl Db {
    /// Sorts and pages `sql` (see [`order_and_page`]), runs it, and reads
    /// each row with `read`; the total is the window count in column
    /// `total_column`.
    #[allow(clippy::too_many_arguments)]
    async fn page_of<T>(
        &self,
        mut sql: Sql,
        params: &ListParams,
        keys: &[(&str, &str, bool)],
        tie_breaker: &str,
        total_column: usize,
        read: impl Fn(&sqlx::any::AnyRow) -> Result<T, VmError>,
    ) -> Result<Page<T>, VmError> {
        let (page, per_page) = order_and_page(&mut sql, params, keys, tie_breaker)?;
        let rows = sql.fetch(self).await?;
        let items = rows.iter().map(read).collect::<Result<_, _>>()?;
        Ok(Page {
            items,
            total: total_of(&rows, total_column)?,
            page,
            per_page,
        })
    }
}

fn total_of(rows: &[sqlx::any::AnyRow], column: usize) -> Result<i64, VmError> {
    rows.first().map_or(Ok(0), |row| get_i64(row, column))
}

impl Db {
    /// Applications, with the open findings of their images.
    pub async fn applications(&self, params: &ListParams) -> Result<Page<ApplicationRow>, VmError> {
        let mut sql = Sql::new(
            "SELECT a.id, a.name, a.kind, n.name, c.name, COUNT(i.id), \
             CAST(SUM(i.critical) AS BIGINT), CAST(SUM(i.high) AS BIGINT), CAST(SUM(i.medium) AS BIGINT), CAST(SUM(i.low) AS BIGINT), CAST(SUM(i.unknown) AS BIGINT), \
             CAST(SUM(i.fixable) AS BIGINT), COUNT(*) OVER () \
             FROM applications a JOIN namespaces n ON n.id = a.namespace_id \
             JOIN clusters c ON c.id = n.cluster_id \
             LEFT JOIN application_images ai ON ai.application_id = a.id \
             LEFT JOIN images i ON i.id = ai.image_id WHERE 1 = 1",
        );
        params.allow(
            "applications",
            &[
                "q",
                "cluster",
                "namespace",
                "application",
                "image",
                "package",
                "vulnerability",
                "severity",
                "fixable",
            ],
        )?;
        search(&mut sql, &params.q, &["a.name", "n.name"]);
        if !params.cluster.is_empty() {
            sql.push(" AND c.name = ").bind_text(&params.cluster);
        }
        // Finding filters: the applications running an image with such a
        // finding open.
        let severities = params.severities()?;
        if !params.package.is_empty()
            || !params.vulnerability.is_empty()
            || !severities.is_empty()
            || params.fixable_only()?
        {
            sql.push(
                " AND a.id IN (SELECT ai3.application_id FROM application_images ai3 \
                 JOIN findings f ON f.image_id = ai3.image_id WHERE 1 = 1",
            );
            let only_findings = ListParams {
                package: params.package.clone(),
                vulnerability: params.vulnerability.clone(),
                severity: params.severity.clone(),
                fixable: params.fixable.clone(),
                ..ListParams::default()
            };
            finding_filters(&mut sql, &only_findings)?;
            sql.push(")");
        }
        if !params.namespace.is_empty() {
            sql.push(" AND n.name = ").bind_text(&params.namespace);
        }
        if !params.application.is_empty() {
            sql.push(" AND a.name = ").bind_text(&params.application);
        }
        if !params.image.is_empty() {
            sql.push(" AND a.id IN (SELECT ai2.application_id FROM application_images ai2 JOIN images i2 ON i2.id = ai2.image_id WHERE i2.digest = ")
                .bind_text(&params.image)
                .push(" OR i2.name = ")
                .bind_text(&params.image)
                .push(")");
        }
        sql.push(" GROUP BY a.id, a.name, a.kind, n.name, c.name");
        self.page_of(
            sql,
            params,
            &[
                ("risk", "CAST(SUM(i.risk) AS BIGINT)", true),
                ("name", "a.name", false),
                ("namespace", "n.name", false),
                ("cluster", "c.name", false),
                ("images", "COUNT(i.id)", true),
                ("critical", "CAST(SUM(i.critical) AS BIGINT)", true),
                ("high", "CAST(SUM(i.high) AS BIGINT)", true),
                ("fixable", "CAST(SUM(i.fixable) AS BIGINT)", true),
            ],
            "a.id",
            12,
            |row| {
                Ok(ApplicationRow {
                    id: get_i64(row, 0)?,
                    name: get_text(row, 1)?,
                    kind: get_text(row, 2)?,
                    namespace: get_text(row, 3)?,
                    cluster: get_text(row, 4)?,
                    images: get_i64(row, 5)?,
                    counts: Counts::read(row, 6)?,
                })
            },
        )
        .await
    }

    /// Images, with their open findings.
    pub async fn images(&self, params: &ListParams) -> Result<Page<ImageRow>, VmError> {
        let mut sql = Sql::new(
            "SELECT i.id, i.name, i.digest, i.os, i.platform, i.package_count, i.last_scanned, \
             (SELECT COUNT(*) FROM application_images ai WHERE ai.image_id = i.id), \
             i.critical, i.high, i.medium, i.low, i.unknown, i.fixable, COUNT(*) OVER () \
             FROM images i WHERE 1 = 1",
        );
        params.allow(
            "images",
            &[
                "q",
                "cluster",
                "namespace",
                "application",
                "image",
                "package",
                "vulnerability",
                "severity",
                "fixable",
            ],
        )?;
        search(&mut sql, &params.q, &["i.name", "i.digest", "i.os"]);
        placement_filter(&mut sql, params, "i.id");
        if !params.image.is_empty() {
            sql.push(" AND (i.digest = ")
                .bind_text(&params.image)
                .push(" OR i.name = ")
                .bind_text(&params.image)
                .push(")");
        }
        for rank in params.severities()? {
            // The images with at least one open finding of each severity asked.
            sql.push(" AND ")
                .push(match rank {
                    4 => "i.critical",
                    3 => "i.high",
                    2 => "i.medium",
                    1 => "i.low",
                    _ => "i.unknown",
                })
                .push(" > 0");
        }
        if params.fixable_only()? {
            sql.push(" AND i.fixable > 0");
        }
        if !params.package.is_empty() {
            sql.push(" AND i.id IN (SELECT ip.image_id FROM image_packages ip JOIN packages p ON p.id = ip.package_id WHERE p.purl = ")
                .bind_text(&params.package)
                .push(" OR p.name = ")
                .bind_text(&params.package)
                .push(")");
        }
        if !params.vulnerability.is_empty() {
            sql.push(" AND i.id IN (SELECT f.image_id FROM findings f JOIN vulnerabilities v ON v.id = f.vulnerability_id WHERE f.resolved_at IS NULL AND v.name = ")
                .bind_text(&params.vulnerability)
                .push(")");
        }
        self.page_of(
            sql,
            params,
            &[
                ("risk", "i.risk", true),
                ("name", "i.name", false),
                ("last_scanned", "i.last_scanned", true),
                ("packages", "i.package_count", true),
                ("critical", "i.critical", true),
                ("high", "i.high", true),
                ("fixable", "i.fixable", true),
            ],
            "i.id",
            14,
            |row| {
                Ok(ImageRow {
                    id: get_i64(row, 0)?,
                    name: get_text(row, 1)?,
                    digest: get_text(row, 2)?,
                    os: get_text(row, 3)?,
                    platform: get_text(row, 4)?,
                    packages: get_i64(row, 5)?,
                    last_scanned: get_i64(row, 6)?,
                    applications: get_i64(row, 7)?,
                    counts: Counts::read(row, 8)?,
                })
            },
        )
        .await
    }

    /// Packages, with the images holding them and their findings.
    pub async fn packages(&self, params: &ListParams) -> Result<Page<PackageRow>, VmError> {
        params.allow(
            "packages",
            &[
                "q",
                "cluster",
                "namespace",
                "application",
                "image",
                "package",
                "vulnerability",
                "severity",
                "fixable",
                "type",
                "status",
            ],
        )?;
        let mut sql = Sql::new("SELECT p.id, p.name, p.version, p.type, p.purl, p.licenses, ");
        sql.push(
            "(SELECT COUNT(*) FROM image_packages ip WHERE ip.package_id = p.id), \
             COALESCE(fc.critical, 0), COALESCE(fc.high, 0), COALESCE(fc.medium, 0), \
             COALESCE(fc.low, 0), COALESCE(fc.unknown, 0), COALESCE(fc.fixable, 0), \
             COUNT(*) OVER () FROM packages p LEFT JOIN (SELECT f.package_id AS package_id, ",
        );
        sql.push(
            "SUM(CASE WHEN f.severity = 4 THEN 1 ELSE 0 END) AS critical, \
             SUM(CASE WHEN f.severity = 3 THEN 1 ELSE 0 END) AS high, \
             SUM(CASE WHEN f.severity = 2 THEN 1 ELSE 0 END) AS medium, \
             SUM(CASE WHEN f.severity = 1 THEN 1 ELSE 0 END) AS low, \
             SUM(CASE WHEN f.severity = 0 THEN 1 ELSE 0 END) AS unknown, \
             SUM(CASE WHEN f.fixed_version <> '' THEN 1 ELSE 0 END) AS fixable, \
             COUNT(*) AS total FROM findings f WHERE 1 = 1",
        );
        finding_filters(&mut sql, params)?;
        sql.push(" GROUP BY f.package_id) fc ON fc.package_id = p.id WHERE 1 = 1");
        search(&mut sql, &params.q, &["p.name", "p.purl"]);
        if !params.package_type.is_empty() {
            sql.push(" AND p.type = ").bind_text(&params.package_type);
        }
        // A finding filter means: the packages with such findings.
        let finding_filtered = !params.severity.is_empty()
            || params.fixable_only()?
            || !params.vulnerability.is_empty()
            || !matches!(params.status.as_str(), "" | "open" | "all");
        if finding_filtered {
            sql.push(" AND fc.total > 0");
        }
        if !params.image.is_empty()
            || !params.cluster.is_empty()
            || !params.namespace.is_empty()
            || !params.application.is_empty()
        {
            sql.push(" AND p.id IN (SELECT ip.package_id FROM image_packages ip WHERE 1 = 1");
            if !params.image.is_empty() {
                sql.push(" AND ip.image_id IN (SELECT id FROM images WHERE digest = ")
                    .bind_text(&params.image)
                    .push(" OR name = ")
                    .bind_text(&params.image)
                    .push(")");
            }
            placement_filter(&mut sql, params, "ip.image_id");
            sql.push(")");
        }
        if !params.package.is_empty() {
            sql.push(" AND (p.purl = ")
                .bind_text(&params.package)
                .push(" OR p.name = ")
                .bind_text(&params.package)
                .push(")");
        }
        self.page_of(
            sql,
            params,
            &[
                (
                    "risk",
                    "COALESCE(fc.critical, 0) * 1000000000 + COALESCE(fc.high, 0) * 1000000 \
                     + COALESCE(fc.medium, 0) * 1000 + COALESCE(fc.low, 0)",
                    true,
                ),
                ("name", "p.name", false),
                ("type", "p.type", false),
                (
                    "images",
                    "(SELECT COUNT(*) FROM image_packages ip WHERE ip.package_id = p.id)",
                    true,
                ),
                ("vulnerabilities", "COALESCE(fc.total, 0)", true),
                ("critical", "COALESCE(fc.critical, 0)", true),
                ("fixable", "COALESCE(fc.fixable, 0)", true),
            ],
            "p.id",
            13,
            |row| {
                Ok(PackageRow {
                    id: get_i64(row, 0)?,
                    name: get_text(row, 1)?,
                    version: get_text(row, 2)?,
                    ptype: get_text(row, 3)?,
                    purl: get_text(row, 4)?,
                    licenses: get_text(row, 5)?,
                    images: get_i64(row, 6)?,
                    counts: Counts::read(row, 7)?,
                })
            },
        )
        .await
    }

    /// Vulnerabilities, with what they affect.
    pub async fn vulnerabilities(
        &self,
        params: &ListParams,
    ) -> Result<Page<VulnerabilityRow>, VmError> {
        params.allow(
            "vulnerabilities",
            &[
                "q",
                "cluster",
                "namespace",
                "application",
                "image",
                "package",
                "vulnerability",
                "severity",
                "fixable",
                "status",
            ],
        )?;
        // Open findings are aggregated per vulnerability on the covering
        // index (in group order, no table reads); the vulnerabilities are
        // joined to the aggregate, and the total counted over it.
        let mut sql = Sql::new(
            "SELECT v.name, a.severity, v.title, v.cvss_score, a.images, a.packages, \
             a.findings, a.fixable, a.fixed_version, a.first_seen, a.last_seen, COUNT(*) OVER () \
             FROM (SELECT f.vulnerability_id AS vulnerability_id, MAX(f.severity) AS severity, \
             COUNT(DISTINCT f.image_id) AS images, COUNT(DISTINCT f.package_id) AS packages, \
             COUNT(*) AS findings, SUM(CASE WHEN f.fixed_version <> '' THEN 1 ELSE 0 END) AS fixable, \
             MAX(f.fixed_version) AS fixed_version, MIN(f.first_seen) AS first_seen, \
             MAX(f.last_seen) AS last_seen FROM findings f WHERE 1 = 1",
        );
        finding_filters(&mut sql, params)?;
        if !params.q.trim().is_empty() {
            sql.push(" AND f.vulnerability_id IN (SELECT v.id FROM vulnerabilities v WHERE 1 = 1");
            search(&mut sql, &params.q, &["v.name", "v.title", "v.aliases"]);
            sql.push(")");
        }
        sql.push(
            " GROUP BY f.vulnerability_id) a JOIN vulnerabilities v ON v.id = a.vulnerability_id",
        );
        self.page_of(
            sql,
            params,
            &[
                ("severity", "a.severity", true),
                ("id", "v.name", false),
                ("score", "v.cvss_score", true),
                ("images", "a.images", true),
                ("packages", "a.packages", true),
                ("fixable", "a.fixable", true),
                ("first_seen", "a.first_seen", true),
            ],
            "v.name",
            11,
            |row| {
                Ok(VulnerabilityRow {
                    id: get_text(row, 0)?,
                    severity: severity_name(get_i64(row, 1)?).to_owned(),
                    title: get_text(row, 2)?,
                    cvss_score: row.try_get::<Option<f64>, _>(3)?,
                    images: get_i64(row, 4)?,
                    packages: get_i64(row, 5)?,
                    findings: get_i64(row, 6)?,
                    fixable: get_i64(row, 7)?,
                    fixed_version: get_text(row, 8)?,
                    first_seen: get_i64(row, 9)?,
                    last_seen: get_i64(row, 10)?,
                })
            },
        )
        .await
    }

    /// Findings (one vulnerability in one package of one image).
    pub async fn findings(&self, params: &ListParams) -> Result<Page<FindingRow>, VmError> {
        params.allow(
            "findings",
            &[
                "q",
                "cluster",
                "namespace",
                "application",
                "image",
                "package",
                "vulnerability",
                "severity",
                "fixable",
                "status",
            ],
        )?;
        // Counted apart: a window over the joined rows would build all of
        // them before the first page could be cut.
        let filtered = |sql: &mut Sql| -> Result<(), VmError> {
            finding_filters(sql, params)?;
            if !params.q.trim().is_empty() {
                let pattern = like_pattern(&params.q);
                sql.push(" AND (f.vulnerability_id IN (SELECT id FROM vulnerabilities WHERE LOWER(name) LIKE ")
                    .bind_text(&pattern)
                    .push(" ESCAPE '\\') OR f.package_id IN (SELECT id FROM packages WHERE LOWER(name) LIKE ")
                    .bind_text(&pattern)
                    .push(" ESCAPE '\\') OR f.image_id IN (SELECT id FROM images WHERE LOWER(name) LIKE ")
                    .bind_text(&pattern)
                    .push(" ESCAPE '\\'))");
            }
            Ok(())
        };
        let mut count = Sql::new("SELECT COUNT(*) FROM findings f WHERE 1 = 1");
        filtered(&mut count)?;
        let total = total_of(&count.fetch(self).await?, 0)?;
        // Sorted on the findings' own columns, the page is cut before the
        // joins; sorted on a joined name, the joins come first.
        let keys: &[(&str, &str, bool)] = &[
            ("severity", "f.severity", true),
            ("vulnerability", "v.name", false),
            ("image", "i.name", false),
            ("package", "p.name", false),
            ("first_seen", "f.first_seen", true),
            ("last_seen", "f.last_seen", true),
        ];
        let on_findings = matches!(
            params.sort.as_str(),
            "" | "severity" | "first_seen" | "last_seen"
        );
        let columns = "SELECT f.id, v.name, f.severity, i.name, i.digest, p.name, p.purl, \
             f.installed_version, f.fixed_version, f.fix_state, f.first_seen, f.last_seen, \
             f.resolved_at, d.kind, d.justification, d.expires_at FROM ";
        let joins = " JOIN vulnerabilities v ON v.id = f.vulnerability_id \
             JOIN images i ON i.id = f.image_id JOIN packages p ON p.id = f.package_id \
             LEFT JOIN decisions d ON d.finding_id = f.id AND f.decision IS NOT NULL";
        let mut sql = Sql::new(columns);
        let (page, per_page) = if on_findings {
            sql.push("(SELECT * FROM findings f WHERE 1 = 1");
            filtered(&mut sql)?;
            let cut = order_and_page(&mut sql, params, keys, "f.id")?;
            sql.push(") f").push(joins);
            // The page's order again, for the joined rows.
            let inner = ListParams {
                page: String::new(),
                per_page: String::new(),
                format: String::new(),
                ..params.clone()
            };
            let mut order = Sql::new("");
            order_and_page(&mut order, &inner, keys, "f.id")?;
            let by = order
                .text
                .split(" LIMIT ")
                .next()
                .unwrap_or_default()
                .to_owned();
            sql.push(&by);
            cut
        } else {
            sql.push("findings f").push(joins).push(" WHERE 1 = 1");
            filtered(&mut sql)?;
            order_and_page(&mut sql, params, keys, "f.id")?
        };
        let rows = sql.fetch(self).await?;
        let items = rows
            .iter()
            .map(|row| {
                Ok(FindingRow {
                    id: get_i64(row, 0)?,
                    vulnerability: get_text(row, 1)?,
                    severity: severity_name(get_i64(row, 2)?).to_owned(),
                    image: get_text(row, 3)?,
                    image_digest: get_text(row, 4)?,
                    package: get_text(row, 5)?,
                    purl: get_text(row, 6)?,
                    installed_version: get_text(row, 7)?,
                    fixed_version: get_text(row, 8)?,
                    fix_state: get_text(row, 9)?,
                    first_seen: get_i64(row, 10)?,
                    last_seen: get_i64(row, 11)?,
                    resolved_at: row.try_get::<Option<i64>, _>(12)?,
                    decision: row.try_get::<Option<String>, _>(13)?,
                    justification: row.try_get::<Option<String>, _>(14)?,
                    expires_at: row.try_get::<Option<i64>, _>(15)?,
                })
            })
            .collect::<Result<_, VmError>>()?;
        Ok(Page {
            items,
            total,
            page,
            per_page,
        })
    }

    /// Scans, newest first.
    pub async fn scans(&self, params: &ListParams) -> Result<Page<ScanRow>, VmError> {
        let mut sql = Sql::new(
            "SELECT s.id, s.kind, s.status, s.cluster, s.started_at, s.finished_at, \
             s.images_total, s.images_done, s.images_failed, s.new_findings, \
             s.resolved_findings, s.error, COUNT(*) OVER () FROM scans s WHERE 1 = 1",
        );
        params.allow("scans", &["q", "cluster"])?;
        search(&mut sql, &params.q, &["s.kind", "s.status", "s.cluster"]);
        if !params.cluster.is_empty() {
            sql.push(" AND s.cluster = ").bind_text(&params.cluster);
        }
        self.page_of(
            sql,
            params,
            &[
                ("started_at", "s.id", true),
                ("status", "s.status", false),
                ("kind", "s.kind", false),
                ("new_findings", "s.new_findings", true),
            ],
            "s.id",
            12,
            |row| {
                Ok(ScanRow {
                    id: get_i64(row, 0)?,
                    kind: get_text(row, 1)?,
                    status: get_text(row, 2)?,
                    cluster: get_text(row, 3)?,
                    started_at: get_i64(row, 4)?,
                    finished_at: row.try_get::<Option<i64>, _>(5)?,
                    images_total: get_i64(row, 6)?,
                    images_done: get_i64(row, 7)?,
                    images_failed: get_i64(row, 8)?,
                    new_findings: get_i64(row, 9)?,
                    resolved_findings: get_i64(row, 10)?,
                    error: get_text(row, 11)?,
                })
            },
        )
        .await
    }

    /// Open misconfigurations.
    pub async fn misconfigurations(
        &self,
        params: &ListParams,
    ) -> Result<Page<MisconfigurationRow>, VmError> {
        let mut sql = Sql::new(
            "SELECT m.id, c.name, m.namespace, m.resource, m.check_id, m.severity, m.title, \
             m.message, m.first_seen, m.last_seen, COUNT(*) OVER () FROM misconfigurations m \
             JOIN clusters c ON c.id = m.cluster_id WHERE m.resolved_at IS NULL",
        );
        params.allow(
            "misconfigurations",
            &["q", "cluster", "namespace", "severity"],
        )?;
        search(
            &mut sql,
            &params.q,
            &["m.resource", "m.check_id", "m.title"],
        );
        if !params.cluster.is_empty() {
            sql.push(" AND c.name = ").bind_text(&params.cluster);
        }
        if !params.namespace.is_empty() {
            sql.push(" AND m.namespace = ").bind_text(&params.namespace);
        }
        severity_filter(&mut sql, params, "m.severity")?;
        self.page_of(
            sql,
            params,
            &[
                ("severity", "m.severity", true),
                ("resource", "m.resource", false),
                ("check", "m.check_id", false),
                ("namespace", "m.namespace", false),
            ],
            "m.id",
            10,
            |row| {
                Ok(MisconfigurationRow {
                    id: get_i64(row, 0)?,
                    cluster: get_text(row, 1)?,
                    namespace: get_text(row, 2)?,
                    resource: get_text(row, 3)?,
                    check_id: get_text(row, 4)?,
                    severity: severity_name(get_i64(row, 5)?).to_owned(),
                    title: get_text(row, 6)?,
                    message: get_text(row, 7)?,
                    first_seen: get_i64(row, 8)?,
                    last_seen: get_i64(row, 9)?,
                })
            },
        )
        .await
    }

    /// One vulnerability's details, or `None`.
    pub async fn vulnerability(&self, name: &str) -> Result<Option<VulnerabilityDetail>, VmError> {
        let row = sqlx::query(
            "SELECT name, severity, title, description, refs, primary_url, aliases, cvss_score \
             FROM vulnerabilities WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let refs: Vec<String> = serde_json::from_str(&get_text(&row, 4)?).unwrap_or_default();
        let applications = sqlx::query(
            "SELECT DISTINCT c.name, n.name, a.name FROM findings f \
             JOIN application_images ai ON ai.image_id = f.image_id \
             JOIN applications a ON a.id = ai.application_id \
             JOIN namespaces n ON n.id = a.namespace_id JOIN clusters c ON c.id = n.cluster_id \
             JOIN vulnerabilities v ON v.id = f.vulnerability_id \
             WHERE v.name = $1 AND f.resolved_at IS NULL ORDER BY c.name, n.name, a.name",
        )
        .bind(name)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(PlacementRow {
                cluster: get_text(r, 0)?,
                namespace: get_text(r, 1)?,
                application: get_text(r, 2)?,
            })
        })
        .collect::<Result<_, VmError>>()?;
        Ok(Some(VulnerabilityDetail {
            id: get_text(&row, 0)?,
            severity: severity_name(get_i64(&row, 1)?).to_owned(),
            title: get_text(&row, 2)?,
            description: get_text(&row, 3)?,
            references: refs,
            primary_url: get_text(&row, 5)?,
            aliases: get_text(&row, 6)?
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            cvss_score: row.try_get::<Option<f64>, _>(7)?,
            applications,
        }))
    }

    /// The dashboard's figures.
    pub async fn dashboard(&self) -> Result<Dashboard, VmError> {
        // The images keep their open, undecided counts (see
        // `ingest::refresh_image_counts`): summing a thousand rows beats
        // counting two hundred thousand findings.
        let sums = sqlx::query(
            "SELECT CAST(SUM(critical) AS BIGINT), CAST(SUM(high) AS BIGINT), CAST(SUM(medium) AS BIGINT), CAST(SUM(low) AS BIGINT), CAST(SUM(unknown) AS BIGINT), \
             CAST(SUM(fixable_critical) AS BIGINT), CAST(SUM(fixable_high) AS BIGINT), CAST(SUM(fixable_medium) AS BIGINT), CAST(SUM(fixable_low) AS BIGINT), \
             CAST(SUM(fixable_unknown) AS BIGINT) FROM images",
        )
        .fetch_one(self.pool())
        .await?;
        let mut open = Counts {
            critical: get_i64(&sums, 0)?,
            high: get_i64(&sums, 1)?,
            medium: get_i64(&sums, 2)?,
            low: get_i64(&sums, 3)?,
            unknown: get_i64(&sums, 4)?,
            fixable: 0,
        };
        let mut fixable = Counts {
            critical: get_i64(&sums, 5)?,
            high: get_i64(&sums, 6)?,
            medium: get_i64(&sums, 7)?,
            low: get_i64(&sums, 8)?,
            unknown: get_i64(&sums, 9)?,
            fixable: 0,
        };
        fixable.fixable = fixable.total();
        open.fixable = fixable.total();
        let totals = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM clusters), (SELECT COUNT(*) FROM applications), \
             (SELECT COUNT(*) FROM images), (SELECT COUNT(*) FROM packages), \
             (SELECT COUNT(*) FROM vulnerabilities), (SELECT COUNT(*) FROM scans)",
        )
        .fetch_one(self.pool())
        .await?;
        let top = ListParams {
            per_page: "5".into(),
            ..ListParams::default()
        };
        let top_applications = self.applications(&top).await?.items;
        let top_images = self.images(&top).await?.items;
        let top_packages = self.top_packages().await?;
        let trend = self.trend(30).await?;
        Ok(Dashboard {
            open,
            fixable,
            clusters: get_i64(&totals, 0)?,
            applications: get_i64(&totals, 1)?,
            images: get_i64(&totals, 2)?,
            packages: get_i64(&totals, 3)?,
            vulnerabilities: get_i64(&totals, 4)?,
            scans: get_i64(&totals, 5)?,
            top_applications,
            top_images,
            top_packages,
            trend,
        })
    }

    /// The five packages with the worst open findings.
    async fn top_packages(&self) -> Result<Vec<TopPackage>, VmError> {
        // Aggregated on the covering index first, joined for the five.
        let mut sql = Sql::new(
            "SELECT p.name, p.version, p.purl, t.critical, t.high, t.medium, \
             t.low, t.unknown, t.fixable, t.images FROM (SELECT f.package_id AS package_id, ",
        );
        sql.push(
            "SUM(CASE WHEN f.severity = 4 THEN 1 ELSE 0 END) AS critical, \
             SUM(CASE WHEN f.severity = 3 THEN 1 ELSE 0 END) AS high, \
             SUM(CASE WHEN f.severity = 2 THEN 1 ELSE 0 END) AS medium, \
             SUM(CASE WHEN f.severity = 1 THEN 1 ELSE 0 END) AS low, \
             SUM(CASE WHEN f.severity = 0 THEN 1 ELSE 0 END) AS unknown, \
             SUM(CASE WHEN f.fixed_version <> '' THEN 1 ELSE 0 END) AS fixable, \
             COUNT(DISTINCT f.image_id) AS images, \
             SUM(CASE WHEN f.severity = 4 THEN 1000000000 WHEN f.severity = 3 THEN 1000000 \
             WHEN f.severity = 2 THEN 1000 WHEN f.severity = 1 THEN 1 ELSE 0 END) AS risk \
             FROM findings f WHERE f.resolved_at IS NULL AND f.decision IS NULL \
             GROUP BY f.package_id ORDER BY risk DESC, f.package_id LIMIT 5) t \
             JOIN packages p ON p.id = t.package_id ORDER BY t.risk DESC, p.id",
        );
        sql.fetch(self)
            .await?
            .iter()
            .map(|row| {
                Ok(TopPackage {
                    name: get_text(row, 0)?,
                    version: get_text(row, 1)?,
                    purl: get_text(row, 2)?,
                    counts: Counts::read(row, 3)?,
                    images: get_i64(row, 9)?,
                })
            })
            .collect()
    }

    /// Open findings by severity after each of the last `points` scans
    /// that changed them (the scans' deltas summed from the first).
    pub async fn trend(&self, points: usize) -> Result<Vec<TrendPoint>, VmError> {
        let rows = sqlx::query(
            "SELECT id, COALESCE(finished_at, started_at), delta_critical, delta_high, \
             delta_medium, delta_low, delta_unknown FROM scans WHERE kind <> 'misconfiguration' \
             ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        let mut running = Counts::default();
        let mut trend = Vec::with_capacity(rows.len());
        for row in &rows {
            running.critical += get_i64(row, 2)?;
            running.high += get_i64(row, 3)?;
            running.medium += get_i64(row, 4)?;
            running.low += get_i64(row, 5)?;
            running.unknown += get_i64(row, 6)?;
            trend.push(TrendPoint {
                scan_id: get_i64(row, 0)?,
                at: get_i64(row, 1)?,
                counts: running.clone(),
            });
        }
        let skip = trend.len().saturating_sub(points);
        Ok(trend.split_off(skip))
    }
}

/// Where a vulnerability runs.
#[derive(Debug, Clone, Serialize)]
pub struct PlacementRow {
    /// Cluster.
    pub cluster: String,
    /// Namespace.
    pub namespace: String,
    /// Application.
    pub application: String,
}

/// A vulnerability's page.
#[derive(Debug, Clone, Serialize)]
pub struct VulnerabilityDetail {
    /// ID.
    pub id: String,
    /// Severity.
    pub severity: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// References.
    pub references: Vec<String>,
    /// The page to read first.
    pub primary_url: String,
    /// Other IDs.
    pub aliases: Vec<String>,
    /// CVSS base score.
    pub cvss_score: Option<f64>,
    /// The applications running an affected image.
    pub applications: Vec<PlacementRow>,
}

/// A package on the dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct TopPackage {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// purl.
    pub purl: String,
    /// Open findings.
    pub counts: Counts,
    /// Images holding it.
    pub images: i64,
}

/// Open findings after a scan.
#[derive(Debug, Clone, Serialize)]
pub struct TrendPoint {
    /// The scan.
    pub scan_id: i64,
    /// When it finished.
    pub at: i64,
    /// Open findings then (accepted ones included).
    pub counts: Counts,
}

/// The dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    /// Open, undecided findings by severity.
    pub open: Counts,
    /// Of those, the ones with a fix, by severity.
    pub fixable: Counts,
    /// Clusters.
    pub clusters: i64,
    /// Applications.
    pub applications: i64,
    /// Images.
    pub images: i64,
    /// Packages.
    pub packages: i64,
    /// Vulnerabilities known.
    pub vulnerabilities: i64,
    /// Scans.
    pub scans: i64,
    /// The five applications with the worst findings.
    pub top_applications: Vec<ApplicationRow>,
    /// The five images with the worst findings.
    pub top_images: Vec<ImageRow>,
    /// The five packages with the worst findings.
    pub top_packages: Vec<TopPackage>,
    /// Open findings over the last scans.
    pub trend: Vec<TrendPoint>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_in_the_search_text_are_literal() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(like_pattern(" OpenSSL "), "%openssl%");
    }

    #[test]
    fn unknown_sort_keys_and_severities_are_refused() {
        let params = ListParams {
            sort: "name; DROP TABLE images".into(),
            ..ListParams::default()
        };
        let mut sql = Sql::new("SELECT 1");
        let error = order_and_page(&mut sql, &params, &[("name", "i.name", false)], "i.id")
            .expect_err("refused");
        assert!(error.to_string().contains("use one of name"), "{error}");
        let params = ListParams {
            severity: "HIGH' OR 1=1 --".into(),
            ..ListParams::default()
        };
        assert!(params.severities().is_err());
    }

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut sql = Sql::new("SELECT * FROM t WHERE 1 = 1");
        search(&mut sql, "x", &["a", "b"]);
        sql.push(" AND c = ").bind_int(3);
        assert_eq!(
            sql.text,
            "SELECT * FROM t WHERE 1 = 1 AND (LOWER(a) LIKE $1 ESCAPE '\\' OR LOWER(b) LIKE $2 ESCAPE '\\') AND c = $3"
        );
        assert_eq!(sql.args.len(), 3);
    }

    #[test]
    fn query_strings_round_trip_and_sorting_flips() {
        let params = ListParams {
            q: "a b&c".into(),
            sort: "name".into(),
            ..ListParams::default()
        };
        assert_eq!(params.query_string(), "q=a%20b%26c&sort=name");
        assert_eq!(
            params.with("sort", "name"),
            "q=a%20b%26c&sort=name&order=asc"
        );
        assert_eq!(
            params.with("format", "csv"),
            "q=a%20b%26c&sort=name&format=csv"
        );
    }
}
