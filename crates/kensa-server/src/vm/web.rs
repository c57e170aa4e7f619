//! The server: shared state, the router, the security headers, and the
//! HTML pages (askama templates under `templates/`, rendered on the
//! server; the little JavaScript there only submits filter forms on
//! change and refreshes running scans, and every page reads without it).

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::vm::csv::{self, CsvRow};
use crate::vm::decision::{DecisionRequest, date, parse_date_end_of_day, rfc3339};
use crate::vm::metrics::VmMetrics;
use crate::vm::query::{Counts, Dashboard, FindingRow, ListParams, Page, percent_encode};
use crate::vm::runtime_scan::RuntimeScanOptions;
use crate::vm::security::{self, CONTENT_SECURITY_POLICY, Csrf, Tokens};
use crate::vm::{Db, VmError, api};

/// Where the server's own cluster scans get their images.
#[derive(Debug, Clone)]
pub enum ScanSource {
    /// A `kubectl get pods,... -A -o json` file, re-read at every scan.
    Snapshot(std::path::PathBuf),
    /// The cluster of a kubeconfig context (or in-cluster), through kube-rs.
    Cluster(Option<String>),
}

/// How the server scans clusters itself.
#[derive(Clone)]
pub struct Scanner {
    /// Where the images come from.
    pub source: ScanSource,
    /// The cluster's name in the inventory.
    pub cluster: String,
    /// Concurrency, timeouts, registry access, the vulnerability database.
    pub options: RuntimeScanOptions,
}

/// What the handlers share.
pub struct VmState {
    /// The inventory.
    pub db: Db,
    /// The tokens allowed to write through the API.
    pub tokens: Tokens,
    /// No writes at all.
    pub read_only: bool,
    /// CSRF tokens of the UI's forms.
    pub csrf: Csrf,
    /// Prometheus metrics.
    pub metrics: VmMetrics,
    /// The server's own scans, when configured.
    pub scanner: Option<Scanner>,
    /// Logs a line (never with a token in it).
    pub log: Arc<dyn Fn(String) + Send + Sync>,
}

impl VmState {
    /// The state for a database; logs go to stderr.
    pub fn new(
        db: Db,
        tokens: Tokens,
        read_only: bool,
        scanner: Option<Scanner>,
    ) -> Result<VmState, VmError> {
        Ok(VmState {
            db,
            tokens,
            read_only,
            csrf: Csrf::new()?,
            metrics: VmMetrics::new(),
            scanner,
            log: Arc::new(|line: String| eprintln!("kensa serve: {line}")),
        })
    }

    /// Starts a runtime scan now; the scan's ID.
    pub async fn start_scan(&self) -> Result<i64, VmError> {
        let Some(scanner) = &self.scanner else {
            return Err(VmError::Invalid(
                "this server has no cluster to scan (start it with --scan-snapshot or --scan-cluster)"
                    .into(),
            ));
        };
        let listed = self.list_images(scanner).await;
        let uses = match listed {
            Ok(uses) => uses,
            Err(error) => {
                // Shown on the Scans page, not only in the log.
                let message = error.to_string();
                self.db
                    .record_failed_runtime_scan(&scanner.cluster, &message)
                    .await?;
                return Err(error);
            }
        };
        let id = crate::vm::runtime_scan::start(
            self.db.clone(),
            uses,
            scanner.options.clone(),
            scanner.cluster.clone(),
        )
        .await?;
        (self.log)(format!(
            "runtime scan {id} of cluster {} started",
            scanner.cluster
        ));
        Ok(id)
    }

    /// The images running in the scanned cluster, now.
    async fn list_images(
        &self,
        scanner: &Scanner,
    ) -> Result<Vec<crate::vm::runtime_scan::ImageUse>, VmError> {
        Ok(match &scanner.source {
            ScanSource::Snapshot(path) => images_in_snapshot(path, &scanner.cluster)?,
            #[cfg(feature = "cluster")]
            ScanSource::Cluster(context) => {
                crate::vm::runtime_scan::images_from_cluster(context.as_deref(), &scanner.cluster)
                    .await?
            }
            #[cfg(not(feature = "cluster"))]
            ScanSource::Cluster(_) => {
                return Err(VmError::Invalid(
                    "this build cannot reach a cluster (feature `cluster`)".into(),
                ));
            }
        })
    }
}

/// The images of a snapshot file; errors name the file.
pub fn images_in_snapshot(
    path: &std::path::Path,
    cluster: &str,
) -> Result<Vec<crate::vm::runtime_scan::ImageUse>, VmError> {
    let bytes = std::fs::read(path).map_err(|source| VmError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    crate::vm::runtime_scan::images_from_snapshot(&bytes, cluster).map_err(|error| match error {
        VmError::Invalid(message) => VmError::Invalid(format!("{}: {message}", path.display())),
        other => other,
    })
}

/// The whole server: pages, API, health and metrics.
pub fn router(state: Arc<VmState>) -> Router {
    Router::new()
        .route("/", get(dashboard))
        .route("/applications", get(applications))
        .route("/images", get(images))
        .route("/images/{id}", get(image))
        .route("/packages", get(packages))
        .route("/vulnerabilities", get(vulnerabilities))
        .route("/vulnerabilities/{id}", get(vulnerability))
        .route("/findings", get(findings))
        .route("/scans", get(scans).post(scan_now))
        .route("/misconfigurations", get(misconfigurations))
        .route("/findings/{id}/decision", post(decide))
        .route("/findings/{id}/decision/delete", post(undecide))
        .route("/static/kensa.css", get(stylesheet))
        .route("/static/kensa.js", get(script))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .merge(api::routes())
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            headers_and_log,
        ))
        .with_state(state)
}

/// Adds the security headers to every answer, counts and logs requests
/// (method, path without the query, status, time; never a header).
async fn headers_and_log(
    State(state): State<Arc<VmState>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // Server time, for the browser's devtools and the benchmarks.
    if let Ok(value) = HeaderValue::from_str(&format!(
        "app;dur={:.2}",
        started.elapsed().as_secs_f64() * 1000.0
    )) {
        headers.insert("server-timing", value);
    }
    let status = response.status();
    state
        .metrics
        .observe_request(method.as_str(), status.as_u16(), started.elapsed());
    if status.is_server_error()
        || status == StatusCode::UNAUTHORIZED
        || status == StatusCode::FORBIDDEN
    {
        (state.log)(format!(
            "{method} {path} {} in {} ms",
            status.as_u16(),
            started.elapsed().as_millis()
        ));
    }
    response
}

/// An error as the UI shows it.
pub struct PageError(pub VmError);

impl From<VmError> for PageError {
    fn from(error: VmError) -> Self {
        PageError(error)
    }
}

/// The status an error answers with.
pub fn status_of(error: &VmError) -> StatusCode {
    match error {
        VmError::Invalid(_) => StatusCode::BAD_REQUEST,
        VmError::NotFound(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The message shown for an error: database details stay in the log.
pub fn public_message(error: &VmError) -> String {
    match error {
        VmError::Invalid(_) | VmError::NotFound(_) => error.to_string(),
        _ => "internal error (see the server's log)".to_owned(),
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        let page = ErrorPage {
            nav: "",
            status: status.as_u16(),
            message: public_message(&self.0),
        };
        (status, Html(page.render().unwrap_or_default())).into_response()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    nav: &'static str,
    status: u16,
    message: String,
}

/// A cell of a list table.
pub struct Cell {
    text: String,
    href: Option<String>,
    class: &'static str,
}

fn cell(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        href: None,
        class: "",
    }
}

fn link(text: impl Into<String>, href: String, class: &'static str) -> Cell {
    Cell {
        text: text.into(),
        href: Some(href),
        class,
    }
}

fn number(value: i64) -> Cell {
    Cell {
        text: value.to_string(),
        href: None,
        class: if value == 0 { "num zero" } else { "num" },
    }
}

fn severity(name: &str) -> Cell {
    Cell {
        text: name.to_owned(),
        href: None,
        class: match name {
            "CRITICAL" => "sev sev-critical",
            "HIGH" => "sev sev-high",
            "MEDIUM" => "sev sev-medium",
            "LOW" => "sev sev-low",
            _ => "sev sev-unknown",
        },
    }
}

fn count_cells(counts: &Counts) -> [Cell; 5] {
    [
        count(counts.critical, "sev-critical"),
        count(counts.high, "sev-high"),
        count(counts.medium, "sev-medium"),
        count(counts.low, "sev-low"),
        number(counts.fixable),
    ]
}

fn count(value: i64, class: &'static str) -> Cell {
    Cell {
        text: value.to_string(),
        href: None,
        class: if value == 0 { "num zero" } else { class },
    }
}

/// A column: its label and, when sortable, its sort key.
pub struct Column {
    label: &'static str,
    sort: &'static str,
}

const fn column(label: &'static str, sort: &'static str) -> Column {
    Column { label, sort }
}

const COUNT_COLUMNS: [Column; 5] = [
    column("Critical", "critical"),
    column("High", "high"),
    column("Medium", ""),
    column("Low", ""),
    column("Fixable", "fixable"),
];

/// Which filters a list's form shows.
#[derive(Default)]
struct Filters {
    severity: bool,
    fixable: bool,
    status: bool,
    placement: bool,
    package_type: bool,
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    nav: &'static str,
    title: &'static str,
    path: &'static str,
    params: ListParams,
    filters: Filters,
    columns: Vec<Column>,
    rows: Vec<Vec<Cell>>,
    total: i64,
    page: i64,
    pages: i64,
    has_next: bool,
    notice: String,
    scan_button: Option<String>,
}

impl ListPage {
    fn sort_link(&self, key: &str) -> String {
        format!("{}?{}", self.path, self.params.with("sort", key))
    }

    fn sort_mark(&self, key: &str) -> &'static str {
        if self.params.sort != key {
            ""
        } else if self.params.order == "asc" {
            " ▲"
        } else {
            " ▼"
        }
    }

    fn page_link(&self, page: i64) -> String {
        format!(
            "{}?{}",
            self.path,
            self.params.with("page", &page.to_string())
        )
    }

    fn export_link(&self, format: &str) -> String {
        format!("{}?{}", self.path, self.params.with("format", format))
    }

    fn selected(&self, value: &str) -> bool {
        self.params.severity.eq_ignore_ascii_case(value)
    }
}

/// A list rendered as a page, CSV or JSON, as `?format=` asks.
fn list_response<T: CsvRow + serde::Serialize>(
    page: Page<T>,
    params: ListParams,
    spec: ListSpec,
    rows: impl Fn(&T) -> Vec<Cell>,
) -> Result<Response, PageError> {
    match params.format.as_str() {
        "csv" => Ok(csv_response(spec.path, &page.items)),
        "json" => Ok(axum::Json(page).into_response()),
        "" => {
            let list = ListPage {
                nav: spec.path,
                title: spec.title,
                path: spec.path,
                filters: spec.filters,
                columns: spec.columns,
                rows: page.items.iter().map(rows).collect(),
                total: page.total,
                page: page.page,
                pages: page.pages(),
                has_next: page.has_next(),
                params,
                notice: spec.notice,
                scan_button: spec.scan_button,
            };
            Ok(Html(list.render().map_err(|e| VmError::Invalid(e.to_string()))?).into_response())
        }
        other => Err(PageError(VmError::Invalid(format!(
            "format={other:?}: use csv or json"
        )))),
    }
}

/// A CSV download.
pub fn csv_response<T: CsvRow>(name: &str, rows: &[T]) -> Response {
    let file = format!(
        "attachment; filename=\"kensa-{}.csv\"",
        name.trim_start_matches('/')
    );
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&file).unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        csv::render(rows),
    )
        .into_response()
}

struct ListSpec {
    path: &'static str,
    title: &'static str,
    filters: Filters,
    columns: Vec<Column>,
    notice: String,
    scan_button: Option<String>,
}

fn with_counts(mut columns: Vec<Column>) -> Vec<Column> {
    columns.extend(COUNT_COLUMNS);
    columns
}

fn time_cell(seconds: i64) -> Cell {
    cell(if seconds == 0 {
        String::new()
    } else {
        rfc3339(seconds).replace('T', " ").replace('Z', "")
    })
}

async fn applications(
    State(state): State<Arc<VmState>>,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    let page = state.db.applications(&params).await?;
    let spec = ListSpec {
        path: "/applications",
        title: "Applications",
        filters: Filters {
            placement: true,
            ..Filters::default()
        },
        columns: with_counts(vec![
            column("Application", "name"),
            column("Kind", ""),
            column("Namespace", "namespace"),
            column("Cluster", "cluster"),
            column("Images", "images"),
        ]),
        notice: String::new(),
        scan_button: None,
    };
    list_response(page, params, spec, |row| {
        let scope = format!(
            "cluster={}&namespace={}&application={}",
            percent_encode(&row.cluster),
            percent_encode(&row.namespace),
            percent_encode(&row.name)
        );
        let mut cells = vec![
            link(&row.name, format!("/vulnerabilities?{scope}"), "app"),
            cell(&row.kind),
            cell(&row.namespace),
            cell(&row.cluster),
            link(row.images.to_string(), format!("/images?{scope}"), "num"),
        ];
        cells.extend(count_cells(&row.counts));
        cells
    })
}

async fn images(
    State(state): State<Arc<VmState>>,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    let page = state.db.images(&params).await?;
    let spec = ListSpec {
        path: "/images",
        title: "Images",
        filters: Filters {
            severity: true,
            fixable: true,
            placement: true,
            ..Filters::default()
        },
        columns: with_counts(vec![
            column("Image", "name"),
            column("OS", ""),
            column("Packages", "packages"),
            column("Applications", ""),
            column("Last scanned", "last_scanned"),
        ]),
        notice: String::new(),
        scan_button: None,
    };
    list_response(page, params, spec, |row| {
        let mut cells = vec![
            link(&row.name, format!("/images/{}", row.id), "image"),
            cell(&row.os),
            link(
                row.packages.to_string(),
                format!("/packages?image={}", percent_encode(&row.digest)),
                "num",
            ),
            number(row.applications),
            time_cell(row.last_scanned),
        ];
        cells.extend(count_cells(&row.counts));
        cells
    })
}

async fn packages(
    State(state): State<Arc<VmState>>,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    let page = state.db.packages(&params).await?;
    let spec = ListSpec {
        path: "/packages",
        title: "Packages",
        filters: Filters {
            severity: true,
            fixable: true,
            status: true,
            placement: true,
            package_type: true,
        },
        columns: with_counts(vec![
            column("Package", "name"),
            column("Version", ""),
            column("Type", "type"),
            column("Images", "images"),
        ]),
        notice: String::new(),
        scan_button: None,
    };
    list_response(page, params, spec, |row| {
        let mut cells = vec![
            link(
                &row.name,
                format!("/vulnerabilities?package={}", percent_encode(&row.purl)),
                "package",
            ),
            cell(&row.version),
            cell(&row.ptype),
            link(
                row.images.to_string(),
                format!("/images?package={}", percent_encode(&row.purl)),
                "num",
            ),
        ];
        cells.extend(count_cells(&row.counts));
        cells
    })
}

async fn vulnerabilities(
    State(state): State<Arc<VmState>>,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    let page = state.db.vulnerabilities(&params).await?;
    let spec = ListSpec {
        path: "/vulnerabilities",
        title: "Vulnerabilities",
        filters: Filters {
            severity: true,
            fixable: true,
            status: true,
            placement: true,
            package_type: false,
        },
        columns: vec![
            column("Vulnerability", "id"),
            column("Severity", "severity"),
            column("CVSS", "score"),
            column("Title", ""),
            column("Images", "images"),
            column("Packages", "packages"),
            column("Fixable", "fixable"),
            column("Fixed version", ""),
            column("First seen", "first_seen"),
        ],
        notice: String::new(),
        scan_button: None,
    };
    list_response(page, params, spec, |row| {
        vec![
            link(
                &row.id,
                format!("/vulnerabilities/{}", percent_encode(&row.id)),
                "vuln",
            ),
            severity(&row.severity),
            cell(
                row.cvss_score
                    .map(|s| format!("{s:.1}"))
                    .unwrap_or_default(),
            ),
            cell(truncate(&row.title, 90)),
            link(
                row.images.to_string(),
                format!("/images?vulnerability={}", percent_encode(&row.id)),
                "num",
            ),
            number(row.packages),
            number(row.fixable),
            cell(&row.fixed_version),
            time_cell(row.first_seen),
        ]
    })
}

async fn findings(
    State(state): State<Arc<VmState>>,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    let page = state.db.findings(&params).await?;
    let spec = ListSpec {
        path: "/findings",
        title: "Findings",
        filters: Filters {
            severity: true,
            fixable: true,
            status: true,
            placement: true,
            package_type: false,
        },
        columns: vec![
            column("Vulnerability", "vulnerability"),
            column("Severity", "severity"),
            column("Image", "image"),
            column("Package", "package"),
            column("Installed", ""),
            column("Fixed", ""),
            column("Status", ""),
            column("Decision", ""),
            column("First seen", "first_seen"),
        ],
        notice: String::new(),
        scan_button: None,
    };
    list_response(page, params, spec, |row| {
        vec![
            link(
                &row.vulnerability,
                format!("/vulnerabilities/{}", percent_encode(&row.vulnerability)),
                "vuln",
            ),
            severity(&row.severity),
            cell(&row.image),
            cell(format!("{} {}", row.package, row.installed_version)),
            cell(&row.installed_version),
            cell(&row.fixed_version),
            cell(&row.fix_state),
            cell(row.decision.clone().unwrap_or_default()),
            time_cell(row.first_seen),
        ]
    })
}

async fn scans(
    State(state): State<Arc<VmState>>,
    Query(params): Query<ListParams>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let page = state.db.scans(&params).await?;
    let running = page.items.iter().any(|s| s.status == "running");
    let (cookie, new_cookie) = browser_cookie(&headers);
    let scan_button =
        (state.scanner.is_some() && !state.read_only).then(|| state.csrf.token_for(&cookie));
    let spec = ListSpec {
        path: "/scans",
        title: "Scans",
        filters: Filters::default(),
        columns: vec![
            column("Scan", "started_at"),
            column("Kind", "kind"),
            column("Status", "status"),
            column("Cluster", ""),
            column("Started", ""),
            column("Finished", ""),
            column("Progress", ""),
            column("Failed", ""),
            column("New findings", "new_findings"),
            column("Resolved", ""),
            column("Error", ""),
        ],
        notice: if running {
            "A scan is running; this page refreshes itself.".into()
        } else {
            String::new()
        },
        scan_button,
    };
    let response = list_response(page, params, spec, |row| {
        vec![
            cell(format!("#{}", row.id)),
            cell(&row.kind),
            Cell {
                text: row.status.clone(),
                href: None,
                class: match row.status.as_str() {
                    "running" => "status running",
                    "failed" => "status failed",
                    "partial" => "status partial",
                    _ => "status",
                },
            },
            cell(&row.cluster),
            time_cell(row.started_at),
            time_cell(row.finished_at.unwrap_or(0)),
            cell(format!(
                "{}/{}",
                row.images_done + row.images_failed,
                row.images_total
            )),
            number(row.images_failed),
            number(row.new_findings),
            number(row.resolved_findings),
            cell(truncate(&row.error, 120)),
        ]
    })?;
    Ok(with_cookie(response, &cookie, new_cookie))
}

async fn misconfigurations(
    State(state): State<Arc<VmState>>,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    let page = state.db.misconfigurations(&params).await?;
    let spec = ListSpec {
        path: "/misconfigurations",
        title: "Misconfigurations",
        filters: Filters {
            severity: true,
            placement: true,
            ..Filters::default()
        },
        columns: vec![
            column("Check", "check"),
            column("Severity", "severity"),
            column("Resource", "resource"),
            column("Namespace", "namespace"),
            column("Cluster", ""),
            column("Title", ""),
            column("Message", ""),
            column("First seen", ""),
        ],
        notice: String::new(),
        scan_button: None,
    };
    list_response(page, params, spec, |row| {
        vec![
            cell(&row.check_id),
            severity(&row.severity),
            cell(&row.resource),
            cell(&row.namespace),
            cell(&row.cluster),
            cell(&row.title),
            cell(truncate(&row.message, 120)),
            time_cell(row.first_seen),
        ]
    })
}

fn truncate(text: &str, limit: usize) -> String {
    if text.chars().count() > limit {
        format!("{}…", text.chars().take(limit - 1).collect::<String>())
    } else {
        text.to_owned()
    }
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    nav: &'static str,
    dashboard: Dashboard,
    severities: Vec<SeverityTile>,
    trend_svg: String,
}

struct SeverityTile {
    name: &'static str,
    class: &'static str,
    open: i64,
    fixable: i64,
}

impl DashboardPage {
    fn enc(&self, text: &str) -> String {
        percent_encode(text)
    }
}

async fn dashboard(State(state): State<Arc<VmState>>) -> Result<Response, PageError> {
    let dashboard = state.db.dashboard().await?;
    let tile = |name, class, open, fixable| SeverityTile {
        name,
        class,
        open,
        fixable,
    };
    let severities = vec![
        tile(
            "CRITICAL",
            "sev-critical",
            dashboard.open.critical,
            dashboard.fixable.critical,
        ),
        tile(
            "HIGH",
            "sev-high",
            dashboard.open.high,
            dashboard.fixable.high,
        ),
        tile(
            "MEDIUM",
            "sev-medium",
            dashboard.open.medium,
            dashboard.fixable.medium,
        ),
        tile("LOW", "sev-low", dashboard.open.low, dashboard.fixable.low),
        tile(
            "UNKNOWN",
            "sev-unknown",
            dashboard.open.unknown,
            dashboard.fixable.unknown,
        ),
    ];
    let trend_svg = trend_svg(&dashboard);
    let page = DashboardPage {
        nav: "/",
        dashboard,
        severities,
        trend_svg,
    };
    Ok(Html(page.render().map_err(|e| VmError::Invalid(e.to_string()))?).into_response())
}

/// The trend as stacked bars in inline SVG (numbers only, so it is safe
/// to insert unescaped; no script, no inline style).
fn trend_svg(dashboard: &Dashboard) -> String {
    let points = &dashboard.trend;
    if points.is_empty() {
        return String::new();
    }
    let (width, height) = (600.0_f64, 140.0_f64);
    let max = points
        .iter()
        .map(|p| p.counts.total())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = width / points.len() as f64;
    let bar = (slot * 0.8).max(1.0);
    let mut svg = format!(
        "<svg id=\"trend\" viewBox=\"0 0 {width} {}\" role=\"img\" aria-label=\"Open findings after each scan\">",
        height + 16.0
    );
    for (i, point) in points.iter().enumerate() {
        let x = i as f64 * slot + (slot - bar) / 2.0;
        let mut y = height;
        let layers = [
            (point.counts.low + point.counts.unknown, "sev-low"),
            (point.counts.medium, "sev-medium"),
            (point.counts.high, "sev-high"),
            (point.counts.critical, "sev-critical"),
        ];
        let _ = write!(
            svg,
            "<g><title>scan #{} ({}): {} critical, {} high, {} medium, {} low/unknown</title>",
            point.scan_id,
            date(point.at),
            point.counts.critical,
            point.counts.high,
            point.counts.medium,
            point.counts.low + point.counts.unknown
        );
        for (value, class) in layers {
            if value <= 0 {
                continue;
            }
            let h = value as f64 / max * height;
            y -= h;
            let _ = write!(
                svg,
                "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\"/>"
            );
        }
        svg.push_str("</g>");
    }
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"{}\">{}</text><text x=\"{width}\" y=\"{}\" text-anchor=\"end\">{}</text></svg>",
        height + 14.0,
        date(points[0].at),
        height + 14.0,
        date(points[points.len() - 1].at)
    );
    svg
}

#[derive(Template)]
#[template(path = "vulnerability.html")]
struct VulnerabilityPage {
    nav: &'static str,
    detail: crate::vm::query::VulnerabilityDetail,
    findings: Vec<FindingRow>,
    csrf: String,
    read_only: bool,
    return_to: String,
    images: Vec<(String, String)>,
}

impl VulnerabilityPage {
    fn enc(&self, text: &str) -> String {
        percent_encode(text)
    }

    fn expiry(&self, at: &Option<i64>) -> String {
        at.map(date).unwrap_or_default()
    }

    fn day(&self, at: &i64) -> String {
        date(*at)
    }

    fn is_safe_url(&self, url: &str) -> bool {
        url.starts_with("https://") || url.starts_with("http://")
    }
}

async fn vulnerability(
    State(state): State<Arc<VmState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let Some(detail) = state.db.vulnerability(&id).await? else {
        return Err(PageError(VmError::NotFound(format!("vulnerability {id}"))));
    };
    let params = ListParams {
        vulnerability: id.clone(),
        status: "unresolved".into(),
        per_page: "500".into(),
        sort: "image".into(),
        ..ListParams::default()
    };
    let findings = state.db.findings(&params).await?.items;
    let mut images: Vec<(String, String)> = findings
        .iter()
        .map(|f| (f.image.clone(), f.image_digest.clone()))
        .collect();
    images.sort();
    images.dedup();
    let (cookie, new_cookie) = browser_cookie(&headers);
    let page = VulnerabilityPage {
        nav: "/vulnerabilities",
        csrf: state.csrf.token_for(&cookie),
        read_only: state.read_only,
        return_to: format!("/vulnerabilities/{}", percent_encode(&id)),
        detail,
        findings,
        images,
    };
    let html = page.render().map_err(|e| VmError::Invalid(e.to_string()))?;
    Ok(with_cookie(Html(html).into_response(), &cookie, new_cookie))
}

#[derive(Template)]
#[template(path = "image.html")]
struct ImagePage {
    nav: &'static str,
    image: crate::vm::query::ImageRow,
    findings: Vec<FindingRow>,
    csrf: String,
    read_only: bool,
    return_to: String,
}

impl ImagePage {
    fn enc(&self, text: &str) -> String {
        percent_encode(text)
    }

    fn expiry(&self, at: &Option<i64>) -> String {
        at.map(date).unwrap_or_default()
    }

    fn day(&self, at: &i64) -> String {
        date(*at)
    }
}

async fn image(
    State(state): State<Arc<VmState>>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let digest: Option<String> = sqlx::query_scalar("SELECT digest FROM images WHERE id = $1")
        .bind(id)
        .fetch_optional(state.db.pool())
        .await
        .map_err(VmError::from)?;
    let Some(digest) = digest else {
        return Err(PageError(VmError::NotFound(format!("image {id}"))));
    };
    let params = ListParams {
        image: digest.clone(),
        ..ListParams::default()
    };
    let Some(image) = state.db.images(&params).await?.items.into_iter().next() else {
        return Err(PageError(VmError::NotFound(format!("image {id}"))));
    };
    let findings = state
        .db
        .findings(&ListParams {
            image: digest,
            status: "unresolved".into(),
            per_page: "500".into(),
            ..ListParams::default()
        })
        .await?
        .items;
    let (cookie, new_cookie) = browser_cookie(&headers);
    let page = ImagePage {
        nav: "/images",
        csrf: state.csrf.token_for(&cookie),
        read_only: state.read_only,
        return_to: format!("/images/{id}"),
        image,
        findings,
    };
    let html = page.render().map_err(|e| VmError::Invalid(e.to_string()))?;
    Ok(with_cookie(Html(html).into_response(), &cookie, new_cookie))
}

/// The browser's CSRF cookie, or a new one (and whether it is new).
fn browser_cookie(headers: &HeaderMap) -> (String, bool) {
    match security::csrf_cookie(headers) {
        Some(cookie) => (cookie, false),
        None => (
            security::random_token().unwrap_or_else(|_| "unavailable".into()),
            true,
        ),
    }
}

/// Sets the CSRF cookie the page's forms were signed for, when the
/// browser did not have one yet.
fn with_cookie(mut response: Response, cookie: &str, new: bool) -> Response {
    if new && let Some(value) = security::csrf_set_cookie(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
struct DecisionForm {
    kind: String,
    justification: String,
    #[serde(default)]
    expires: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    return_to: String,
}

/// Checks a form post: not read-only, same origin, a valid CSRF token.
fn check_form(
    state: &VmState,
    headers: &HeaderMap,
    token: &str,
) -> Result<(), (StatusCode, &'static str)> {
    if state.read_only {
        return Err((StatusCode::FORBIDDEN, "this server is read-only"));
    }
    if !security::same_origin(headers) {
        return Err((StatusCode::FORBIDDEN, "cross-site form posts are refused"));
    }
    let cookie = security::csrf_cookie(headers).unwrap_or_default();
    if !state.csrf.verify(&cookie, token) {
        return Err((
            StatusCode::FORBIDDEN,
            "the form's CSRF token is missing or stale; reload the page and try again",
        ));
    }
    Ok(())
}

/// Only local paths: an open redirect would let a link send users anywhere.
fn safe_return(path: &str, fallback: &str) -> String {
    if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') {
        path.to_owned()
    } else {
        fallback.to_owned()
    }
}

async fn decide(
    State(state): State<Arc<VmState>>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    if let Err(refused) = check_form(&state, &headers, &form.csrf) {
        return Ok(refused.into_response());
    }
    let expires_at = if form.expires.trim().is_empty() {
        None
    } else {
        Some(parse_date_end_of_day(&form.expires).ok_or_else(|| {
            VmError::Invalid(format!("expires={:?}: use YYYY-MM-DD", form.expires))
        })?)
    };
    let request = DecisionRequest {
        kind: form.kind,
        justification: form.justification,
        expires_at,
    };
    state.db.decide(id, &request, "web UI").await?;
    state.metrics.decision(&request.kind);
    Ok(Redirect::to(&safe_return(&form.return_to, "/vulnerabilities")).into_response())
}

#[derive(Deserialize)]
struct PlainForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    return_to: String,
}

async fn undecide(
    State(state): State<Arc<VmState>>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<PlainForm>,
) -> Result<Response, PageError> {
    if let Err(refused) = check_form(&state, &headers, &form.csrf) {
        return Ok(refused.into_response());
    }
    state.db.undecide(id).await?;
    Ok(Redirect::to(&safe_return(&form.return_to, "/vulnerabilities")).into_response())
}

async fn scan_now(
    State(state): State<Arc<VmState>>,
    headers: HeaderMap,
    Form(form): Form<PlainForm>,
) -> Result<Response, PageError> {
    if let Err(refused) = check_form(&state, &headers, &form.csrf) {
        return Ok(refused.into_response());
    }
    state.start_scan().await?;
    Ok(Redirect::to("/scans").into_response())
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/kensa.css"),
    )
        .into_response()
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/kensa.js"),
    )
        .into_response()
}

async fn healthz(State(state): State<Arc<VmState>>) -> Response {
    match state.db.applied_versions().await {
        Ok(versions) => axum::Json(serde_json::json!({
            "status": "ok",
            "database": state.db.dialect().as_str(),
            "schema_version": versions.last().copied().unwrap_or(0),
            "read_only": state.read_only,
        }))
        .into_response(),
        Err(error) => {
            (state.log)(format!("health check: {error}"));
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "database unavailable"})),
            )
                .into_response()
        }
    }
}

async fn metrics(State(state): State<Arc<VmState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
        .into_response()
}

/// How `kensa serve` runs the inventory server.
pub struct RunOptions {
    /// PEM certificate and key for HTTPS; plain HTTP without them.
    pub tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
    /// The largest request body (uploads of big images are tens of MB).
    pub body_limit: usize,
    /// How often the server scans its cluster; never when `None`.
    pub scan_interval: Option<std::time::Duration>,
    /// How long requests in flight may finish after a shutdown signal.
    pub shutdown_grace: std::time::Duration,
}

/// Serves the inventory on `listener` until `shutdown` completes. Also
/// runs the background work: expiring decisions every minute and, when
/// configured, the scheduled cluster scans.
pub async fn run(
    state: Arc<VmState>,
    listener: std::net::TcpListener,
    options: RunOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), crate::Error> {
    let address = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let serve_error = |source| crate::Error::Serve {
        address: address.clone(),
        source,
    };
    let sweeper = {
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                let result = state.db.expire_decisions().await;
                match result {
                    Ok(0) => {}
                    Ok(n) => (state.log)(format!(
                        "{n} decisions expired; their findings are open again"
                    )),
                    Err(error) => (state.log)(format!("expiring decisions: {error}")),
                }
            }
        })
    };
    let scheduler = options.scan_interval.map(|every| {
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if let Err(error) = state.start_scan().await {
                    (state.log)(format!("scheduled scan: {error}"));
                }
            }
        })
    });

    let app =
        router(Arc::clone(&state)).layer(axum::extract::DefaultBodyLimit::max(options.body_limit));
    let handle = axum_server::Handle::new();
    let stopping = handle.clone();
    let grace = options.shutdown_grace;
    let log = Arc::clone(&state.log);
    tokio::spawn(async move {
        shutdown.await;
        log(format!(
            "shutting down: finishing requests in flight (at most {grace:?})"
        ));
        stopping.graceful_shutdown(Some(grace));
    });
    listener.set_nonblocking(true).map_err(serve_error)?;
    let result = match &options.tls {
        Some((cert, key)) => {
            let config = crate::tls::load(cert, key).await?;
            axum_server::from_tcp_rustls(listener, config)
                .map_err(serve_error)?
                .handle(handle)
                .serve(app.into_make_service())
                .await
        }
        None => {
            axum_server::from_tcp(listener)
                .map_err(serve_error)?
                .handle(handle)
                .serve(app.into_make_service())
                .await
        }
    };
    sweeper.abort();
    if let Some(scheduler) = scheduler {
        scheduler.abort();
    }
    result.map_err(serve_error)
}
