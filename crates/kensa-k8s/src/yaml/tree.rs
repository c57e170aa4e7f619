//! A YAML document as a tree of nodes with positions, built from the event
//! stream of serde-saphyr's parser (`granit_parser`).
//!
//! The tree keeps every scalar's original text and style so that
//! deserialization can follow what Kubernetes does (sigs.k8s.io/yaml): a
//! string field gets the text as written (`value: 0123` is `"0123"`), a
//! boolean field accepts `true` and the YAML 1.1 spellings (`yes`, `on`), an
//! integer field accepts `0644` as octal.
//!
//! Anchors and aliases are expanded (with a budget against alias bombs),
//! merge keys (`<<`) are applied, and duplicate keys are an error, as in
//! serde-saphyr's default policy.

use std::collections::HashMap;

use serde_saphyr::granit_parser::{
    Event, Marker, Parser, ScalarStyle, ScanError, Span, StructureStyle,
};

use crate::convert::Problem;
use crate::position::Position;

/// Most nodes that alias expansion may copy into one document.
const ALIAS_BUDGET: usize = 1_000_000;

/// A node of a YAML document.
#[derive(Debug, Clone)]
pub(crate) struct YNode {
    /// Where the node starts.
    pub pos: Position,
    /// The last line of the node's text (for an alias, of the alias).
    pub end_line: u32,
    /// What it is.
    pub value: YValue,
}

/// The three kinds of YAML node.
#[derive(Debug, Clone)]
pub(crate) enum YValue {
    /// A scalar with its text as written (after escapes and folding).
    Scalar(Scalar),
    /// A sequence.
    Seq(Vec<YNode>),
    /// A mapping, in document order, merge keys applied.
    Map(Vec<(YKey, YNode)>),
}

/// A mapping key: always a scalar's text.
#[derive(Debug, Clone)]
pub(crate) struct YKey {
    pub text: String,
    pub pos: Position,
}

/// A scalar node.
#[derive(Debug, Clone)]
pub(crate) struct Scalar {
    pub text: String,
    /// Plain (unquoted, not a block scalar): subject to type resolution.
    pub plain: bool,
    pub tag: CoreTag,
}

/// The YAML core-schema tag on a scalar, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CoreTag {
    None,
    Str,
    Int,
    Float,
    Bool,
    Null,
}

/// What a scalar means when nothing asks for a specific type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Resolved<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(&'a str),
}

impl Scalar {
    /// Resolves the scalar as YAML 1.2 core schema, with YAML 1.1 octal
    /// (`0644`) as Kubernetes manifests use it.
    pub(crate) fn resolve(&self) -> Resolved<'_> {
        let text = self.text.as_str();
        match self.tag {
            CoreTag::Str => Resolved::Str(text),
            CoreTag::Null => Resolved::Null,
            CoreTag::Bool => parse_bool(text, true).map_or(Resolved::Str(text), Resolved::Bool),
            CoreTag::Int => parse_int(text).unwrap_or(Resolved::Str(text)),
            CoreTag::Float => parse_int(text)
                .or_else(|| parse_float(text).map(Resolved::Float))
                .unwrap_or(Resolved::Str(text)),
            CoreTag::None if !self.plain => Resolved::Str(text),
            CoreTag::None => {
                if is_null(text) {
                    Resolved::Null
                } else if let Some(b) = parse_bool(text, false) {
                    Resolved::Bool(b)
                } else if let Some(n) = parse_int(text) {
                    n
                } else if let Some(f) = parse_float(text) {
                    Resolved::Float(f)
                } else {
                    Resolved::Str(text)
                }
            }
        }
    }

    /// Whether the scalar is null (`~`, `null`, empty, `!!null`).
    pub(crate) fn is_null(&self) -> bool {
        matches!(self.resolve(), Resolved::Null)
    }

    /// The scalar as a boolean when a boolean is asked for: YAML 1.1 spellings included.
    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self.tag {
            CoreTag::None if self.plain => parse_bool(&self.text, true),
            CoreTag::Bool => parse_bool(&self.text, true),
            _ => None,
        }
    }

    /// The scalar as a number when a number is asked for.
    pub(crate) fn as_number(&self) -> Option<Resolved<'_>> {
        if !(self.plain || matches!(self.tag, CoreTag::Int | CoreTag::Float))
            || self.tag == CoreTag::Str
        {
            return None;
        }
        parse_int(&self.text).or_else(|| parse_float(&self.text).map(Resolved::Float))
    }
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

fn parse_bool(text: &str, yaml11: bool) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" if yaml11 => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" if yaml11 => Some(false),
        _ => None,
    }
}

fn parse_int(text: &str) -> Option<Resolved<'static>> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let (radix, digits) = if let Some(hex) = digits.strip_prefix("0x") {
        (16, hex)
    } else if let Some(oct) = digits.strip_prefix("0o") {
        (8, oct)
    } else if digits.len() > 1
        && digits.starts_with('0')
        && digits.bytes().all(|b| matches!(b, b'0'..=b'7'))
    {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if negative {
        if magnitude == 1u64 << 63 {
            Some(Resolved::Int(i64::MIN))
        } else {
            i64::try_from(magnitude).ok().map(|m| Resolved::Int(-m))
        }
    } else {
        Some(match i64::try_from(magnitude) {
            Ok(m) => Resolved::Int(m),
            Err(_) => Resolved::UInt(magnitude),
        })
    }
}

fn parse_float(text: &str) -> Option<f64> {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    match body {
        ".inf" | ".Inf" | ".INF" => {
            return Some(if text.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            });
        }
        ".nan" | ".NaN" | ".NAN" if body.len() == text.len() => return Some(f64::NAN),
        _ => {}
    }
    // [0-9]* ( . [0-9]* )? ( [eE] [-+]? [0-9]+ )?, with at least one digit before the exponent.
    let bytes = body.as_bytes();
    let mut i = 0;
    let mut mantissa_digits = 0;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
        mantissa_digits += 1;
    }
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
            mantissa_digits += 1;
        }
    }
    if mantissa_digits == 0 {
        return None;
    }
    if i < bytes.len() && matches!(bytes[i], b'e' | b'E') {
        i += 1;
        if i < bytes.len() && matches!(bytes[i], b'-' | b'+') {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if i != bytes.len() {
        return None;
    }
    text.parse().ok()
}

impl YNode {
    /// Whether the node is a null scalar.
    pub(crate) fn is_null(&self) -> bool {
        matches!(&self.value, YValue::Scalar(s) if s.is_null())
    }

    /// The value under `key` of a mapping (the last one, should there be several).
    pub(crate) fn get(&self, key: &str) -> Option<&YNode> {
        match &self.value {
            YValue::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.text == key)
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// A scalar's text, unless null.
    pub(crate) fn text(&self) -> Option<&str> {
        match &self.value {
            YValue::Scalar(s) if !s.is_null() => Some(&s.text),
            _ => None,
        }
    }

    fn size(&self) -> usize {
        match &self.value {
            YValue::Scalar(_) => 1,
            YValue::Seq(items) => 1 + items.iter().map(YNode::size).sum::<usize>(),
            YValue::Map(entries) => 1 + entries.iter().map(|(_, v)| 1 + v.size()).sum::<usize>(),
        }
    }
}

/// Where a chunk of text starts in its source, to turn parser markers into
/// source positions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Base(pub Position);

impl Base {
    pub(crate) fn at(self, marker: &Marker) -> Position {
        let line = u32::try_from(marker.line()).unwrap_or(u32::MAX).max(1);
        let col = u32::try_from(marker.col())
            .unwrap_or(u32::MAX)
            .saturating_add(1);
        if line == 1 {
            Position::new(self.0.line, self.0.column.saturating_add(col - 1))
        } else {
            Position::new(self.0.line.saturating_add(line - 1), col)
        }
    }

    /// The source line of a 1-based line of the chunk.
    pub(crate) fn line(self, line: usize) -> u32 {
        let line = u32::try_from(line).unwrap_or(u32::MAX).max(1);
        self.0.line.saturating_add(line - 1)
    }

    fn problem(self, e: &ScanError) -> Problem {
        Problem {
            message: e.info(),
            position: self.at(e.marker()),
        }
    }
}

enum Pending {
    None,
    Key(YKey),
    Merge,
}

/// Where a collection being built ends: at its closing bracket (flow), or
/// with its last child (block), as far as seen.
#[derive(Clone, Copy)]
enum End {
    Flow,
    Block(u32),
}

impl End {
    fn new(style: StructureStyle, pos: Position) -> End {
        match style {
            StructureStyle::Flow => End::Flow,
            StructureStyle::Block => End::Block(pos.line),
        }
    }

    fn child(&mut self, end_line: u32) {
        if let End::Block(line) = self {
            *line = (*line).max(end_line);
        }
    }

    /// The last line, given the span of the end event.
    fn line(self, base: Base, span: &Span) -> u32 {
        match self {
            End::Flow => base.line(span.start.line()),
            End::Block(line) => line,
        }
    }
}

enum Frame {
    Seq {
        pos: Position,
        end: End,
        anchor: usize,
        items: Vec<YNode>,
    },
    Map {
        pos: Position,
        end: End,
        anchor: usize,
        entries: Vec<(YKey, YNode)>,
        merges: Vec<YNode>,
        pending: Pending,
    },
}

/// The last line of a block scalar (`|`, `>`) whose span ends at `span`:
/// the parser ends it where the next token starts, so blank lines and
/// comments less indented than its content are walked back over.
fn block_scalar_end(text: &str, base: Base, span: &Span) -> u32 {
    let mut line = span.end.line();
    let Some(mut stop) = span.end.byte_offset() else {
        return base.line(if span.end.col() == 0 {
            line.saturating_sub(1)
        } else {
            line
        });
    };
    let indent = span.start.col();
    let b = text.as_bytes();
    stop = stop.min(b.len());
    loop {
        let start = memchr::memrchr(b'\n', &b[..stop]).map_or(0, |i| i + 1);
        let segment = &b[start..stop];
        let spaces = segment.iter().take_while(|&&c| c == b' ').count();
        let rest = segment[spaces..].trim_ascii();
        let outside = rest.is_empty() || (rest.starts_with(b"#") && spaces < indent);
        if !outside || start == 0 {
            return base.line(line);
        }
        stop = start - 1;
        line = line.saturating_sub(1);
    }
}

/// Receives the items of a root `items:` sequence as they complete, so that
/// a huge `kind: List` never lives in memory as one tree.
pub(crate) type ItemSink<'s> = &'s mut dyn FnMut(YNode);

struct Builder<'s> {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (YNode, usize)>,
    expanded: usize,
    root: Option<YNode>,
    sink: Option<ItemSink<'s>>,
    /// Where the chunk starts.
    base: Base,
}

/// Parses one chunk of YAML text (normally one document) into trees.
///
/// Returns the documents parsed (empty documents included, as null scalars)
/// and the first syntax or structure error, which ends the chunk.
pub(crate) fn parse_documents(
    text: &str,
    base: Base,
    sink: Option<ItemSink<'_>>,
) -> (Vec<YNode>, Option<Problem>) {
    let mut builder = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        expanded: 0,
        root: None,
        sink,
        base,
    };
    let mut docs = Vec::new();
    for next in Parser::new_from_str(text) {
        let (event, span) = match next {
            Ok(ev) => ev,
            Err(e) => return (docs, Some(base.problem(&e))),
        };
        let pos = base.at(&span.start);
        let result = match event {
            Event::DocumentStart(..) => {
                builder.anchors.clear();
                builder.expanded = 0;
                builder.stack.clear();
                builder.root = None;
                Ok(())
            }
            Event::DocumentEnd => {
                if let Some(root) = builder.root.take() {
                    docs.push(root);
                }
                Ok(())
            }
            Event::Scalar(value, style, anchor, tag) => {
                let core = match tag.as_deref().and_then(|t| t.core_suffix()) {
                    Some("str") => CoreTag::Str,
                    Some("int") => CoreTag::Int,
                    Some("float") => CoreTag::Float,
                    Some("bool") => CoreTag::Bool,
                    Some("null") => CoreTag::Null,
                    _ => CoreTag::None,
                };
                let end_line = match style {
                    ScalarStyle::Literal | ScalarStyle::Folded => {
                        block_scalar_end(text, base, &span)
                    }
                    _ => base.line(span.end.line()),
                };
                let node = YNode {
                    pos,
                    end_line,
                    value: YValue::Scalar(Scalar {
                        text: value.into_owned(),
                        plain: style == ScalarStyle::Plain,
                        tag: core,
                    }),
                };
                builder.complete(node, anchor)
            }
            Event::SequenceStart(style, anchor, _) => {
                builder.stack.push(Frame::Seq {
                    pos,
                    end: End::new(style, pos),
                    anchor,
                    items: Vec::new(),
                });
                Ok(())
            }
            Event::MappingStart(style, anchor, _) => {
                builder.stack.push(Frame::Map {
                    pos,
                    end: End::new(style, pos),
                    anchor,
                    entries: Vec::new(),
                    merges: Vec::new(),
                    pending: Pending::None,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => builder.end_collection(&span),
            Event::Alias(id) => builder.alias(id, pos, base.line(span.end.line())),
            _ => Ok(()),
        };
        if let Err(problem) = result {
            return (docs, Some(problem));
        }
    }
    (docs, None)
}

impl Builder<'_> {
    fn alias(&mut self, id: usize, pos: Position, end_line: u32) -> Result<(), Problem> {
        let Some((node, size)) = self.anchors.get(&id) else {
            return Err(Problem {
                message: "alias refers to a node that is not complete (recursive alias)".into(),
                position: pos,
            });
        };
        self.expanded = self.expanded.saturating_add(*size);
        if self.expanded > ALIAS_BUDGET {
            return Err(Problem {
                message: format!("aliases expand to more than {ALIAS_BUDGET} nodes"),
                position: pos,
            });
        }
        let mut node = node.clone();
        node.pos = pos;
        node.end_line = end_line;
        self.complete(node, 0)
    }

    fn end_collection(&mut self, span: &Span) -> Result<(), Problem> {
        match self.stack.pop() {
            Some(Frame::Seq {
                pos,
                end,
                anchor,
                items,
            }) => self.complete(
                YNode {
                    pos,
                    end_line: end.line(self.base, span),
                    value: YValue::Seq(items),
                },
                anchor,
            ),
            Some(Frame::Map {
                pos,
                end,
                anchor,
                entries,
                merges,
                pending: _,
            }) => {
                let entries = finish_map(entries, merges)?;
                self.complete(
                    YNode {
                        pos,
                        end_line: end.line(self.base, span),
                        value: YValue::Map(entries),
                    },
                    anchor,
                )
            }
            None => Ok(()),
        }
    }

    fn complete(&mut self, node: YNode, anchor: usize) -> Result<(), Problem> {
        if anchor != 0 {
            let size = node.size();
            self.anchors.insert(anchor, (node.clone(), size));
        }
        let streaming = self.sink.is_some()
            && self.stack.len() == 2
            && {
                matches!(&self.stack[0], Frame::Map { pending: Pending::Key(k), .. } if k.text == "items")
                    && matches!(self.stack[1], Frame::Seq { .. })
            };
        if streaming {
            if let Some(sink) = self.sink.as_mut() {
                sink(node);
            }
            return Ok(());
        }
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { items, end, .. }) => {
                end.child(node.end_line);
                items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                entries,
                merges,
                pending,
                end,
                ..
            }) => {
                end.child(node.end_line);
                Self::map_child(entries, merges, pending, node)
            }
        }
    }

    /// Puts a completed node into the mapping being built: as the next key,
    /// as the value of the pending key, or as a mapping to merge.
    fn map_child(
        entries: &mut Vec<(YKey, YNode)>,
        merges: &mut Vec<YNode>,
        pending: &mut Pending,
        node: YNode,
    ) -> Result<(), Problem> {
        match std::mem::replace(pending, Pending::None) {
            Pending::None => {
                let YValue::Scalar(scalar) = node.value else {
                    return Err(Problem {
                        message: "mapping keys must be scalars".into(),
                        position: node.pos,
                    });
                };
                if scalar.plain && scalar.tag == CoreTag::None && scalar.text == "<<" {
                    *pending = Pending::Merge;
                } else {
                    *pending = Pending::Key(YKey {
                        text: scalar.text,
                        pos: node.pos,
                    });
                }
                Ok(())
            }
            Pending::Key(key) => {
                entries.push((key, node));
                Ok(())
            }
            Pending::Merge => {
                merges.push(node);
                Ok(())
            }
        }
    }
}

/// Checks for duplicate keys and applies merge keys (explicit keys win, then
/// earlier merged mappings win over later ones).
fn finish_map(
    mut entries: Vec<(YKey, YNode)>,
    merges: Vec<YNode>,
) -> Result<Vec<(YKey, YNode)>, Problem> {
    if let Some(dup) = first_duplicate(&entries) {
        let key = &entries[dup].0;
        return Err(Problem {
            message: format!("duplicate key \"{}\"", key.text),
            position: key.pos,
        });
    }
    if merges.is_empty() {
        return Ok(entries);
    }
    let mut seen: std::collections::HashSet<String> =
        entries.iter().map(|(k, _)| k.text.clone()).collect();
    for merge in merges {
        let pos = merge.pos;
        let maps = match merge.value {
            YValue::Map(m) => vec![m],
            YValue::Seq(items) => {
                let mut maps = Vec::with_capacity(items.len());
                for item in items {
                    match item.value {
                        YValue::Map(m) => maps.push(m),
                        _ => return Err(merge_problem(item.pos)),
                    }
                }
                maps
            }
            YValue::Scalar(_) => return Err(merge_problem(pos)),
        };
        for map in maps {
            for (k, v) in map {
                if seen.insert(k.text.clone()) {
                    entries.push((k, v));
                }
            }
        }
    }
    Ok(entries)
}

fn merge_problem(position: Position) -> Problem {
    Problem {
        message: "a merge key (<<) needs a mapping or a sequence of mappings".into(),
        position,
    }
}

/// Index of the first entry (in document order) whose key appeared before.
fn first_duplicate(entries: &[(YKey, YNode)]) -> Option<usize> {
    if entries.len() <= 16 {
        return (1..entries.len()).find(|&i| {
            entries[..i]
                .iter()
                .any(|(k, _)| k.text == entries[i].0.text)
        });
    }
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|&a, &b| entries[a].0.text.cmp(&entries[b].0.text).then(a.cmp(&b)));
    order
        .windows(2)
        .filter(|w| entries[w[0]].0.text == entries[w[1]].0.text)
        .map(|w| w[1])
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(text: &str, plain: bool) -> Scalar {
        Scalar {
            text: text.into(),
            plain,
            tag: CoreTag::None,
        }
    }

    #[test]
    fn resolution() {
        assert_eq!(scalar("0", true).resolve(), Resolved::Int(0));
        assert_eq!(scalar("0644", true).resolve(), Resolved::Int(420));
        assert_eq!(scalar("0x10", true).resolve(), Resolved::Int(16));
        assert_eq!(scalar("-3", true).resolve(), Resolved::Int(-3));
        assert_eq!(scalar("089", true).resolve(), Resolved::Int(89));
        assert_eq!(scalar("1.5", true).resolve(), Resolved::Float(1.5));
        assert_eq!(scalar("1e3", true).resolve(), Resolved::Float(1000.0));
        assert_eq!(scalar("true", true).resolve(), Resolved::Bool(true));
        assert_eq!(scalar("yes", true).resolve(), Resolved::Str("yes"));
        assert_eq!(scalar("yes", true).as_bool(), Some(true));
        assert_eq!(scalar("yes", false).as_bool(), None);
        assert_eq!(scalar("~", true).resolve(), Resolved::Null);
        assert_eq!(scalar("", true).resolve(), Resolved::Null);
        assert_eq!(scalar("", false).resolve(), Resolved::Str(""));
        assert_eq!(scalar("1.2.3", true).resolve(), Resolved::Str("1.2.3"));
        assert_eq!(scalar("0", false).resolve(), Resolved::Str("0"));
        assert_eq!(scalar(".", true).resolve(), Resolved::Str("."));
        assert_eq!(scalar("-", true).resolve(), Resolved::Str("-"));
        assert_eq!(
            scalar("18446744073709551615", true).resolve(),
            Resolved::UInt(u64::MAX)
        );
    }

    fn parse(text: &str) -> (Vec<YNode>, Option<Problem>) {
        parse_documents(text, Base(Position::START), None)
    }

    #[test]
    fn anchors_merge_and_positions() {
        let (docs, err) = parse("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n");
        assert!(err.is_none(), "{err:?}");
        let other = docs[0].get("other").expect("other");
        assert_eq!(other.get("x").and_then(YNode::text), Some("1"));
        assert_eq!(other.get("y").and_then(YNode::text), Some("3"));
        assert_eq!(
            docs[0].get("other").map(|n| n.pos),
            Some(Position::new(3, 3))
        );
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let (_, err) = parse("a: 1\nb: 2\na: 3\n");
        let err = err.expect("an error");
        assert_eq!(err.position, Position::new(3, 1));
        assert!(err.message.contains("duplicate key"));
    }

    #[test]
    fn alias_bomb_is_stopped() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let (_, err) = parse(&text);
        assert!(err.expect("an error").message.contains("aliases expand"));
    }

    #[test]
    fn syntax_error_position_uses_base() {
        let (_, err) = parse_documents("a: [1, 2\nb: 3\n", Base(Position::new(10, 1)), None);
        let err = err.expect("an error");
        assert!(err.position.line >= 10, "{err:?}");
    }
}
