//! JSON sources: one value, a stream of concatenated values, lists.
//!
//! The hot path is `kubectl get pods -A -o json`: one object whose `items`
//! holds every pod. A structural scan (strings, escapes and bracket depth;
//! memchr inside strings) finds each item's byte range without building
//! anything; the items are then converted in parallel (rayon), in input
//! order, each through a small envelope of borrowed [`RawValue`]s so that
//! only `metadata` and the pod spec are ever deserialized (`status` is
//! skipped). Positions come from byte offsets by memchr line counting.
//!
//! Anything the scan does not like is handed to serde_json, whose error says
//! exactly where the problem is. Type errors are explained by re-reading the
//! offending value as a YAML tree (JSON is YAML), which knows field paths and
//! positions; this only happens on the error path.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use rayon::prelude::*;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::convert::{
    Fields, ListContext, MAX_SPAN_DEPTH, Node, Problem, Unknown, add_extras, convert_node,
    is_list_kind, list_context, with_path,
};
use crate::diag::{MapFn, Out, Severity};
use crate::object::{Object, PodTemplate, TemplateLocation};
use crate::position::{Position, locate, offset_of_line_col};
use crate::spans::{FieldSpans, Span};
use crate::yaml::{decode_tree, join_path, locate_path, parse_fragment};

/// Items converted per parallel batch: bounds the memory held twice while
/// results move into the output.
const BATCH: usize = 4096;

/// A known position in the source, from which nearby positions are counted.
#[derive(Clone, Copy)]
struct Anchor<'a> {
    text: &'a str,
    off: usize,
    pos: Position,
}

/// A JSON value: its exact text inside the source.
#[derive(Clone, Copy)]
pub(crate) struct JNode<'a> {
    text: &'a str,
    anchor: Anchor<'a>,
    /// The line of its last byte when already known (list items), else 0.
    end_line: u32,
}

impl<'a> JNode<'a> {
    fn offset(&self) -> usize {
        (self.text.as_ptr() as usize).saturating_sub(self.anchor.text.as_ptr() as usize)
    }

    fn child(&self, raw: &'a RawValue) -> JNode<'a> {
        JNode {
            text: raw.get(),
            anchor: self.anchor,
            end_line: 0,
        }
    }

    fn new(text: &'a str, anchor: Anchor<'a>) -> JNode<'a> {
        JNode {
            text,
            anchor,
            end_line: 0,
        }
    }

    /// Position of byte `rel` of this value.
    fn position_at(&self, rel: usize) -> Position {
        let a = self.anchor;
        locate(a.text.as_bytes(), a.off, a.pos, self.offset() + rel)
    }

    fn syntax_problem(&self, e: &serde_json::Error) -> Problem {
        let rel = offset_of_line_col(self.text.as_bytes(), e.line(), e.column());
        Problem {
            message: json_message(e),
            position: self.position_at(rel),
        }
    }

    /// A deserialization error, explained with a field path and position by
    /// re-reading the value as a tree when it is a type error.
    fn data_problem<T: DeserializeOwned>(&self, e: &serde_json::Error, path: &str) -> Problem {
        if e.is_data()
            && let Some(tree) = parse_fragment(self.text, self.position())
            && let Err(problem) = decode_tree::<T>(&tree, path, None)
        {
            return problem;
        }
        let mut problem = self.syntax_problem(e);
        if e.is_data() {
            problem.message = with_path(&problem.message, path);
        }
        problem
    }
}

/// serde_json's message without its " at line L column C".
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) if e.line() != 0 => text[..i].to_owned(),
        _ => text,
    }
}

/// A mapping key, borrowed when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// The entries of an object, values left raw.
struct Entries<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Entries<'de>, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(6));
                while let Some(Key(key)) = map.next_key()? {
                    let value: &'de RawValue = map.next_value()?;
                    entries.push((key, value));
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_map(V)
    }
}

impl Node for JNode<'_> {
    fn position(&self) -> Position {
        self.position_at(0)
    }

    fn describe(&self) -> &'static str {
        match self.text.as_bytes().first() {
            Some(b'{') => "a mapping",
            Some(b'[') => "a sequence",
            Some(b'"') => "a string",
            Some(b't' | b'f') => "a boolean",
            Some(b'n') => "null",
            _ => "a number",
        }
    }

    fn is_null(&self) -> bool {
        self.text == "null"
    }

    fn entries(&self) -> Result<Option<Fields<'_, Self>>, Problem> {
        if !self.text.starts_with('{') {
            return Ok(None);
        }
        let mut de = serde_json::Deserializer::from_str(self.text);
        let entries = Entries::deserialize(&mut de)
            .and_then(|e| de.end().map(|()| e))
            .map_err(|e| self.syntax_problem(&e))?;
        Ok(Some(
            entries
                .0
                .into_iter()
                .map(|(k, v)| (k, self.child(v)))
                .collect(),
        ))
    }

    fn elements(&self) -> Result<Option<Vec<Self>>, Problem> {
        if !self.text.starts_with('[') {
            return Ok(None);
        }
        let raws: Vec<&RawValue> =
            serde_json::from_str(self.text).map_err(|e| self.syntax_problem(&e))?;
        Ok(Some(raws.into_iter().map(|r| self.child(r)).collect()))
    }

    fn text(&self) -> Option<Cow<'_, str>> {
        if self.text.starts_with('"') {
            serde_json::from_str::<String>(self.text)
                .ok()
                .map(Cow::Owned)
        } else {
            None
        }
    }

    fn decode<T: DeserializeOwned>(
        &self,
        path: &str,
        unknown: Option<&mut Vec<Unknown>>,
    ) -> Result<T, Problem> {
        let mut de = serde_json::Deserializer::from_str(self.text);
        let mut found = Vec::new();
        let result = match unknown {
            None => T::deserialize(&mut de),
            Some(_) => serde_ignored::deserialize(&mut de, |p| {
                found.push(crate::yaml::ignored_segs(&p));
            }),
        };
        let value = result
            .and_then(|v| de.end().map(|()| v))
            .map_err(|e| self.data_problem::<T>(&e, path))?;
        if let Some(list) = unknown
            && !found.is_empty()
        {
            let tree = parse_fragment(self.text, self.position());
            for segs in found {
                list.push(Unknown {
                    path: join_path(path, &segs),
                    position: tree
                        .as_ref()
                        .and_then(|t| locate_path(t, &segs))
                        .unwrap_or_else(|| self.position()),
                });
            }
        }
        Ok(value)
    }

    fn to_json(&self) -> Result<serde_json::Value, Problem> {
        serde_json::from_str(self.text).map_err(|e| self.syntax_problem(&e))
    }

    fn end_line(&self) -> u32 {
        if self.end_line != 0 {
            return self.end_line;
        }
        self.position_at(self.text.len().saturating_sub(1)).line
    }

    fn field_spans(&self) -> FieldSpans {
        let b = self.text.as_bytes();
        let start = self.position();
        let mut lines = Lines {
            b,
            base_line: start.line,
            newlines: memchr::memchr_iter(b'\n', b).collect(),
            cursor: (0, start),
        };
        let mut spans = FieldSpans::default();
        spans.insert(
            "",
            Span {
                start,
                end_line: self.end_line().max(start.line),
            },
        );
        let _ = add_spans(self.text, 0, &mut String::new(), &mut lines, &mut spans, 0);
        spans
    }
}

// ---------------------------------------------------------------------------
// Field spans, from the text.

/// Lines and columns of the bytes of a value's text.
struct Lines<'a> {
    b: &'a [u8],
    /// The line of the first byte.
    base_line: u32,
    /// Offsets of the line feeds.
    newlines: Vec<usize>,
    /// The last start asked for: starts come in order, so each is counted
    /// on from the one before.
    cursor: (usize, Position),
}

impl Lines<'_> {
    /// The position of the byte at `off`, which is not before the last one asked for.
    fn start(&mut self, off: usize) -> Position {
        let pos = locate(self.b, self.cursor.0, self.cursor.1, off);
        self.cursor = (off, pos);
        pos
    }

    /// The line of the byte at `off`.
    fn line(&self, off: usize) -> u32 {
        let before = self.newlines.partition_point(|&nl| nl < off);
        self.base_line
            .saturating_add(u32::try_from(before).unwrap_or(u32::MAX))
    }
}

/// A key's text (the JSON string `raw`, quotes included).
fn key_text(raw: &str) -> Option<Cow<'_, str>> {
    if raw.contains('\\') {
        serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
    } else {
        raw.get(1..raw.len().checked_sub(1)?).map(Cow::Borrowed)
    }
}

/// Adds the spans of everything in the value at byte `i` of `text` (a
/// valid JSON value), which is at `path`. Returns the end of the value;
/// `None` if the text is not what it should be (spans found so far stay).
fn add_spans(
    text: &str,
    i: usize,
    path: &mut String,
    lines: &mut Lines<'_>,
    spans: &mut FieldSpans,
    depth: usize,
) -> Option<usize> {
    let b = text.as_bytes();
    if depth >= MAX_SPAN_DEPTH {
        return value_end(b, i);
    }
    let len = path.len();
    match b.get(i)? {
        b'{' => {
            let mut j = skip_ws(b, i + 1);
            if b.get(j) == Some(&b'}') {
                return Some(j + 1);
            }
            loop {
                if b.get(j) != Some(&b'"') {
                    return None;
                }
                let key_end = string_end(b, j)?;
                let start = lines.start(j);
                FieldSpans::push_key(path, &key_text(text.get(j..key_end)?)?);
                let colon = skip_ws(b, key_end);
                if b.get(colon) != Some(&b':') {
                    return None;
                }
                let value = skip_ws(b, colon + 1);
                let end = add_spans(text, value, path, lines, spans, depth + 1)?;
                let end_line = lines.line(end.saturating_sub(1)).max(start.line);
                spans.insert(path, Span { start, end_line });
                path.truncate(len);
                j = skip_ws(b, end);
                match b.get(j)? {
                    b',' => j = skip_ws(b, j + 1),
                    b'}' => return Some(j + 1),
                    _ => return None,
                }
            }
        }
        b'[' => {
            let mut j = skip_ws(b, i + 1);
            if b.get(j) == Some(&b']') {
                return Some(j + 1);
            }
            for index in 0.. {
                let start = lines.start(j);
                FieldSpans::push_index(path, index);
                let end = add_spans(text, j, path, lines, spans, depth + 1)?;
                let end_line = lines.line(end.saturating_sub(1)).max(start.line);
                spans.insert(path, Span { start, end_line });
                path.truncate(len);
                j = skip_ws(b, end);
                match b.get(j)? {
                    b',' => j = skip_ws(b, j + 1),
                    b']' => return Some(j + 1),
                    _ => return None,
                }
            }
            None
        }
        _ => value_end(b, i),
    }
}

// ---------------------------------------------------------------------------
// The fast path for pods.

/// Deserializes a `T` and fails if it had fields `T` does not know (the slow
/// path then reports them with positions).
struct Strict<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> serde::de::DeserializeSeed<'de> for Strict<T> {
    type Value = T;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        let mut unknown = false;
        let value = serde_ignored::deserialize(d, |_| unknown = true)?;
        if unknown {
            return Err(serde::de::Error::custom("unknown field"));
        }
        Ok(value)
    }
}

/// A list item that is a plain, valid Pod.
struct FastPod {
    /// The item lacked `kind` (it came from the list).
    kind_inherited: bool,
    api_version: Option<String>,
    metadata: ObjectMeta,
    spec: PodSpec,
}

struct FastPodVisitor<'c> {
    item_kind: Option<&'c str>,
}

impl<'de> serde::de::Visitor<'de> for FastPodVisitor<'_> {
    type Value = FastPod;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a Pod")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<FastPod, A::Error> {
        let give_up = || serde::de::Error::custom("not for the fast path");
        let mut api_version = None;
        let mut kind: Option<String> = None;
        let mut metadata = None;
        let mut spec = None;
        while let Some(Key(key)) = map.next_key()? {
            match key.as_ref() {
                "apiVersion" => api_version = Some(map.next_value::<String>()?),
                "kind" => kind = Some(map.next_value::<String>()?),
                "metadata" | "spec" => {
                    if kind.as_deref().or(self.item_kind) != Some("Pod") {
                        return Err(give_up());
                    }
                    if key == "spec" {
                        spec =
                            Some(map.next_value_seed(Strict::<PodSpec>(std::marker::PhantomData))?);
                    } else {
                        metadata = Some(
                            map.next_value_seed(Strict::<ObjectMeta>(std::marker::PhantomData))?,
                        );
                    }
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        match (kind.as_deref().or(self.item_kind), spec) {
            (Some("Pod"), Some(spec)) => Ok(FastPod {
                kind_inherited: kind.is_none(),
                api_version,
                metadata: metadata.unwrap_or_default(),
                spec,
            }),
            _ => Err(give_up()),
        }
    }
}

/// Converts a list item in one pass if it is a plain, valid Pod. Returns
/// false (having done nothing) otherwise: the general path takes over.
fn fast_pod<T>(
    source: &Arc<str>,
    node: &JNode<'_>,
    context: &ListContext<'_>,
    out: &mut Out<'_, T>,
) -> bool {
    let mut de = serde_json::Deserializer::from_str(node.text);
    let visitor = FastPodVisitor {
        item_kind: context.item_kind,
    };
    let Ok(pod) = serde::Deserializer::deserialize_map(&mut de, visitor) else {
        return false;
    };
    if pod.kind_inherited || pod.api_version.is_none() {
        context.rely();
    }
    let api_version = pod
        .api_version
        .or_else(|| context.api_version.map(str::to_owned))
        .unwrap_or_default();
    let (metadata_path, spec_path) = TemplateLocation::Pod.paths();
    out.documents += 1;
    let mut object = Object {
        source: Arc::clone(source),
        position: node.anchor.pos,
        end_line: node.end_line(),
        api_version,
        kind: "Pod".to_owned(),
        pod: Some(PodTemplate {
            metadata: pod.metadata.clone(),
            spec: pod.spec,
            metadata_path,
            spec_path,
        }),
        metadata: pod.metadata,
        body: None,
        spans: None,
    };
    add_extras(source, node, &mut object, out.options(), out);
    out.push_object(object);
    true
}

// ---------------------------------------------------------------------------
// The structural scan.

pub(crate) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// End (exclusive) of the string whose opening quote is at `i`.
pub(crate) fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    // Most strings are short (keys): a plain loop beats setting up memchr.
    let short = (j + 24).min(b.len());
    while j < short {
        match b[j] {
            b'"' => return Some(j + 1),
            b'\\' => j += 2,
            _ => j += 1,
        }
    }
    loop {
        let k = j + memchr::memchr2(b'"', b'\\', b.get(j..)?)?;
        if b[k] == b'"' {
            return Some(k + 1);
        }
        j = k + 2;
    }
}

/// Bytes that matter to the scan outside strings.
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'{' as usize] = true;
    t[b'}' as usize] = true;
    t[b'[' as usize] = true;
    t[b']' as usize] = true;
    t
};

/// End (exclusive) of the object or array opening at `i`.
fn container_end(b: &[u8], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = i;
    while j < b.len() {
        let c = b[j];
        if SPECIAL[c as usize] {
            match c {
                b'"' => {
                    j = string_end(b, j)?;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                _ => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(j + 1);
                    }
                }
            }
        }
        j += 1;
    }
    None
}

/// End (exclusive) of the object opening at `i`. Only braces count (brackets
/// balance inside a valid object), so memchr can jump between the few bytes
/// that matter: quotes and braces.
fn object_end(b: &[u8], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = i;
    loop {
        j += memchr::memchr3(b'"', b'{', b'}', b.get(j..)?)?;
        match b[j] {
            b'"' => {
                j = string_end(b, j)?;
                continue;
            }
            b'{' => depth += 1,
            _ => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(j + 1);
                }
            }
        }
        j += 1;
    }
}

/// End (exclusive) of the value starting at `i`.
pub(crate) fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i),
        b'{' => object_end(b, i),
        b'[' => container_end(b, i),
        _ => {
            let mut j = i;
            while j < b.len()
                && !matches!(
                    b[j],
                    b' ' | b'\t' | b'\n' | b'\r' | b',' | b':' | b'"' | b'{' | b'}' | b'[' | b']'
                )
            {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

// ---------------------------------------------------------------------------
// Driving.

/// Items per task when scanning and converting overlap.
pub(crate) const PIPELINE_BATCH: usize = 512;

/// Parses a JSON source (one value or a stream of values) into `out`.
pub(crate) fn parse<T: Send>(source: &Arc<str>, text: &str, out: &mut Out<'_, T>) {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    let mut anchor = Anchor {
        text,
        off: 0,
        pos: Position::START,
    };
    while i < b.len() {
        anchor.pos = locate(b, anchor.off, anchor.pos, i);
        anchor.off = i;
        let end = match b[i] {
            b'{' => top_object(source, text, i, anchor, out),
            b'[' => pipelined_items(
                source,
                text,
                i,
                anchor,
                &ListContext::default(),
                out.map_fn(),
            )
            .map(|items| {
                out.append(items.out);
                items.end
            }),
            _ => None,
        };
        let Some(end) = end.or_else(|| generic(source, text, i, anchor, out)) else {
            break;
        };
        i = skip_ws(b, end);
    }
}

/// A value the scan could not take apart: let serde_json validate it. A
/// syntax error is reported and ends the source (`None`); a valid value is
/// converted the slow way.
fn generic<T: Send>(
    source: &Arc<str>,
    text: &str,
    i: usize,
    anchor: Anchor<'_>,
    out: &mut Out<'_, T>,
) -> Option<usize> {
    let rest = &text[i..];
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<&RawValue>();
    match stream.next() {
        Some(Ok(raw)) => {
            let end = i + stream.byte_offset();
            let node = JNode::new(raw.get(), anchor);
            convert_node(source, &node, None, out);
            Some(end)
        }
        Some(Err(e)) => {
            let node = JNode::new(rest, anchor);
            let problem = node.syntax_problem(&e);
            out.push_diag(
                source,
                problem.position,
                Severity::Error,
                problem.message,
                None,
            );
            None
        }
        None => None,
    }
}

fn json_string(text: &str, range: &Range<usize>) -> Option<String> {
    serde_json::from_str::<String>(text.get(range.clone())?).ok()
}

/// A top-level object, scanned member by member. An `items` array is
/// converted while the scan goes on, with what is known of the list at that
/// point (kubectl prints `kind` after `items`); once the object is scanned,
/// the guess is checked and the items redone in the rare case it mattered
/// and was wrong. `None`: the scan failed and nothing was emitted.
fn top_object<T: Send>(
    source: &Arc<str>,
    text: &str,
    i: usize,
    anchor: Anchor<'_>,
    out: &mut Out<'_, T>,
) -> Option<usize> {
    let b = text.as_bytes();
    let mut kind: Option<Range<usize>> = None;
    let mut api_version: Option<Range<usize>> = None;
    let mut list: Option<(Pipelined<'_, T>, Option<String>, Option<String>)> = None;
    let mut j = skip_ws(b, i + 1);
    let end = if b.get(j) == Some(&b'}') {
        j + 1
    } else {
        loop {
            if b.get(j) != Some(&b'"') {
                return None;
            }
            let key_end = string_end(b, j)?;
            let key = text.get(j + 1..key_end - 1)?;
            j = skip_ws(b, key_end);
            if b.get(j) != Some(&b':') {
                return None;
            }
            j = skip_ws(b, j + 1);
            let end = if key == "items" && b.get(j) == Some(&b'[') && list.is_none() {
                let guess_kind = kind.as_ref().and_then(|r| json_string(text, r));
                let guess_api = api_version.as_ref().and_then(|r| json_string(text, r));
                let guess = guess_kind
                    .as_deref()
                    .filter(|k| is_list_kind(k))
                    .map(|k| list_context(k, guess_api.as_deref(), None))
                    .unwrap_or_default();
                let items = pipelined_items(source, text, j, anchor, &guess, out.map_fn())?;
                let end = items.end;
                list = Some((
                    items,
                    guess.item_kind.map(str::to_owned),
                    guess.api_version.map(str::to_owned),
                ));
                end
            } else {
                value_end(b, j)?
            };
            match key {
                "kind" => kind = Some(j..end),
                "apiVersion" => api_version = Some(j..end),
                _ => {}
            }
            j = skip_ws(b, end);
            match b.get(j)? {
                b',' => j = skip_ws(b, j + 1),
                b'}' => break j + 1,
                _ => return None,
            }
        }
    };
    let kind = kind.and_then(|r| json_string(text, &r));
    let api_version = api_version.and_then(|r| json_string(text, &r));
    match (kind.as_deref().filter(|k| is_list_kind(k)), list) {
        (Some(kind), Some((items, guess_kind, guess_api))) => {
            let context = list_context(kind, api_version.as_deref(), None);
            let guessed_right = context.item_kind == guess_kind.as_deref()
                && context.api_version == guess_api.as_deref();
            if items.relied_on_list && !guessed_right {
                let mut redo = Out::new(out.map_fn());
                convert_items(
                    source,
                    text,
                    &items.ranges,
                    &items.positions,
                    &context,
                    &mut redo,
                );
                out.append(redo);
            } else {
                out.append(items.out);
            }
        }
        _ => {
            let node = JNode::new(&text[i..end], anchor);
            convert_node(source, &node, None, out);
        }
    }
    Some(end)
}

/// Where a list item starts, and the line it ends on (found by the scan,
/// which counts lines anyway).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ItemAt {
    pub pos: Position,
    pub end_line: u32,
}

impl ItemAt {
    /// The item at `start..end` in `b`, counting lines on from `from` (at
    /// position `at`, not after `start`). Returns it and the position of
    /// its last byte, to count on from.
    pub(crate) fn locate(
        b: &[u8],
        from: usize,
        at: Position,
        start: usize,
        end: usize,
    ) -> (ItemAt, (usize, Position)) {
        let pos = locate(b, from, at, start);
        let last_byte = end.saturating_sub(1).max(start);
        let last = locate(b, start, pos, last_byte);
        let item = ItemAt {
            pos,
            end_line: last.line,
        };
        (item, (last_byte, last))
    }
}

/// Items scanned and converted.
struct Pipelined<'f, T> {
    /// End of the array.
    end: usize,
    ranges: Vec<Range<usize>>,
    positions: Vec<ItemAt>,
    out: Out<'f, T>,
    /// Whether an item lacked `kind` or `apiVersion` and so used the list's.
    relied_on_list: bool,
}

/// Converts one list item.
pub(crate) fn convert_item<T>(
    source: &Arc<str>,
    text: &str,
    range: &Range<usize>,
    at: ItemAt,
    context: &ListContext<'_>,
    out: &mut Out<'_, T>,
) {
    let node = JNode {
        text: &text[range.clone()],
        anchor: Anchor {
            text,
            off: range.start,
            pos: at.pos,
        },
        end_line: at.end_line,
    };
    if !fast_pod(source, &node, context, out) {
        convert_node(source, &node, Some(context), out);
    }
}

/// Converts list items in parallel, in order.
fn convert_items<T: Send>(
    source: &Arc<str>,
    text: &str,
    ranges: &[Range<usize>],
    positions: &[ItemAt],
    context: &ListContext<'_>,
    out: &mut Out<'_, T>,
) {
    let map = out.map_fn();
    out.objects.reserve(ranges.len());
    for (batch, batch_positions) in ranges.chunks(BATCH).zip(positions.chunks(BATCH)) {
        let parts: Vec<Out<'_, T>> = batch
            .par_iter()
            .zip(batch_positions.par_iter())
            .map(|(range, &pos)| {
                let mut part = Out::new(map);
                convert_item(source, text, range, pos, context, &mut part);
                part
            })
            .collect();
        for part in parts {
            out.append(part);
        }
    }
}

/// Scans the array opening at `open` and converts its elements as list
/// items while the scan goes on: batches of items go to rayon tasks as soon
/// as they are found, and their results are put back in order. `None`: the
/// scan failed (results are dropped).
fn pipelined_items<'f, T: Send>(
    source: &Arc<str>,
    text: &str,
    open: usize,
    anchor: Anchor<'_>,
    context: &ListContext<'_>,
    map: MapFn<'f, T>,
) -> Option<Pipelined<'f, T>> {
    let b = text.as_bytes();
    let relied = AtomicBool::new(false);
    let context = ListContext {
        relied: Some(&relied),
        ..*context
    };
    let context = &context;
    let (tx, rx) = mpsc::channel::<(usize, Out<'f, T>)>();
    // The scope's closure must be Sync-capturing; a Receiver is only Send.
    let rx = std::sync::Mutex::new(rx);
    let mut ranges: Vec<Range<usize>> = Vec::new();
    let mut positions: Vec<ItemAt> = Vec::new();
    let mut out = Out::new(map);
    let mut in_order = crate::order::InOrder::new();
    let end = rayon::scope(|scope| {
        let mut batch_start = 0usize;
        let mut spawned = 0usize;
        let mut spawn = |ranges: &[Range<usize>], positions: &[ItemAt], start: usize| {
            let batch: Vec<(Range<usize>, ItemAt)> = ranges[start..]
                .iter()
                .cloned()
                .zip(positions[start..].iter().copied())
                .collect();
            let tx = tx.clone();
            let index = spawned;
            spawned += 1;
            scope.spawn(move |_| {
                let mut part = Out::new(map);
                for (range, pos) in &batch {
                    convert_item(source, text, range, *pos, context, &mut part);
                }
                let _ = tx.send((index, part));
            });
        };
        let (mut off, mut pos) = (anchor.off, anchor.pos);
        let mut j = skip_ws(b, open + 1);
        if b.get(j) == Some(&b']') {
            return Some(j + 1);
        }
        loop {
            let end = value_end(b, j)?;
            let (item, next) = ItemAt::locate(b, off, pos, j, end);
            (off, pos) = next;
            ranges.push(j..end);
            positions.push(item);
            if ranges.len() - batch_start == PIPELINE_BATCH {
                if batch_start == 0 {
                    // Room for all the items, estimated from the first ones:
                    // growing by doubling would copy the objects and hold
                    // them twice; capacity never touched costs nothing.
                    let seen = end - ranges[0].start;
                    let estimate = (b.len() - ranges[0].start) / (seen / ranges.len()).max(1);
                    out.objects.reserve(estimate + estimate / 8);
                }
                spawn(&ranges, &positions, batch_start);
                batch_start = ranges.len();
                if let Ok(rx) = rx.lock() {
                    while let Ok(part) = rx.try_recv() {
                        in_order.accept(part, |p| out.append(p));
                    }
                }
            }
            j = skip_ws(b, end);
            match b.get(j)? {
                b',' => j = skip_ws(b, j + 1),
                b']' => {
                    if batch_start < ranges.len() {
                        spawn(&ranges, &positions, batch_start);
                    }
                    return Some(j + 1);
                }
                _ => return None,
            }
        }
    });
    drop(tx);
    if let Ok(rx) = rx.into_inner() {
        for part in rx.iter() {
            in_order.accept(part, |p| out.append(p));
        }
    }
    Some(Pipelined {
        end: end?,
        ranges,
        positions,
        out,
        relied_on_list: relied.load(Ordering::Relaxed),
    })
}

/// Validates that `text` is one JSON value; used by tests.
#[cfg(test)]
fn is_valid(text: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_finds_value_ends() {
        let text = r#"{"a": "}\"]", "b": [1, {"c": "{"}]} tail"#;
        let end = value_end(text.as_bytes(), 0).expect("scans");
        assert_eq!(&text[..end], r#"{"a": "}\"]", "b": [1, {"c": "{"}]}"#);
        assert!(is_valid(&text[..end]));
        assert_eq!(value_end(b"[1, [2], {\"x\": \"]\"}] ,", 0), Some(20));
        assert_eq!(value_end(b"\"a\\\\\" x", 0), Some(5));
        assert_eq!(value_end(b"123,", 0), Some(3));
        let long = format!("\"{}\\\"{}\"", "x".repeat(40), "y".repeat(40));
        assert_eq!(value_end(long.as_bytes(), 0), Some(long.len()));
    }

    #[test]
    fn scan_rejects_broken_input() {
        assert_eq!(value_end(br#"[1, {"a": 2]"#, 0), None);
        // Objects only count braces: a stray bracket is left to serde_json.
        assert_eq!(value_end(br#"{"a": [1, 2}"#, 0), Some(12));
        assert_eq!(value_end(br#"{"a": "unterminated}"#, 0), None);
        assert_eq!(value_end(br#"["a", {"#, 0), None);
        assert_eq!(value_end(b"\"abc\\", 0), None);
        assert_eq!(container_end(b"[]]", 0), Some(2));
    }

    fn spans_of(text: &str, pos: Position) -> FieldSpans {
        let anchor = Anchor { text, off: 0, pos };
        JNode::new(text, anchor).field_spans()
    }

    /// JSON is YAML: the spans from the raw text are those from the tree.
    #[test]
    fn spans_from_text_match_spans_from_the_tree() {
        let text = "{\n  \"a\": {\"b\": [1,\n    {\"c\": \"x\\\"y\",\n     \"d.e\": {}}],\n  \"f\": []},\n  \"é\": \"ü\", \"g\": [[], [true,\nnull]],\n  \"k\\u0041\": 1\n}";
        for pos in [Position::START, Position::new(7, 5)] {
            let json = spans_of(text, pos);
            let tree = parse_fragment(text, pos).expect("a tree");
            let yaml = crate::yaml::YRef(&tree).field_spans();
            assert_eq!(json, yaml, "at {pos}");
            assert!(json.get("a.b[1][\"d.e\"]").is_some());
            assert!(json.get("kA").is_some());
            assert_eq!(
                json.get("g[1][1]").map(|s| s.start.line),
                Some(pos.line + 6)
            );
            assert_eq!(json.len(), 15);
        }
        let one_line = r#"{"a": {"b": 1}, "c": [2]}"#;
        let spans = spans_of(one_line, Position::new(3, 10));
        let got: Vec<(&str, u32, u32, u32)> = spans
            .iter()
            .map(|(p, s)| (p, s.start.line, s.start.column, s.end_line))
            .collect();
        assert_eq!(
            got,
            [
                ("", 3, 10, 3),
                ("a", 3, 11, 3),
                ("a.b", 3, 17, 3),
                ("c", 3, 26, 3),
                ("c[0]", 3, 32, 3)
            ]
        );
    }

    #[test]
    fn spans_of_broken_text_stop_without_panicking() {
        for text in [
            r#"{"a": [1, "#,
            r#"{"a" 1}"#,
            r#"{"a": 1 "b": 2}"#,
            "{",
            "[1 2]",
            r#"{"\x": 1}"#,
        ] {
            let spans = spans_of(text, Position::START);
            assert!(spans.get("").is_some(), "{text}");
        }
    }

    #[test]
    fn items_know_their_last_line() {
        let b = b"[{\n}, 1,\n  {\"a\":\n 2}]";
        let (first, next) = ItemAt::locate(b, 0, Position::START, 1, 4);
        assert_eq!(
            first,
            ItemAt {
                pos: Position::new(1, 2),
                end_line: 2
            }
        );
        let (second, next) = ItemAt::locate(b, next.0, next.1, 6, 7);
        assert_eq!(
            second,
            ItemAt {
                pos: Position::new(2, 4),
                end_line: 2
            }
        );
        let (third, _) = ItemAt::locate(b, next.0, next.1, 11, 20);
        assert_eq!(
            third,
            ItemAt {
                pos: Position::new(3, 3),
                end_line: 4
            }
        );
    }
}
