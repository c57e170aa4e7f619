//! Kubernetes objects in.
//!
//! `kensa-k8s` turns bytes into typed Kubernetes objects: multi-document YAML,
//! single JSON objects and streams of them, `List` kinds (`kind: List`,
//! `PodList`, nested lists) and whatever `kubectl get -o json|yaml` prints.
//! Every [`Object`] carries its source and the line and column where it
//! starts and the line where it ends, and every pod-bearing kind (Pod,
//! Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob,
//! ReplicationController, PodTemplate, OpenShift's DeploymentConfig) exposes
//! its pod template as a [`PodTemplate`] with the field paths it came from.
//!
//! [`parse_bytes_with`] and [`load_with`] take [`LoadOptions`] for what a
//! misconfiguration scanner needs on top: the whole body of pod-bearing
//! objects too, and the [`FieldSpans`] of every field (the lines to point
//! at and show). Both are off by default, and cost nothing then.
//!
//! Parsing never fails as a whole: problems become [`Diagnostic`]s (errors
//! and warnings with positions) next to the objects that did load.
//! [`parse_bytes`] is pure; [`load`] is the thin I/O edge that reads files,
//! directories and stdin. [`parse_bytes_map`] and [`load_map`] hand each
//! object to a function as it loads and keep only the results, for inputs
//! too big to hold as typed objects (100,000 pods).
//!
//! JSON lists, the `kubectl get pods -A -o json` case, are split by a
//! structural scan and converted in parallel while the scan goes on; a pod
//! goes straight from its bytes to k8s-openapi types in one pass, with
//! `status` skipped. YAML is parsed with serde-saphyr's parser into a tree
//! that keeps positions and the text of every scalar, so strings, numbers
//! and booleans follow what Kubernetes does with YAML.
//!
//! # Example
//!
//! ```
//! use kensa_k8s::{parse_bytes, Severity};
//!
//! let yaml = b"\
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata:
//!   name: web
//!   namespace: shop
//! spec:
//!   template:
//!     spec:
//!       hostNetwork: true
//!       containers:
//!       - name: app
//!         image: nginx
//!         securityContxt: {}
//! ";
//! let loaded = parse_bytes("deploy.yaml", yaml);
//! let deploy = &loaded.objects[0];
//! assert_eq!(deploy.kind, "Deployment");
//! assert_eq!(deploy.namespace(), Some("shop"));
//! assert_eq!(deploy.position.line, 1);
//!
//! let pod = deploy.pod.as_ref().expect("a pod template");
//! assert_eq!(pod.spec_path, "spec.template.spec");
//! assert_eq!(pod.spec.host_network, Some(true));
//!
//! // The misspelt field is reported, with its position, and the object still loads.
//! let warning = &loaded.diagnostics[0];
//! assert_eq!(warning.severity, Severity::Warning);
//! assert_eq!(warning.position.line, 13);
//! assert_eq!(
//!     warning.to_string(),
//!     "deploy.yaml:13:9: warning: unknown field \"spec.template.spec.containers[0].securityContxt\" (Deployment shop/web)"
//! );
//! ```
#![forbid(unsafe_code)]

pub use k8s_openapi;

#[cfg(feature = "cluster")]
pub mod cluster;
mod convert;
mod diag;
mod error;
mod json;
mod load;
#[cfg(feature = "cluster")]
pub mod node_pods;
mod object;
mod order;
mod position;
mod shrink;
mod snapshot;
mod spans;
mod stream;
mod yaml;

pub use diag::{Diagnostic, Loaded, Mapped, Severity};
pub use error::{Error, Result};
pub use load::{Input, load, load_map, load_with, read_input};
pub use object::{Object, PodTemplate, pod_bearing_kind};
pub use position::Position;
pub use snapshot::{NamespaceInfo, Snapshot};
pub use spans::{FieldSpans, LoadOptions, Span};

use std::sync::Arc;

/// Parses one source's bytes into objects and diagnostics.
///
/// JSON or YAML is sniffed: if the first byte that is not whitespace (after an
/// optional UTF-8 byte order mark) is `{` or `[` the input is JSON (one value
/// or a stream of concatenated values), otherwise YAML (one or more documents
/// separated by `---`). `source` is the name used in positions and
/// diagnostics, usually the file path or `<stdin>`.
///
/// This function is pure and never panics; every problem becomes a
/// [`Diagnostic`]. Empty input yields no objects and no diagnostics.
///
/// ```
/// let loaded = kensa_k8s::parse_bytes("<stdin>", br#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"dev"}}"#);
/// assert_eq!(loaded.objects[0].name(), "dev");
/// assert!(loaded.objects[0].body.is_some());
/// assert_eq!(loaded.sources, 1);
/// ```
pub fn parse_bytes(source: &str, bytes: &[u8]) -> Loaded {
    parse_impl(source, bytes, diag::MapFn::new(&|object| object, true)).into()
}

/// Like [`parse_bytes`], with [`LoadOptions`]: the whole body of
/// pod-bearing objects too ([`LoadOptions::keep_body`]), where every field
/// is ([`LoadOptions::field_spans`]). With the default options it is
/// [`parse_bytes`].
///
/// ```
/// use kensa_k8s::{LoadOptions, parse_bytes_with};
///
/// let json = br#"{
///   "apiVersion": "apps/v1",
///   "kind": "Deployment",
///   "metadata": {"name": "web"},
///   "spec": {
///     "replicas": 1,
///     "template": {"spec": {"containers": [{"name": "app", "image": "nginx"}]}}
///   }
/// }"#;
/// let options = LoadOptions { keep_body: true, field_spans: true, ..LoadOptions::default() };
/// let loaded = parse_bytes_with("deploy.json", json, &options);
/// let deploy = &loaded.objects[0];
/// assert_eq!((deploy.position.line, deploy.end_line), (1, 9));
///
/// let body = deploy.body.as_ref().expect("the body");
/// assert_eq!(body["spec"]["replicas"], 1);
///
/// let spans = deploy.spans.as_ref().expect("field spans");
/// let replicas = spans.get("spec.replicas").expect("replicas");
/// assert_eq!((replicas.start.line, replicas.start.column), (6, 5));
/// let (path, span) = spans
///     .nearest("spec.template.spec.containers[0].securityContext.privileged")
///     .expect("an ancestor");
/// assert_eq!((path.as_str(), span.start.line), ("spec.template.spec.containers[0]", 7));
///
/// // Without options, nothing more than `parse_bytes`.
/// let plain = parse_bytes_with("deploy.json", json, &LoadOptions::default());
/// assert!(plain.objects[0].body.is_none() && plain.objects[0].spans.is_none());
/// assert_eq!(plain.objects[0].end_line, 9);
/// ```
pub fn parse_bytes_with(source: &str, bytes: &[u8], options: &LoadOptions) -> Loaded {
    let map = diag::MapFn::new(&|object| object, true).with_options(*options);
    parse_impl(source, bytes, map).into()
}

/// Like [`parse_bytes`], but every object goes through `f` as soon as it is
/// loaded and only what `f` returns is kept, in input order.
///
/// Use it when the objects are not needed afterwards (checking each pod and
/// keeping the findings): a loaded pod takes more memory than its JSON
/// (about 15 KB for a typical pod), so holding 100,000 of them costs far more
/// than the input. `f` runs on several threads at once, in no particular
/// order; the results come back in input order. Rarely, `f` also sees
/// objects that are then dropped (the items of a JSON object with `items`
/// that turns out not to be a `List`, or of a YAML list document with a
/// syntax error further down): keep `f` free of side effects.
///
/// ```
/// let json = br#"{"apiVersion":"v1","kind":"List","items":[
///   {"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"hostNetwork":true,"containers":[]}},
///   {"apiVersion":"v1","kind":"Pod","metadata":{"name":"b"},"spec":{"containers":[]}}
/// ]}"#;
/// let mapped = kensa_k8s::parse_bytes_map("pods.json", json, |object| {
///     let host_network = object.pod.as_ref().and_then(|p| p.spec.host_network).unwrap_or(false);
///     (object.name().to_owned(), host_network)
/// });
/// assert_eq!(mapped.items, [("a".to_owned(), true), ("b".to_owned(), false)]);
/// ```
pub fn parse_bytes_map<T, F>(source: &str, bytes: &[u8], f: F) -> Mapped<T>
where
    T: Send,
    F: Fn(Object) -> T + Sync,
{
    parse_impl(source, bytes, diag::MapFn::new(&f, false))
}

pub(crate) fn parse_impl<T: Send>(
    source: &str,
    bytes: &[u8],
    map: diag::MapFn<'_, T>,
) -> Mapped<T> {
    let source: Arc<str> = Arc::from(source);
    let mut out = diag::Out::new(map);
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = e.valid_up_to();
            let position = position::locate(bytes, 0, Position::START, valid);
            out.push_diag(
                &source,
                position,
                Severity::Error,
                format!("input is not valid UTF-8 (invalid byte at offset {valid})"),
                None,
            );
            return out.finish(1);
        }
    };
    let first = text
        .bytes()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
    match first {
        None => {}
        Some(b'{' | b'[') => json::parse(&source, text, &mut out),
        Some(_) => yaml::parse(&source, text, &mut out),
    }
    out.finish(1)
}
