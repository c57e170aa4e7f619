//! The REST API under `/api/v1` and its OpenAPI document
//! (`/api/openapi.json`). Reads are open; writes need a bearer token from
//! the token file and are refused outright under `--read-only`.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Serialize;
use serde_json::json;

use crate::vm::VmError;
use crate::vm::decision::DecisionRequest;
use crate::vm::query::{ListParams, Page};
use crate::vm::upload::{ImageScanUpload, MisconfigurationUpload};
use crate::vm::web::{VmState, csv_response, public_message, status_of};

/// The API's routes.
pub fn routes() -> Router<Arc<VmState>> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/dashboard", get(dashboard))
        .route("/api/v1/applications", get(applications))
        .route("/api/v1/images", get(images))
        .route("/api/v1/packages", get(packages))
        .route("/api/v1/vulnerabilities", get(vulnerabilities))
        .route("/api/v1/vulnerabilities/{id}", get(vulnerability))
        .route("/api/v1/findings", get(findings))
        .route("/api/v1/misconfigurations", get(misconfigurations))
        .route("/api/v1/scans", get(scans).post(start_scan))
        .route("/api/v1/vex", get(vex))
        .route("/api/v1/uploads/image-scan", post(upload_image_scan))
        .route(
            "/api/v1/uploads/misconfigurations",
            post(upload_misconfigurations),
        )
        .route(
            "/api/v1/findings/{id}/decision",
            put(decide).delete(undecide),
        )
}

/// An API error: `{"error": "..."}` with the matching status.
pub struct ApiError(StatusCode, String);

impl From<VmError> for ApiError {
    fn from(error: VmError) -> Self {
        ApiError(status_of(&error), public_message(&error))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, axum::Json(json!({"error": self.1}))).into_response()
    }
}

fn list<T: Serialize + crate::vm::csv::CsvRow>(
    name: &str,
    params: &ListParams,
    page: Page<T>,
) -> Result<Response, ApiError> {
    match params.format.as_str() {
        "csv" => Ok(csv_response(name, &page.items)),
        "" | "json" => Ok(axum::Json(page).into_response()),
        other => Err(ApiError(
            StatusCode::BAD_REQUEST,
            format!("format={other:?}: use csv or json"),
        )),
    }
}

macro_rules! list_handler {
    ($name:ident, $method:ident, $path:literal) => {
        async fn $name(
            State(state): State<Arc<VmState>>,
            Query(params): Query<ListParams>,
        ) -> Result<Response, ApiError> {
            let page = state.db.$method(&params).await?;
            list($path, &params, page)
        }
    };
}

list_handler!(applications, applications, "applications");
list_handler!(images, images, "images");
list_handler!(packages, packages, "packages");
list_handler!(vulnerabilities, vulnerabilities, "vulnerabilities");
list_handler!(findings, findings, "findings");
list_handler!(misconfigurations, misconfigurations, "misconfigurations");
list_handler!(scans, scans, "scans");

async fn dashboard(State(state): State<Arc<VmState>>) -> Result<Response, ApiError> {
    Ok(axum::Json(state.db.dashboard().await?).into_response())
}

async fn vulnerability(
    State(state): State<Arc<VmState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let detail = state
        .db
        .vulnerability(&id)
        .await?
        .ok_or_else(|| VmError::NotFound(format!("vulnerability {id}")))?;
    let findings = state
        .db
        .findings(&ListParams {
            vulnerability: id,
            status: "unresolved".into(),
            per_page: "500".into(),
            ..ListParams::default()
        })
        .await?;
    Ok(axum::Json(json!({"vulnerability": detail, "findings": findings.items})).into_response())
}

async fn vex(State(state): State<Arc<VmState>>, headers: HeaderMap) -> Result<Response, ApiError> {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("kensa");
    let document = state.db.openvex(&format!("http://{host}")).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        serde_json::to_string_pretty(&document).unwrap_or_default(),
    )
        .into_response())
}

/// Refuses a write that is not allowed: read-only servers take none,
/// others need a listed bearer token.
fn authorize(state: &VmState, headers: &HeaderMap) -> Result<(), ApiError> {
    if state.read_only {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            "this server is read-only".into(),
        ));
    }
    if !state.tokens.allows(headers) {
        return Err(ApiError(
            StatusCode::UNAUTHORIZED,
            "a valid bearer token is required (Authorization: Bearer TOKEN)".into(),
        ));
    }
    Ok(())
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|error| {
        ApiError(
            StatusCode::BAD_REQUEST,
            format!(
                "the body is not a valid upload: {error} (line {}, column {})",
                error.line(),
                error.column()
            ),
        )
    })
}

async fn upload_image_scan(
    State(state): State<Arc<VmState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    if let Err(error) = authorize(&state, &headers) {
        state.metrics.upload("image_scan", "unauthorized", None);
        return Err(error);
    }
    let upload: ImageScanUpload = parse_body(&body).inspect_err(|_| {
        state.metrics.upload("image_scan", "invalid", None);
    })?;
    let started = Instant::now();
    let result = state.db.ingest_image_scan(&upload, "upload").await;
    match result {
        Ok(summary) => {
            state
                .metrics
                .upload("image_scan", "ok", Some(started.elapsed()));
            Ok((StatusCode::CREATED, axum::Json(summary)).into_response())
        }
        Err(error) => {
            let label = if matches!(error, VmError::Invalid(_)) {
                "invalid"
            } else {
                (state.log)(format!("ingesting {}: {error}", upload.image.name));
                "error"
            };
            state.metrics.upload("image_scan", label, None);
            Err(error.into())
        }
    }
}

async fn upload_misconfigurations(
    State(state): State<Arc<VmState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    if let Err(error) = authorize(&state, &headers) {
        state
            .metrics
            .upload("misconfigurations", "unauthorized", None);
        return Err(error);
    }
    let upload: MisconfigurationUpload = parse_body(&body).inspect_err(|_| {
        state.metrics.upload("misconfigurations", "invalid", None);
    })?;
    let started = Instant::now();
    let result = state.db.ingest_misconfigurations(&upload).await;
    let summary = result.inspect_err(|error| {
        if !matches!(error, VmError::Invalid(_)) {
            (state.log)(format!("ingesting misconfigurations: {error}"));
        }
        state.metrics.upload("misconfigurations", "error", None);
    })?;
    state
        .metrics
        .upload("misconfigurations", "ok", Some(started.elapsed()));
    Ok((StatusCode::CREATED, axum::Json(summary)).into_response())
}

async fn decide(
    State(state): State<Arc<VmState>>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    authorize(&state, &headers)?;
    let request: DecisionRequest = parse_body(&body)?;
    state.db.decide(id, &request, "api").await?;
    state.metrics.decision(&request.kind);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn undecide(
    State(state): State<Arc<VmState>>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&state, &headers)?;
    state.db.undecide(id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn start_scan(
    State(state): State<Arc<VmState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&state, &headers)?;
    let id = state.start_scan().await?;
    Ok((StatusCode::ACCEPTED, axum::Json(json!({"scan_id": id}))).into_response())
}

async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        include_str!("../../openapi.json"),
    )
        .into_response()
}
