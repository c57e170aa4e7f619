//! The HTTPS server: routes, limits, timeouts and graceful shutdown.
//!
//! - `POST /validate`: an `admission.k8s.io/v1` AdmissionReview in, the
//!   answer out (see [`crate::admission`] for what is answered how);
//! - `GET /healthz`: the process serves; `GET /readyz`: the cluster state is
//!   loaded and the server is not shutting down (a Service then stops
//!   sending reviews to a draining replica);
//! - `GET /metrics`: [`crate::metrics`].
//!
//! A slow or stuck client holds only its own connection: each connection is
//! its own task, headers must arrive within `header_timeout`, the TLS
//! handshake within 10 s, and the whole request within `request_timeout`
//! (answered 408). Bodies over `body_limit` are refused with 413 before they
//! are read in full.

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

use crate::admission::Reviewer;
use crate::metrics::{ErrorKind, Metrics};
use crate::state::Store;
use crate::{Error, tls};

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The PEM certificate chain.
    pub tls_cert: PathBuf,
    /// The PEM private key.
    pub tls_key: PathBuf,
    /// The largest request body accepted. The API server's own limit on a
    /// request is 3 MiB and a review carries the object twice on UPDATE.
    pub body_limit: usize,
    /// The most a whole request may take, body included.
    pub request_timeout: Duration,
    /// The most the request line and headers may take.
    pub header_timeout: Duration,
    /// How long reviews in flight may finish after a shutdown signal.
    pub shutdown_grace: Duration,
    /// How often the certificate and key are checked for changes.
    pub tls_poll: Duration,
}

impl ServeOptions {
    /// The defaults with this certificate and key.
    pub fn new(tls_cert: PathBuf, tls_key: PathBuf) -> Self {
        ServeOptions {
            tls_cert,
            tls_key,
            body_limit: 6 * 1024 * 1024,
            request_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(5),
            shutdown_grace: Duration::from_secs(20),
            tls_poll: Duration::from_secs(2),
        }
    }
}

/// What the handlers share.
pub struct App {
    reviewer: Reviewer,
    metrics: Arc<Metrics>,
    store: Arc<Store>,
    body_limit: usize,
    draining: AtomicBool,
}

impl App {
    /// An application over a reviewer and the store it reads.
    pub fn new(
        reviewer: Reviewer,
        store: Arc<Store>,
        metrics: Arc<Metrics>,
        body_limit: usize,
    ) -> Arc<Self> {
        Arc::new(App {
            reviewer,
            metrics,
            store,
            body_limit,
            draining: AtomicBool::new(false),
        })
    }
}

/// The routes, with the request timeouts.
pub fn router(app: Arc<App>, options: &ServeOptions) -> Router {
    Router::new()
        .route("/validate", post(validate))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(RequestBodyTimeoutLayer::new(options.request_timeout))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            options.request_timeout,
        ))
        .with_state(app)
}

fn text(status: StatusCode, message: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

async fn validate(State(app): State<Arc<App>>, request: Request) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let too_large = |app: &App| {
        app.metrics.error(ErrorKind::too_large);
        text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body larger than {} bytes\n", app.body_limit),
        )
    };
    if declared.is_some_and(|length| length > app.body_limit) {
        return too_large(&app);
    }
    let body = match Limited::new(request.into_body(), app.body_limit)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<LengthLimitError>() => return too_large(&app),
        Err(error) => {
            app.metrics.error(ErrorKind::malformed);
            return text(
                StatusCode::BAD_REQUEST,
                format!("reading the request body: {error}\n"),
            );
        }
    };
    let started = Instant::now();
    let reviewed = app.reviewer.review(&body);
    app.metrics.evaluated(started.elapsed().as_secs_f64());
    if let Some(kind) = reviewed.error {
        app.metrics.error(kind);
    }
    app.metrics
        .request(&reviewed.resource, &reviewed.operation, reviewed.decision);
    // Answered reviews are 200 and JSON; refusals are 400 and plain text.
    let content_type = if reviewed.status == 200 {
        "application/json"
    } else {
        "text/plain; charset=utf-8"
    };
    Response::builder()
        .status(reviewed.status)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(reviewed.body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn readyz(State(app): State<Arc<App>>) -> Response {
    if app.draining.load(Ordering::Acquire) {
        return text(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n".into());
    }
    if !app.store.is_ready() {
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            "cluster state not loaded yet\n".into(),
        );
    }
    text(StatusCode::OK, "ok\n".into())
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.metrics.encode(),
    )
        .into_response()
}

/// Serves `app` over TLS on `listener` until `shutdown` completes, then
/// stops accepting, marks itself not ready and lets the requests in flight
/// finish (at most `shutdown_grace`). `log` gets one line per event
/// (certificate reloads, shutdown).
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    options: ServeOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    log: Arc<dyn Fn(String) + Send + Sync>,
) -> Result<(), Error> {
    let address = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let config = tls::load(&options.tls_cert, &options.tls_key).await?;
    let reload_metrics = Arc::clone(&app.metrics);
    let reload_log = Arc::clone(&log);
    let watcher = tokio::spawn(tls::watch(
        config.clone(),
        options.tls_cert.clone(),
        options.tls_key.clone(),
        options.tls_poll,
        Arc::new(move |outcome| match outcome {
            Ok(()) => reload_log("reloaded the TLS certificate and key".into()),
            Err(error) => {
                reload_metrics.error(ErrorKind::tls_reload);
                reload_log(format!("keeping the old TLS certificate: {error}"));
            }
        }),
    ));

    let handle = axum_server::Handle::new();
    let draining_app = Arc::clone(&app);
    let draining_handle = handle.clone();
    let grace = options.shutdown_grace;
    tokio::spawn(async move {
        shutdown.await;
        draining_app.draining.store(true, Ordering::Release);
        log(format!(
            "shutting down: finishing reviews in flight (at most {grace:?})"
        ));
        draining_handle.graceful_shutdown(Some(grace));
    });

    listener
        .set_nonblocking(true)
        .map_err(|source| Error::Serve {
            address: address.clone(),
            source,
        })?;
    let mut server = axum_server::from_tcp_rustls(listener, config)
        .map_err(|source| Error::Serve {
            address: address.clone(),
            source,
        })?
        .handle(handle);
    server
        .http_builder()
        .http1()
        .header_read_timeout(options.header_timeout);
    let result = server
        .serve(router(app, &options).into_make_service())
        .await
        .map_err(|source| Error::Serve { address, source });
    watcher.abort();
    result
}
