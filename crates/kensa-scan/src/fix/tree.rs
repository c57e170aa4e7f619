//! A YAML document as nodes with byte spans, for splicing edits into the
//! original text.
//!
//! Built from serde-saphyr's parser (`granit_parser`) events. Unlike the
//! loader's tree in `kensa-k8s`, this one keeps where every node starts and
//! ends in the source, whether a collection is written in block or flow
//! style, and aliases as opaque nodes (an edit never goes through an alias).

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, Span, StructureStyle};

/// A node with its place in the source.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// Byte offset of the first character (for a block sequence, its first `-`;
    /// for a block mapping, its first key).
    pub start: usize,
    /// Byte offset just past the node. For scalars and flow collections, the
    /// parser's end; for block collections, the end of their last child.
    pub end: usize,
    /// 1-based line of `start`.
    pub line: usize,
    /// 0-based column (in characters) of `start`.
    pub col: usize,
    /// What the node is.
    pub kind: Kind,
}

/// The kinds of node.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// A scalar: its value and how it was written.
    Scalar {
        value: String,
        style: ScalarStyle,
        /// The scalar carries an explicit tag (`!!str 1`, `!custom x`).
        tagged: bool,
    },
    /// A sequence.
    Seq { flow: bool, items: Vec<Node> },
    /// A mapping, in source order.
    Map { flow: bool, entries: Vec<Entry> },
    /// An alias (`*name`): its content lives elsewhere.
    Alias,
}

/// A mapping entry.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The key's value, or `None` for a key that is not a scalar.
    pub key: Option<String>,
    /// Byte span of the key.
    pub key_start: usize,
    /// Byte offset just past the key.
    pub key_end: usize,
    /// 0-based column of the key.
    pub key_col: usize,
    /// The value.
    pub value: Node,
}

/// A syntax error: the message and its 1-based line.
#[derive(Debug, Clone)]
pub(crate) struct SyntaxError {
    pub line: usize,
    pub message: String,
}

enum Frame {
    Seq {
        start: usize,
        line: usize,
        col: usize,
        flow: bool,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        line: usize,
        col: usize,
        flow: bool,
        entries: Vec<Entry>,
        key: Option<Node>,
    },
}

fn offset(span: &Span, text: &str, end: bool) -> usize {
    let marker = if end { span.end } else { span.start };
    marker.byte_offset().unwrap_or(text.len()).min(text.len())
}

/// Parses every document of `text`. The first syntax error ends parsing.
pub(crate) fn parse(text: &str) -> Result<Vec<Node>, SyntaxError> {
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    for next in Parser::new_from_str(text) {
        let (event, span) = next.map_err(|e| SyntaxError {
            line: e.marker().line().max(1),
            message: e.info(),
        })?;
        let start = offset(&span, text, false);
        let end = offset(&span, text, true);
        let line = span.start.line().max(1);
        let col = span.start.col();
        let done = match event {
            Event::DocumentStart(..) => {
                stack.clear();
                root = None;
                None
            }
            Event::DocumentEnd => {
                if let Some(node) = root.take() {
                    docs.push(node);
                }
                None
            }
            Event::Scalar(value, style, _, tag) => Some(Node {
                start,
                end,
                line,
                col,
                kind: Kind::Scalar {
                    value: value.into_owned(),
                    style,
                    tagged: tag.is_some(),
                },
            }),
            Event::Alias(_) | Event::UnresolvedAlias(_) => Some(Node {
                start,
                end,
                line,
                col,
                kind: Kind::Alias,
            }),
            Event::SequenceStart(style, _, _) => {
                let flow = style == StructureStyle::Flow;
                // A block sequence starts at its first dash (the parser gives the first item).
                let (start, line, col) = if flow {
                    (start, line, col)
                } else {
                    dash_before(text, start, line).unwrap_or((start, line, col))
                };
                stack.push(Frame::Seq {
                    start,
                    line,
                    col,
                    flow,
                    items: Vec::new(),
                });
                None
            }
            Event::MappingStart(style, _, _) => {
                stack.push(Frame::Map {
                    start,
                    line,
                    col,
                    flow: style == StructureStyle::Flow,
                    entries: Vec::new(),
                    key: None,
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => stack.pop().map(|frame| close(frame, end)),
            _ => None,
        };
        if let Some(node) = done {
            complete(&mut stack, &mut root, node);
        }
    }
    Ok(docs)
}

/// The `-` before a block sequence's first item: (offset, line, column).
fn dash_before(text: &str, item: usize, item_line: usize) -> Option<(usize, usize, usize)> {
    let before = text.get(..item)?;
    let trimmed = before.trim_end_matches([' ', '\t', '\r', '\n']);
    let dash = trimmed.len().checked_sub(1)?;
    if !trimmed.ends_with('-') {
        return None;
    }
    let line_start = text[..dash].rfind('\n').map_or(0, |i| i + 1);
    let line = item_line.saturating_sub(text[dash..item].matches('\n').count());
    Some((dash, line, text[line_start..dash].chars().count()))
}

fn close(frame: Frame, end: usize) -> Node {
    match frame {
        Frame::Seq {
            start,
            line,
            col,
            flow,
            items,
        } => {
            let end = if flow {
                end
            } else {
                items.last().map_or(start, |n| n.end)
            };
            Node {
                start,
                end,
                line,
                col,
                kind: Kind::Seq { flow, items },
            }
        }
        Frame::Map {
            start,
            line,
            col,
            flow,
            entries,
            key: _,
        } => {
            let end = if flow {
                end
            } else {
                entries.last().map_or(start, |e| e.value.end.max(e.key_end))
            };
            Node {
                start,
                end,
                line,
                col,
                kind: Kind::Map { flow, entries },
            }
        }
    }
}

fn complete(stack: &mut [Frame], root: &mut Option<Node>, node: Node) {
    match stack.last_mut() {
        None => *root = Some(node),
        Some(Frame::Seq { items, .. }) => items.push(node),
        Some(Frame::Map { entries, key, .. }) => match key.take() {
            None => *key = Some(node),
            Some(k) => entries.push(Entry {
                key: match &k.kind {
                    Kind::Scalar { value, .. } => Some(value.clone()),
                    _ => None,
                },
                key_start: k.start,
                key_end: k.end,
                key_col: k.col,
                value: node,
            }),
        },
    }
}

impl Node {
    /// The value under `key` of a mapping (the last, should there be several).
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The entry under `key` of a mapping (the last, should there be several).
    pub(crate) fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.kind {
            Kind::Map { entries, .. } => {
                entries.iter().rev().find(|e| e.key.as_deref() == Some(key))
            }
            _ => None,
        }
    }

    /// Follows a path of keys through mappings.
    pub(crate) fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    /// Whether the node is a null scalar (`~`, `null`, nothing).
    pub(crate) fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { value, style: ScalarStyle::Plain, tagged: false }
            if matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// A scalar's value, unless null.
    pub(crate) fn str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, .. } if !self.is_null() => Some(value),
            _ => None,
        }
    }

    /// A scalar read as a boolean the way Kubernetes reads YAML (YAML 1.1
    /// spellings included for plain scalars).
    pub(crate) fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Scalar {
                value,
                style: ScalarStyle::Plain,
                ..
            } => match value.as_str() {
                "true" | "True" | "TRUE" | "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On"
                | "ON" => Some(true),
                "false" | "False" | "FALSE" | "n" | "N" | "no" | "No" | "NO" | "off" | "Off"
                | "OFF" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// A scalar read as an integer.
    pub(crate) fn as_int(&self) -> Option<i64> {
        let text = self.str()?;
        text.parse().ok()
    }

    /// The items of a sequence (none for anything else).
    pub(crate) fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq { items, .. } => items,
            _ => &[],
        }
    }

    /// The entries of a mapping (none for anything else).
    pub(crate) fn entries(&self) -> &[Entry] {
        match &self.kind {
            Kind::Map { entries, .. } => entries,
            _ => &[],
        }
    }

    /// Whether the node is a mapping.
    pub(crate) fn is_map(&self) -> bool {
        matches!(self.kind, Kind::Map { .. })
    }

    /// Whether the node is a sequence.
    pub(crate) fn is_seq(&self) -> bool {
        matches!(self.kind, Kind::Seq { .. })
    }

    /// Whether the node is a block scalar (`|` or `>`).
    pub(crate) fn is_block_scalar(&self) -> bool {
        matches!(
            self.kind,
            Kind::Scalar {
                style: ScalarStyle::Literal | ScalarStyle::Folded,
                ..
            }
        )
    }

    /// The last node of this subtree in source order (itself for scalars,
    /// aliases, flow and empty collections).
    pub(crate) fn last_leaf(&self) -> &Node {
        match &self.kind {
            Kind::Seq { flow: false, items } => items.last().map_or(self, Node::last_leaf),
            Kind::Map {
                flow: false,
                entries,
            } => entries.last().map_or(self, |e| e.value.last_leaf()),
            _ => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_of_block_and_flow_nodes() {
        let text = "a:\n  b: 1   # c\n  f: {x: 1}\n  l:\n  - x\n  - y\n";
        let docs = parse(text).unwrap_or_default();
        assert_eq!(docs.len(), 1);
        let a = docs[0].get("a").expect("a");
        assert!(matches!(a.kind, Kind::Map { flow: false, .. }));
        assert_eq!(a.col, 2);
        let f = a.get("f").expect("f");
        assert_eq!(&text[f.start..f.end], "{x: 1}");
        let l = a.get("l").expect("l");
        assert_eq!(l.col, 2);
        assert_eq!(&text[l.start..l.end], "- x\n  - y");
        assert_eq!(a.get("b").and_then(Node::as_int), Some(1));
    }

    #[test]
    fn empty_values_are_null() {
        let docs = parse("a:\nb: ~\n").unwrap_or_default();
        assert!(docs[0].get("a").is_some_and(Node::is_null));
        assert!(docs[0].get("b").is_some_and(Node::is_null));
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = parse("a: 1\nb: 2\n  c: [\n").err();
        assert_eq!(err.map(|e| e.line), Some(3));
    }

    #[test]
    fn multi_document() {
        let docs = parse("a: 1\n---\nb: 2\n---\n# only a comment\n").unwrap_or_default();
        assert_eq!(docs.len(), 3);
        assert!(docs[2].is_null());
    }
}
