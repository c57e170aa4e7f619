//! Prometheus metrics of `kensa serve` (`GET /metrics`, OpenMetrics text).
//!
//! - `kensa_vm_http_requests_total{method, code}` and
//!   `kensa_vm_http_request_seconds`: every request;
//! - `kensa_vm_uploads_total{kind, result}`: uploads (`image_scan`,
//!   `misconfigurations`; `ok`, `invalid`, `unauthorized`, `error`);
//! - `kensa_vm_ingest_seconds`: time to write one upload;
//! - `kensa_vm_decisions_total{kind}`: findings accepted or ignored.
//!
//! Label values come from fixed lists, so clients cannot grow the series.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    code: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UploadLabels {
    kind: &'static str,
    result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    kind: &'static str,
}

/// The server's metrics.
pub struct VmMetrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    request_seconds: Histogram,
    uploads: Family<UploadLabels, Counter>,
    ingest_seconds: Histogram,
    decisions: Family<DecisionLabels, Counter>,
}

impl Default for VmMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl VmMetrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("kensa_vm");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        let request_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 14));
        registry.register(
            "http_request_seconds",
            "Time to answer an HTTP request",
            request_seconds.clone(),
        );
        let uploads = Family::<UploadLabels, Counter>::default();
        registry.register("uploads", "Scan uploads received", uploads.clone());
        let ingest_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 14));
        registry.register(
            "ingest_seconds",
            "Time to write one upload",
            ingest_seconds.clone(),
        );
        let decisions = Family::<DecisionLabels, Counter>::default();
        registry.register(
            "decisions",
            "Findings accepted or ignored",
            decisions.clone(),
        );
        VmMetrics {
            registry,
            requests,
            request_seconds,
            uploads,
            ingest_seconds,
            decisions,
        }
    }

    /// Counts a request.
    pub fn observe_request(&self, method: &str, code: u16, took: Duration) {
        let method = match method {
            "GET" => "GET",
            "POST" => "POST",
            "PUT" => "PUT",
            "DELETE" => "DELETE",
            "HEAD" => "HEAD",
            _ => "other",
        };
        self.requests
            .get_or_create(&RequestLabels { method, code })
            .inc();
        self.request_seconds.observe(took.as_secs_f64());
    }

    /// Counts an upload and, when written, its ingest time.
    pub fn upload(&self, kind: &'static str, result: &'static str, took: Option<Duration>) {
        self.uploads
            .get_or_create(&UploadLabels { kind, result })
            .inc();
        if let Some(took) = took {
            self.ingest_seconds.observe(took.as_secs_f64());
        }
    }

    /// Counts a decision.
    pub fn decision(&self, kind: &str) {
        let kind = if kind == "ignored" {
            "ignored"
        } else {
            "accepted"
        };
        self.decisions.get_or_create(&DecisionLabels { kind }).inc();
    }

    /// The OpenMetrics text.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}
