//! From a parsed document (JSON or YAML, behind the [`Node`] trait) to
//! [`Object`]s: list handling, kind inference, pod-template extraction,
//! diagnostics.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;

use crate::diag::{Out, Severity};
use crate::object::{Object, PodTemplate, TemplateLocation, display_name, template_location};
use crate::position::Position;
use crate::spans::{FieldSpans, LoadOptions};

/// Something wrong at a position; the message already names the field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub message: String,
    pub position: Position,
}

/// A field that was present but is not part of the type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unknown {
    /// Full dotted path, e.g. `spec.containers[0].securityContxt`.
    pub path: String,
    pub position: Position,
}

/// `message at path`, or just `message` for the root.
pub(crate) fn with_path(message: &str, path: &str) -> String {
    if path.is_empty() {
        message.to_owned()
    } else {
        format!("{message} at {path}")
    }
}

/// The entries of a mapping node: keys and child nodes, in order.
pub(crate) type Fields<'n, N> = Vec<(Cow<'n, str>, N)>;

/// A node of a parsed document.
pub(crate) trait Node: Sized {
    /// Where the node starts.
    fn position(&self) -> Position;
    /// `a mapping`, `a string`, ...: for messages.
    fn describe(&self) -> &'static str;
    /// Whether the node is null.
    fn is_null(&self) -> bool;
    /// The entries of a mapping; `Ok(None)` when the node is not a mapping.
    fn entries(&self) -> Result<Option<Fields<'_, Self>>, Problem>;
    /// The items of a sequence; `Ok(None)` when the node is not a sequence.
    fn elements(&self) -> Result<Option<Vec<Self>>, Problem>;
    /// A scalar's text (`None` for null, mappings and sequences).
    fn text(&self) -> Option<Cow<'_, str>>;
    /// Deserializes the node. `path` is where the node is (for messages);
    /// with `unknown`, fields the type does not know are collected there.
    fn decode<T: DeserializeOwned>(
        &self,
        path: &str,
        unknown: Option<&mut Vec<Unknown>>,
    ) -> Result<T, Problem>;
    /// The node as a JSON value.
    fn to_json(&self) -> Result<serde_json::Value, Problem>;
    /// The last line of the node's text.
    fn end_line(&self) -> u32;
    /// The spans of the node (as `""`) and of everything in it, paths relative to it.
    fn field_spans(&self) -> FieldSpans;
}

/// Nesting deeper than this gets no field spans (and recursion stays bounded).
pub(crate) const MAX_SPAN_DEPTH: usize = 256;

/// Adds to a loaded object what the options ask for: its body (for
/// pod-bearing kinds; the others have it already) and its field spans. A
/// body that cannot be made is a warning; the object stays.
pub(crate) fn add_extras<N: Node, T>(
    source: &Arc<str>,
    node: &N,
    object: &mut Object,
    options: LoadOptions,
    out: &mut Out<'_, T>,
) {
    if options.keep_body && object.body.is_none() {
        match node.to_json() {
            Ok(body) => object.body = Some(body),
            Err(problem) => out.push_diag(
                source,
                problem.position,
                Severity::Warning,
                format!("body not kept: {}", problem.message),
                Some(object.display_name()),
            ),
        }
    }
    if options.field_spans && !options.no_spans_for.contains(&object.kind.as_str()) {
        object.spans = Some(Arc::new(node.field_spans()));
    }
}

/// What the items of a list inherit.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ListContext<'a> {
    /// The list's apiVersion, for items without one.
    pub api_version: Option<&'a str>,
    /// `Pod` for a `PodList`: the kind of items without one.
    pub item_kind: Option<&'a str>,
    /// Set when an item lacked `kind` or `apiVersion` (and so depended on
    /// this context), for callers that had to guess the context.
    pub relied: Option<&'a AtomicBool>,
    /// How many lists enclose the items (1 for a top-level list).
    pub depth: usize,
}

/// Lists nested deeper than this are an error (and recursion stays bounded).
const MAX_LIST_DEPTH: usize = 32;

impl ListContext<'_> {
    /// Records that an item depended on the context.
    pub(crate) fn rely(&self) {
        if let Some(flag) = self.relied {
            flag.store(true, Ordering::Relaxed);
        }
    }
}

/// Whether an object of this kind holding `items` is a list.
pub(crate) fn is_list_kind(kind: &str) -> bool {
    kind == "List" || (kind.len() > 4 && kind.ends_with("List"))
}

/// The context a list gives its items.
pub(crate) fn list_context<'a>(
    kind: &'a str,
    api_version: Option<&'a str>,
    outer: Option<&ListContext<'a>>,
) -> ListContext<'a> {
    if api_version.is_none()
        && let Some(outer) = outer
    {
        outer.rely();
    }
    ListContext {
        api_version: api_version.or(outer.and_then(|o| o.api_version)),
        item_kind: kind.strip_suffix("List").filter(|k| !k.is_empty()),
        relied: outer.and_then(|o| o.relied),
        depth: outer.map_or(1, |o| o.depth + 1),
    }
}

/// The template of a workload: `metadata` and `spec`, nothing else expected.
#[derive(serde::Deserialize)]
struct TemplateSpec {
    metadata: Option<ObjectMeta>,
    spec: Option<PodSpec>,
}

fn lookup<'n, N>(entries: &'n [(Cow<'_, str>, N)], key: &str) -> Option<&'n N> {
    entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// A string field (`apiVersion`, `kind`): absent or null is `None`, anything
/// but a scalar is a problem.
fn string_field<N: Node>(
    entries: &[(Cow<'_, str>, N)],
    key: &str,
) -> Result<Option<String>, Problem> {
    match lookup(entries, key) {
        None => Ok(None),
        Some(node) if node.is_null() => Ok(None),
        Some(node) => match node.text() {
            Some(text) => Ok(Some(text.into_owned())),
            None => Err(Problem {
                message: format!(
                    "invalid type: {}, expected a string at {key}",
                    node.describe()
                ),
                position: node.position(),
            }),
        },
    }
}

struct Sink<'a, 'f, T> {
    source: &'a Arc<str>,
    out: &'a mut Out<'f, T>,
}

impl<T> Sink<'_, '_, T> {
    fn error(&mut self, problem: Problem, object: Option<String>) {
        self.out.push_diag(
            self.source,
            problem.position,
            Severity::Error,
            problem.message,
            object,
        );
    }
}

/// Converts a document (or list item) into objects, appending to `out`.
pub(crate) fn convert_node<N: Node, T>(
    source: &Arc<str>,
    node: &N,
    list: Option<&ListContext<'_>>,
    out: &mut Out<'_, T>,
) {
    let mut sink = Sink { source, out };
    let entries = match node.entries() {
        Ok(Some(entries)) => entries,
        Ok(None) => {
            sink.out.documents += 1;
            let problem = Problem {
                message: format!(
                    "expected a Kubernetes object (a mapping), found {}",
                    node.describe()
                ),
                position: node.position(),
            };
            sink.error(problem, None);
            return;
        }
        Err(problem) => {
            sink.out.documents += 1;
            sink.error(problem, None);
            return;
        }
    };
    let (api_version, kind) = match (
        string_field(&entries, "apiVersion"),
        string_field(&entries, "kind"),
    ) {
        (Ok(a), Ok(k)) => (a, k),
        (Err(p), _) | (_, Err(p)) => {
            sink.out.documents += 1;
            sink.error(p, None);
            return;
        }
    };

    if let Some(k) = kind.as_deref()
        && is_list_kind(k)
        && let Some(items) = lookup(&entries, "items")
    {
        convert_list(source, items, k, api_version.as_deref(), list, sink.out);
        return;
    }
    convert_object(source, node, &entries, kind, api_version, list, sink.out);
}

/// The items of a list. Kept out of [`convert_node`]'s frame so that nested
/// lists recurse through small frames.
#[inline(never)]
fn convert_list<N: Node, T>(
    source: &Arc<str>,
    items: &N,
    kind: &str,
    api_version: Option<&str>,
    outer: Option<&ListContext<'_>>,
    out: &mut Out<'_, T>,
) {
    let mut sink = Sink { source, out };
    let context = list_context(kind, api_version, outer);
    if context.depth > MAX_LIST_DEPTH {
        let problem = Problem {
            message: format!("lists nested more than {MAX_LIST_DEPTH} deep"),
            position: items.position(),
        };
        sink.error(problem, Some(kind.to_owned()));
        return;
    }
    match items.elements() {
        Ok(Some(elements)) => {
            for element in &elements {
                convert_node(source, element, Some(&context), sink.out);
            }
        }
        Ok(None) if items.is_null() => {}
        Ok(None) => sink.error(
            Problem {
                message: format!(
                    "invalid type: {}, expected a sequence at items",
                    items.describe()
                ),
                position: items.position(),
            },
            Some(kind.to_owned()),
        ),
        Err(problem) => sink.error(problem, Some(kind.to_owned())),
    }
}

/// One object that is not a list.
#[inline(never)]
fn convert_object<N: Node, T>(
    source: &Arc<str>,
    node: &N,
    entries: &[(Cow<'_, str>, N)],
    kind: Option<String>,
    api_version: Option<String>,
    list: Option<&ListContext<'_>>,
    out: &mut Out<'_, T>,
) {
    let mut sink = Sink { source, out };
    sink.out.documents += 1;
    let position = node.position();
    if let Some(list) = list
        && (kind.is_none() || api_version.is_none())
    {
        list.rely();
    }
    let Some(kind) = kind.or_else(|| list.and_then(|l| l.item_kind).map(str::to_owned)) else {
        sink.out.push_diag(
            source,
            position,
            Severity::Warning,
            "no kind: not a Kubernetes object, skipped",
            None,
        );
        return;
    };
    let api_version = api_version
        .or_else(|| list.and_then(|l| l.api_version).map(str::to_owned))
        .unwrap_or_default();
    let location = template_location(&kind);
    let mut unknown = Vec::new();

    let metadata: ObjectMeta = match lookup(entries, "metadata") {
        None => ObjectMeta::default(),
        Some(m) if m.is_null() => ObjectMeta::default(),
        Some(m) => match m.decode("metadata", location.is_some().then_some(&mut unknown)) {
            Ok(meta) => meta,
            Err(problem) => {
                sink.error(problem, Some(kind));
                return;
            }
        },
    };
    let label = display_name(
        &kind,
        metadata.namespace.as_deref().filter(|n| !n.is_empty()),
        match metadata.name.as_deref() {
            Some(n) if !n.is_empty() => n,
            _ => metadata.generate_name.as_deref().unwrap_or(""),
        },
    );

    let mut object = Object {
        source: Arc::clone(source),
        position,
        end_line: node.end_line(),
        api_version,
        kind,
        metadata,
        pod: None,
        body: None,
        spans: None,
    };
    let result = match location {
        None => node.to_json().map(|body| object.body = Some(body)),
        Some(location) => {
            extract_pod(entries, location, &object.metadata, &mut unknown).map(|pod| {
                object.pod = pod;
            })
        }
    };
    for u in unknown {
        sink.out.push_diag(
            source,
            u.position,
            Severity::Warning,
            format!("unknown field \"{}\"", u.path),
            Some(label.clone()),
        );
    }
    match result {
        Ok(()) => {
            if location.is_some() && object.pod.is_none() && object.kind != "ReplicationController"
            {
                let (_, spec_path) = location.map(TemplateLocation::paths).unwrap_or_default();
                sink.out.push_diag(
                    source,
                    position,
                    Severity::Warning,
                    format!("no pod spec ({spec_path} is missing)"),
                    Some(label),
                );
            }
            add_extras(source, node, &mut object, sink.out.options(), sink.out);
            sink.out.push_object(object);
        }
        Err(problem) => sink.error(problem, Some(label)),
    }
}

/// Navigates to a child mapping entry; null or absent is `None`.
fn child<'n, N: Node>(entries: &'n [(Cow<'_, str>, N)], key: &str) -> Option<&'n N> {
    lookup(entries, key).filter(|n| !n.is_null())
}

fn entries_of<'n, N: Node>(node: &'n N, path: &str) -> Result<Vec<(Cow<'n, str>, N)>, Problem> {
    match node.entries()? {
        Some(entries) => Ok(entries),
        None => Err(Problem {
            message: format!(
                "invalid type: {}, expected a mapping at {path}",
                node.describe()
            ),
            position: node.position(),
        }),
    }
}

/// The pod template of a pod-bearing object. `Ok(None)`: there is none (the
/// caller warns). Problems in the template are errors for the object.
fn extract_pod<N: Node>(
    entries: &[(Cow<'_, str>, N)],
    location: TemplateLocation,
    metadata: &ObjectMeta,
    unknown: &mut Vec<Unknown>,
) -> Result<Option<PodTemplate>, Problem> {
    let (metadata_path, spec_path) = location.paths();
    let template_node = match location {
        TemplateLocation::Pod => {
            let Some(spec) = child(entries, "spec") else {
                return Ok(None);
            };
            let spec: PodSpec = spec.decode("spec", Some(unknown))?;
            return Ok(Some(PodTemplate {
                metadata: metadata.clone(),
                spec,
                metadata_path,
                spec_path,
            }));
        }
        TemplateLocation::Template => child(entries, "template"),
        TemplateLocation::SpecTemplate => {
            let Some(spec) = child(entries, "spec") else {
                return Ok(None);
            };
            let spec_entries = entries_of(spec, "spec")?;
            return template_from(child(&spec_entries, "template"), location, unknown);
        }
        TemplateLocation::JobTemplate => {
            let Some(spec) = child(entries, "spec") else {
                return Ok(None);
            };
            let spec_entries = entries_of(spec, "spec")?;
            let Some(job) = child(&spec_entries, "jobTemplate") else {
                return Ok(None);
            };
            let job_entries = entries_of(job, "spec.jobTemplate")?;
            let Some(job_spec) = child(&job_entries, "spec") else {
                return Ok(None);
            };
            let job_spec_entries = entries_of(job_spec, "spec.jobTemplate.spec")?;
            return template_from(child(&job_spec_entries, "template"), location, unknown);
        }
    };
    template_from(template_node, location, unknown)
}

fn template_from<N: Node>(
    template: Option<&N>,
    location: TemplateLocation,
    unknown: &mut Vec<Unknown>,
) -> Result<Option<PodTemplate>, Problem> {
    let Some(template) = template else {
        return Ok(None);
    };
    let (metadata_path, spec_path) = location.paths();
    let template_path = spec_path.strip_suffix(".spec").unwrap_or(spec_path);
    let decoded: TemplateSpec = template.decode(template_path, Some(unknown))?;
    Ok(decoded.spec.map(|spec| PodTemplate {
        metadata: decoded.metadata.unwrap_or_default(),
        spec,
        metadata_path,
        spec_path,
    }))
}
