//! YAML sources: split into documents, parse each into a positioned tree,
//! convert.
//!
//! The stream is split at `---` (and after `...`) lines by a line scan, so a
//! broken document costs only itself. Documents are parsed in parallel. A
//! `kind: List` document streams its items: each item is converted as soon
//! as it is parsed, so the whole list never lives in memory as one tree.

mod de;
mod tree;

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::convert::{
    Fields, ListContext, MAX_SPAN_DEPTH, Node, Problem, Unknown, convert_node, is_list_kind,
    list_context, with_path,
};
use crate::diag::{Out, Severity};
use crate::position::Position;
use crate::spans::{FieldSpans, Span};
pub(crate) use de::{De, ignored_segs, join_path, locate_path};
pub(crate) use tree::{Base, YNode};
use tree::{Resolved, YValue, parse_documents};

/// One document's text, as found by [`split`].
#[derive(Debug, PartialEq, Eq)]
struct Chunk<'t> {
    start: usize,
    end: usize,
    /// Line of the chunk's first character.
    line: u32,
    /// `kind:` at column 0, if any (a cheap look-ahead, checked after parsing).
    kind: Option<&'t str>,
    /// `apiVersion:` at column 0, if any.
    api_version: Option<&'t str>,
}

fn is_marker(line: &[u8], marker: &[u8; 3]) -> bool {
    line.starts_with(marker) && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
}

/// The value of a `key: value` line at column 0: unquoted, comment dropped.
fn root_value<'t>(line: &'t str, key: &str) -> Option<&'t str> {
    let rest = line.strip_prefix(key)?.strip_prefix(':')?;
    let rest = rest.split(" #").next().unwrap_or("").trim();
    let unquoted = rest
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .or_else(|| rest.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')))
        .unwrap_or(rest);
    (!unquoted.is_empty()).then_some(unquoted)
}

/// Splits a YAML stream into document chunks at `---` lines (the marker line
/// starts the next chunk) and after `...` lines. A chunk holding only
/// directives (`%YAML`) is kept with the document that follows it.
fn split(text: &str) -> Vec<Chunk<'_>> {
    let bytes = text.as_bytes();
    let mut chunks = Vec::new();
    let mut current = Chunk {
        start: 0,
        end: 0,
        line: 1,
        kind: None,
        api_version: None,
    };
    let mut has_content = false;
    let mut has_directive = false;
    let mut line_no: u32 = 1;
    let mut pos = 0;
    while pos < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i + 1);
        let line = &bytes[pos..end];
        if is_marker(line, b"---") && has_directive && !has_content {
            // `%YAML ...` then `---`: one document.
            has_content = true;
        } else if is_marker(line, b"---") {
            if pos > current.start {
                current.end = pos;
                chunks.push(current);
            }
            current = Chunk {
                start: pos,
                end: 0,
                line: line_no,
                kind: None,
                api_version: None,
            };
            has_content = true;
            has_directive = false;
        } else if is_marker(line, b"...") {
            current.end = end;
            chunks.push(current);
            current = Chunk {
                start: end,
                end: 0,
                line: line_no.saturating_add(1),
                kind: None,
                api_version: None,
            };
            has_content = false;
            has_directive = false;
        } else {
            match line.first() {
                Some(b'%') if !has_content => has_directive = true,
                Some(b'#' | b' ' | b'\t' | b'\r' | b'\n') | None => {
                    if line.iter().any(|b| !b.is_ascii_whitespace()) && line.first() != Some(&b'#')
                    {
                        has_content = true;
                    }
                }
                Some(_) => {
                    has_content = true;
                    let s = text.get(pos..end).unwrap_or("");
                    if current.kind.is_none() && line.starts_with(b"kind:") {
                        current.kind = root_value(s, "kind");
                    } else if current.api_version.is_none() && line.starts_with(b"apiVersion:") {
                        current.api_version = root_value(s, "apiVersion");
                    }
                }
            }
        }
        line_no = line_no.saturating_add(1);
        pos = end;
    }
    if bytes.len() > current.start {
        current.end = bytes.len();
        chunks.push(current);
    }
    chunks
}

/// Parses a YAML source into `out`.
pub(crate) fn parse<T: Send>(source: &Arc<str>, text: &str, out: &mut Out<'_, T>) {
    let chunks = split(text);
    let map = out.map_fn();
    let parts: Vec<Out<'_, T>> = chunks
        .par_iter()
        .map(|chunk| {
            let mut part = Out::new(map);
            parse_chunk(source, text, chunk, &mut part);
            part
        })
        .collect();
    for part in parts {
        out.append(part);
    }
}

/// The items of a root `items:` block sequence, found by lines: in
/// `kubectl get -o yaml` output every item starts with `- ` at the same
/// indentation and everything else in it is indented further.
#[derive(Debug, PartialEq, Eq)]
struct ItemLines {
    /// End of the `items:` line.
    header_end: usize,
    /// Each item: byte range in the chunk and its first line (in the chunk, from 0).
    items: Vec<(Range<usize>, u32)>,
    /// Where what follows the items starts (`kind: List`, `metadata:`).
    trailer_start: usize,
}

fn split_items(text: &str) -> Option<ItemLines> {
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut line_no: u32 = 0;
    let mut header_end = None;
    let mut indent = None;
    let mut items: Vec<(Range<usize>, u32)> = Vec::new();
    let mut trailer_start = bytes.len();
    while pos < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i + 1);
        let line = &bytes[pos..end];
        let Some(header) = header_end else {
            if let Some(rest) = line.strip_prefix(b"items:") {
                let rest = rest.trim_ascii();
                if !(rest.is_empty() || rest.starts_with(b"#")) {
                    return None;
                }
                header_end = Some(end);
            }
            pos = end;
            line_no += 1;
            continue;
        };
        let _ = header;
        let spaces = line.iter().take_while(|&&b| b == b' ').count();
        let rest = &line[spaces..];
        let blank = rest.trim_ascii().is_empty() || rest.starts_with(b"#");
        if rest.starts_with(b"\t") {
            return None;
        }
        if !blank {
            let is_item = rest.starts_with(b"- ") || rest.trim_ascii() == b"-";
            match indent {
                None if is_item => indent = Some(spaces),
                None => return None,
                Some(ind) if spaces > ind => {}
                Some(ind) if spaces == ind && is_item => {}
                Some(_) => {
                    trailer_start = pos;
                    break;
                }
            }
            if Some(spaces) == indent && is_item {
                if let Some(last) = items.last_mut() {
                    last.0.end = pos;
                }
                items.push((pos..pos, line_no));
            }
        }
        pos = end;
        line_no += 1;
    }
    if let Some(last) = items.last_mut() {
        last.0.end = trailer_start;
    }
    Some(ItemLines {
        header_end: header_end?,
        items,
        trailer_start,
    })
}

/// Converts the items of a `kind: List` document in parallel: each item's
/// lines are parsed on their own (as a one-item sequence). Gives up (false,
/// nothing emitted) on anything the split cannot vouch for: an item that
/// does not parse alone (aliases to another item, odd indentation), a head
/// or tail that is not the list the look-ahead saw. The sequential path then
/// takes over and reports problems with their exact positions.
fn parallel_list<T: Send>(
    source: &Arc<str>,
    text: &str,
    chunk: &Chunk<'_>,
    kind: &str,
    out: &mut Out<'_, T>,
) -> bool {
    let chunk_text = &text[chunk.start..chunk.end];
    let Some(split) = split_items(chunk_text) else {
        return false;
    };
    if split.items.len() < 2 {
        return false;
    }
    let rest = format!(
        "{}{}",
        &chunk_text[..split.header_end],
        &chunk_text[split.trailer_start..]
    );
    let (docs, err) = parse_documents(&rest, Base(Position::new(chunk.line, 1)), None);
    let head_ok = err.is_none()
        && docs.len() == 1
        && docs[0].get("kind").and_then(YNode::text) == Some(kind)
        && docs[0].get("apiVersion").and_then(YNode::text) == chunk.api_version
        && docs[0].get("items").is_some_and(YNode::is_null);
    if !head_ok {
        return false;
    }
    let context = list_context(kind, chunk.api_version, None);
    let failed = AtomicBool::new(false);
    let map = out.map_fn();
    let parts: Vec<Out<'_, T>> = split
        .items
        .par_iter()
        .map(|(range, line)| {
            let mut part = Out::new(map);
            if failed.load(Ordering::Relaxed) {
                return part;
            }
            let base = Base(Position::new(chunk.line.saturating_add(*line), 1));
            let (mut docs, err) = parse_documents(&chunk_text[range.clone()], base, None);
            match (err, docs.pop().map(|d| d.value)) {
                (None, Some(YValue::Seq(items))) if docs.is_empty() && items.len() == 1 => {
                    convert_node(source, &YRef(&items[0]), Some(&context), &mut part);
                }
                _ => failed.store(true, Ordering::Relaxed),
            }
            part
        })
        .collect();
    if failed.load(Ordering::Relaxed) {
        return false;
    }
    out.objects.reserve(parts.len());
    for part in parts {
        out.append(part);
    }
    true
}

fn parse_chunk<T: Send>(source: &Arc<str>, text: &str, chunk: &Chunk<'_>, out: &mut Out<'_, T>) {
    let chunk_text = &text[chunk.start..chunk.end];
    let base = Base(Position::new(chunk.line, 1));
    if let Some(kind) = chunk.kind.filter(|k| is_list_kind(k)) {
        if parallel_list(source, text, chunk, kind, out) {
            return;
        }
        let context = list_context(kind, chunk.api_version, None);
        let mark = (out.objects.len(), out.diagnostics.len(), out.documents);
        let (docs, err) = {
            let mut sink = |item: YNode| convert_node(source, &YRef(&item), Some(&context), out);
            parse_documents(chunk_text, base, Some(&mut sink))
        };
        let verified = err.is_none()
            && docs.len() == 1
            && docs[0].get("kind").and_then(YNode::text) == Some(kind)
            && docs[0].get("apiVersion").and_then(YNode::text) == chunk.api_version
            && matches!(docs[0].get("items").map(|n| &n.value), Some(YValue::Seq(items)) if items.is_empty());
        if verified {
            return;
        }
        out.objects.truncate(mark.0);
        out.diagnostics.truncate(mark.1);
        out.documents = mark.2;
        if let Some(problem) = err {
            out.push_diag(
                source,
                problem.position,
                Severity::Error,
                problem.message,
                None,
            );
            return;
        }
    }
    let (docs, err) = parse_documents(chunk_text, base, None);
    for doc in &docs {
        if !doc.is_null() {
            convert_node(source, &YRef(doc), None::<&ListContext<'_>>, out);
        }
    }
    if let Some(problem) = err {
        out.push_diag(
            source,
            problem.position,
            Severity::Error,
            problem.message,
            None,
        );
    }
}

/// Parses a fragment of a source (a JSON value, for better messages) into a
/// tree, positions counted from `base`. `None` if it is not one document.
pub(crate) fn parse_fragment(text: &str, base: Position) -> Option<YNode> {
    let (mut docs, err) = parse_documents(text, Base(base), None);
    if err.is_some() || docs.len() != 1 {
        return None;
    }
    docs.pop()
}

/// Deserializes a tree node; see [`Node::decode`].
pub(crate) fn decode_tree<T: DeserializeOwned>(
    node: &YNode,
    path: &str,
    unknown: Option<&mut Vec<Unknown>>,
) -> Result<T, Problem> {
    let to_problem = |e: de::DeError| Problem {
        message: with_path(&e.message, &join_path(path, &e.path())),
        position: e.position.unwrap_or(node.pos),
    };
    match unknown {
        None => T::deserialize(De::new(node)).map_err(to_problem),
        Some(list) => {
            let mut found = Vec::new();
            let result =
                serde_ignored::deserialize(De::new(node), |p| found.push(ignored_segs(&p)));
            for segs in found {
                list.push(Unknown {
                    path: join_path(path, &segs),
                    position: locate_path(node, &segs).unwrap_or(node.pos),
                });
            }
            result.map_err(to_problem)
        }
    }
}

/// A YAML tree node as a [`Node`].
#[derive(Clone, Copy)]
pub(crate) struct YRef<'a>(pub &'a YNode);

impl Node for YRef<'_> {
    fn position(&self) -> Position {
        self.0.pos
    }

    fn describe(&self) -> &'static str {
        match &self.0.value {
            YValue::Scalar(s) => match s.resolve() {
                Resolved::Null => "null",
                Resolved::Bool(_) => "a boolean",
                Resolved::Int(_) | Resolved::UInt(_) | Resolved::Float(_) => "a number",
                Resolved::Str(_) => "a string",
            },
            YValue::Seq(_) => "a sequence",
            YValue::Map(_) => "a mapping",
        }
    }

    fn is_null(&self) -> bool {
        self.0.is_null()
    }

    fn entries(&self) -> Result<Option<Fields<'_, Self>>, Problem> {
        Ok(match &self.0.value {
            YValue::Map(entries) => Some(
                entries
                    .iter()
                    .map(|(k, v)| (Cow::Borrowed(k.text.as_str()), YRef(v)))
                    .collect(),
            ),
            _ => None,
        })
    }

    fn elements(&self) -> Result<Option<Vec<Self>>, Problem> {
        Ok(match &self.0.value {
            YValue::Seq(items) => Some(items.iter().map(YRef).collect()),
            _ => None,
        })
    }

    fn text(&self) -> Option<Cow<'_, str>> {
        self.0.text().map(Cow::Borrowed)
    }

    fn decode<T: DeserializeOwned>(
        &self,
        path: &str,
        unknown: Option<&mut Vec<Unknown>>,
    ) -> Result<T, Problem> {
        decode_tree(self.0, path, unknown)
    }

    fn to_json(&self) -> Result<serde_json::Value, Problem> {
        serde_json::Value::deserialize(De::new(self.0)).map_err(|e| Problem {
            message: with_path(&e.message, &join_path("", &e.path())),
            position: e.position.unwrap_or(self.0.pos),
        })
    }

    fn end_line(&self) -> u32 {
        self.0.end_line.max(self.0.pos.line)
    }

    fn field_spans(&self) -> FieldSpans {
        let mut spans = FieldSpans::default();
        spans.insert("", span_of(self.0.pos, self.0));
        add_spans(self.0, &mut String::new(), &mut spans, 0);
        spans
    }
}

/// From where a field starts (its key, or the item) to where its value ends.
fn span_of(start: Position, value: &YNode) -> Span {
    Span {
        start,
        end_line: value.end_line.max(start.line),
    }
}

/// The spans of everything in `node`, which is at `path`.
fn add_spans(node: &YNode, path: &mut String, spans: &mut FieldSpans, depth: usize) {
    if depth >= MAX_SPAN_DEPTH {
        return;
    }
    let len = path.len();
    match &node.value {
        YValue::Map(entries) => {
            for (key, value) in entries {
                FieldSpans::push_key(path, &key.text);
                spans.insert(path, span_of(key.pos, value));
                add_spans(value, path, spans, depth + 1);
                path.truncate(len);
            }
        }
        YValue::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                FieldSpans::push_index(path, i);
                spans.insert(path, span_of(item.pos, item));
                add_spans(item, path, spans, depth + 1);
                path.truncate(len);
            }
        }
        YValue::Scalar(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk_lines(text: &str) -> Vec<(u32, &str)> {
        split(text)
            .iter()
            .map(|c| (c.line, &text[c.start..c.end]))
            .collect()
    }

    #[test]
    fn split_at_markers() {
        let text = "a: 1\n---\nb: 2\n--- # c\nc: 3\n...\n%YAML 1.2\n---\nd: 4\n";
        assert_eq!(
            chunk_lines(text),
            vec![
                (1, "a: 1\n"),
                (2, "---\nb: 2\n"),
                (4, "--- # c\nc: 3\n...\n"),
                (7, "%YAML 1.2\n---\nd: 4\n"),
            ]
        );
    }

    #[test]
    fn split_ignores_indented_and_glued_markers() {
        let text = "a: |\n  ---\n  x\nb: ---x\n----\n";
        assert_eq!(chunk_lines(text).len(), 1);
    }

    #[test]
    fn split_items_by_lines() {
        let text = "apiVersion: v1\nitems:\n- a: 1\n  b: |\n    - not an item\n\n# note\n- a: 2\n-\n  a: 3\nkind: List\n";
        let split = split_items(text).expect("splits");
        let items: Vec<(&str, u32)> = split
            .items
            .iter()
            .map(|(r, l)| (&text[r.clone()], *l))
            .collect();
        assert_eq!(
            items,
            [
                ("- a: 1\n  b: |\n    - not an item\n\n# note\n", 2),
                ("- a: 2\n", 7),
                ("-\n  a: 3\n", 8)
            ]
        );
        assert_eq!(&text[split.trailer_start..], "kind: List\n");
        assert_eq!(&text[..split.header_end], "apiVersion: v1\nitems:\n");

        let indented = "kind: List\nitems:\n  - a: 1\n  - a: 2\nmetadata: {}\n";
        assert_eq!(split_items(indented).map(|s| s.items.len()), Some(2));
        assert_eq!(split_items("kind: List\nitems: []\n"), None);
        assert_eq!(split_items("kind: List\nitems:\n  a: 1\n"), None);
    }

    #[test]
    fn split_reads_root_kind() {
        let text = "apiVersion: v1\nitems: []\nkind: \"PodList\" # typed\n";
        let chunks = split(text);
        assert_eq!(chunks[0].kind, Some("PodList"));
        assert_eq!(chunks[0].api_version, Some("v1"));
    }
}
