//! Prometheus metrics of the webhook (`GET /metrics`, OpenMetrics text).
//!
//! - `kensa_admission_requests_total{resource, operation, decision}`:
//!   reviews answered; `decision` is `allowed`, `denied` or `error` (an
//!   HTTP 4xx for a body that is not a review);
//! - `kensa_admission_evaluation_seconds`: time from a complete body to a
//!   serialised answer;
//! - `kensa_admission_errors_total{kind}`: `malformed` (not JSON, or not a
//!   review), `wrong_type` (not `admission.k8s.io/v1` AdmissionReview),
//!   `no_request`, `too_large`, `bad_object` (a review whose object cannot
//!   be decoded), `tls_reload` (a changed certificate or key that failed to load).
//!
//! Label values come from fixed lists (unknown resources count as `other`),
//! so a client cannot grow the series without bound.

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The outcome of one review.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types, missing_docs)]
pub enum Decision {
    allowed,
    denied,
    error,
}

/// What went wrong.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types, missing_docs)]
pub enum ErrorKind {
    malformed,
    wrong_type,
    no_request,
    too_large,
    bad_object,
    tls_reload,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    resource: &'static str,
    operation: &'static str,
    decision: Decision,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    kind: ErrorKind,
}

/// The resources the webhook is registered for; anything else is `other`.
const RESOURCES: &[&str] = &[
    "pods",
    "namespaces",
    "podtemplates",
    "replicationcontrollers",
    "deployments",
    "replicasets",
    "statefulsets",
    "daemonsets",
    "jobs",
    "cronjobs",
];

/// A resource name as a label value from [`RESOURCES`], or `other`.
pub fn resource_label(resource: &str) -> &'static str {
    RESOURCES
        .iter()
        .find(|known| **known == resource)
        .copied()
        .unwrap_or("other")
}

/// An admission operation as a label value, or `other`.
pub fn operation_label(operation: &str) -> &'static str {
    match operation {
        "CREATE" => "CREATE",
        "UPDATE" => "UPDATE",
        "DELETE" => "DELETE",
        "CONNECT" => "CONNECT",
        _ => "other",
    }
}

/// The webhook's metrics and their registry.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    errors: Family<ErrorLabels, Counter>,
    evaluation: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("kensa_admission");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("requests", "Admission reviews answered", requests.clone());
        let errors = Family::<ErrorLabels, Counter>::default();
        registry.register(
            "errors",
            "Requests that could not be reviewed as sent",
            errors.clone(),
        );
        // 10 µs to about 0.33 s.
        let evaluation = Histogram::new(exponential_buckets(0.000_01, 2.0, 16));
        registry.register(
            "evaluation_seconds",
            "Time from a complete request body to the serialised answer",
            evaluation.clone(),
        );
        Metrics {
            registry,
            requests,
            errors,
            evaluation,
        }
    }

    /// Counts one answered request.
    pub fn request(&self, resource: &str, operation: &str, decision: Decision) {
        self.requests
            .get_or_create(&RequestLabels {
                resource: resource_label(resource),
                operation: operation_label(operation),
                decision,
            })
            .inc();
    }

    /// Counts one error.
    pub fn error(&self, kind: ErrorKind) {
        self.errors.get_or_create(&ErrorLabels { kind }).inc();
    }

    /// Records one evaluation's duration.
    pub fn evaluated(&self, seconds: f64) {
        self.evaluation.observe(seconds);
    }

    /// The OpenMetrics text of every metric.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_requests_errors_and_latency() {
        let metrics = Metrics::new();
        metrics.request("pods", "CREATE", Decision::denied);
        metrics.request("pods", "CREATE", Decision::denied);
        metrics.request("widgets", "PATCH", Decision::allowed);
        metrics.error(ErrorKind::too_large);
        metrics.evaluated(0.000_05);
        let text = metrics.encode();
        assert!(
            text.contains(
                "kensa_admission_requests_total{resource=\"pods\",operation=\"CREATE\",decision=\"denied\"} 2"
            ),
            "{text}"
        );
        assert!(
            text.contains("resource=\"other\",operation=\"other\",decision=\"allowed\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("kensa_admission_errors_total{kind=\"too_large\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("kensa_admission_evaluation_seconds_count 1"),
            "{text}"
        );
    }
}
