//! Patches on a YAML tree, turned into text edits spliced into the source.
//!
//! A [`Patch`] says what a node should become: a scalar set to some text, a
//! mapping with some entries patched or added, a sequence with items patched,
//! removed or appended. [`Splicer`] walks the patch next to the parsed
//! [`Node`]s and produces byte-range [`Edit`]s:
//!
//! - a scalar is replaced in place (its span only);
//! - new entries of a block mapping, and new items of a block sequence, are
//!   inserted as new lines after the collection's last line, at the
//!   indentation of its existing keys or dashes;
//! - a removed block item or entry loses its lines;
//! - a flow collection (`{...}`, `[...]`) touched anywhere is rewritten as a
//!   whole, in flow style, keeping the source text of what it does not touch;
//! - a null value (`key:` or `key: ~`) gets block content after its key line
//!   (or flow content when it sits inside a flow collection).
//!
//! Everything else in the text is left byte for byte as it was.

use super::tree::{Entry, Kind, Node};

/// What a node should become.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Patch {
    /// Set to this YAML text (a plain scalar, or a flow collection).
    Scalar(String),
    /// A mapping with these entries patched, added or deleted, in order.
    Map(Vec<(String, Patch)>),
    /// A sequence: items patched by index, items removed by index, items appended.
    Seq {
        items: Vec<(usize, Patch)>,
        remove: Vec<usize>,
        append: Vec<Patch>,
    },
    /// Remove this mapping entry (only meaningful as a mapping entry's patch).
    Delete,
}

impl Patch {
    /// An empty mapping patch.
    pub(crate) fn map() -> Patch {
        Patch::Map(Vec::new())
    }

    /// An empty sequence patch.
    pub(crate) fn seq() -> Patch {
        Patch::Seq {
            items: Vec::new(),
            remove: Vec::new(),
            append: Vec::new(),
        }
    }

    /// Whether the patch changes nothing.
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Patch::Scalar(_) | Patch::Delete => false,
            Patch::Map(entries) => entries.iter().all(|(_, p)| p.is_empty()),
            Patch::Seq {
                items,
                remove,
                append,
            } => items.iter().all(|(_, p)| p.is_empty()) && remove.is_empty() && append.is_empty(),
        }
    }

    /// The patch of entry `key` of a mapping patch, created as an empty
    /// mapping patch when absent. A non-mapping patch is first turned into one.
    pub(crate) fn child(&mut self, key: &str) -> &mut Patch {
        if !matches!(self, Patch::Map(_)) {
            *self = Patch::map();
        }
        match self {
            Patch::Map(entries) => {
                let index = match entries.iter().position(|(k, _)| k == key) {
                    Some(i) => i,
                    None => {
                        entries.push((key.to_owned(), Patch::map()));
                        entries.len() - 1
                    }
                };
                &mut entries[index].1
            }
            other => other,
        }
    }

    /// Follows (and creates) a path of mapping patches.
    pub(crate) fn path(&mut self, keys: &[&str]) -> &mut Patch {
        keys.iter().fold(self, |p, k| p.child(k))
    }

    /// Sets entry `key` of a mapping patch.
    pub(crate) fn set(&mut self, key: &str, value: Patch) {
        *self.child(key) = value;
    }

    /// The patch of item `index` of a sequence patch, created when absent.
    pub(crate) fn item(&mut self, index: usize) -> &mut Patch {
        if !matches!(self, Patch::Seq { .. }) {
            *self = Patch::seq();
        }
        match self {
            Patch::Seq { items, .. } => {
                let at = match items.iter().position(|(i, _)| *i == index) {
                    Some(at) => at,
                    None => {
                        items.push((index, Patch::map()));
                        items.len() - 1
                    }
                };
                &mut items[at].1
            }
            other => other,
        }
    }

    /// Appends an item to a sequence patch.
    pub(crate) fn push(&mut self, value: Patch) {
        if !matches!(self, Patch::Seq { .. }) {
            *self = Patch::seq();
        }
        if let Patch::Seq { append, .. } = self {
            append.push(value);
        }
    }

    /// Removes item `index` in a sequence patch.
    pub(crate) fn remove(&mut self, index: usize) {
        if !matches!(self, Patch::Seq { .. }) {
            *self = Patch::seq();
        }
        if let Patch::Seq { remove, .. } = self {
            remove.push(index);
        }
    }

    /// A mapping of scalars, for new items such as `{name: tmp, emptyDir: {}}`.
    pub(crate) fn scalars(pairs: &[(&str, &str)]) -> Patch {
        Patch::Map(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Patch::Scalar((*v).to_owned())))
                .collect(),
        )
    }
}

/// A replacement of `text[start..end]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// How new block content is laid out, learnt from the document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    /// Spaces per nested mapping level.
    pub step: usize,
    /// Spaces from a key to the dashes of its block sequence (0 or 2, usually).
    pub seq_indent: usize,
    /// The line break: `\n` or `\r\n`.
    pub newline: &'static str,
}

impl Layout {
    /// Learns the layout from the first nested block mapping and block
    /// sequence of a document (defaults: 2 and 2); `crlf` says whether the
    /// file breaks lines with `\r\n`.
    pub(crate) fn learn(crlf: bool, root: &Node) -> Layout {
        let mut step = None;
        let mut seq_indent = None;
        learn_walk(root, &mut step, &mut seq_indent);
        Layout {
            step: step.unwrap_or(2),
            seq_indent: seq_indent.unwrap_or(2),
            newline: if crlf { "\r\n" } else { "\n" },
        }
    }
}

fn learn_walk(node: &Node, step: &mut Option<usize>, seq_indent: &mut Option<usize>) {
    if step.is_some() && seq_indent.is_some() {
        return;
    }
    match &node.kind {
        Kind::Map {
            flow: false,
            entries,
        } => {
            for e in entries {
                match &e.value.kind {
                    Kind::Map { flow: false, .. } if step.is_none() && e.value.col > e.key_col => {
                        *step = Some(e.value.col - e.key_col);
                    }
                    Kind::Seq { flow: false, .. }
                        if seq_indent.is_none() && e.value.col >= e.key_col =>
                    {
                        *seq_indent = Some(e.value.col - e.key_col);
                    }
                    _ => {}
                }
                learn_walk(&e.value, step, seq_indent);
            }
        }
        Kind::Seq { flow: false, items } => {
            for item in items {
                learn_walk(item, step, seq_indent);
            }
        }
        _ => {}
    }
}

/// Turns patches into edits of one source text.
pub(crate) struct Splicer<'t> {
    text: &'t str,
    layout: Layout,
    /// The edits so far, in the order made (inner before outer at one place).
    pub edits: Vec<Edit>,
    /// Patches that could not be applied: (field path, why).
    pub problems: Vec<(String, String)>,
}

impl<'t> Splicer<'t> {
    /// A splicer for `text`.
    pub(crate) fn new(text: &'t str, layout: Layout) -> Self {
        Splicer {
            text,
            layout,
            edits: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn problem(&mut self, path: &str, why: &str) {
        self.problems.push((path.to_owned(), why.to_owned()));
    }

    /// Applies `patch` to `node`, whose field path is `path`.
    pub(crate) fn apply(&mut self, node: &Node, patch: &Patch, path: &str) {
        if patch.is_empty() {
            return;
        }
        match (&node.kind, patch) {
            (_, Patch::Delete) => {}
            (Kind::Alias, _) => self.problem(path, "is a YAML alias; edit the anchored node"),
            (Kind::Scalar { .. }, Patch::Scalar(text)) => self.edits.push(Edit {
                start: node.start,
                end: node.end,
                text: text.clone(),
            }),
            (Kind::Map { flow: true, .. } | Kind::Seq { flow: true, .. }, _) => {
                let text = self.flow(node, patch, path);
                self.edits.push(Edit {
                    start: node.start,
                    end: node.end,
                    text,
                });
            }
            (Kind::Map { flow: false, .. }, Patch::Map(entries)) => {
                self.block_map(node, entries, path);
            }
            (Kind::Seq { flow: false, .. }, Patch::Seq { .. }) => self.block_seq(node, patch, path),
            _ => self.problem(path, "does not have the expected type"),
        }
    }

    fn block_map(&mut self, node: &Node, patches: &[(String, Patch)], path: &str) {
        let mut new = Vec::new();
        for (key, patch) in patches {
            if patch.is_empty() {
                continue;
            }
            let sub = join(path, key);
            match node.entry(key) {
                None if *patch == Patch::Delete => {}
                None => new.push((key.clone(), patch.clone())),
                Some(entry) if *patch == Patch::Delete => self.delete_entry(entry, &sub),
                Some(entry) if entry.value.is_null() && !matches!(patch, Patch::Scalar(_)) => {
                    self.fill_null(entry, patch);
                }
                Some(entry) => self.apply(&entry.value, patch, &sub),
            }
        }
        if new.is_empty() {
            return;
        }
        let indent = node.entries().first().map_or(node.col, |e| e.key_col);
        let mut text = String::new();
        self.map_lines(&new, indent, &mut text);
        self.insert_after(node, text);
    }

    fn block_seq(&mut self, node: &Node, patch: &Patch, path: &str) {
        let Patch::Seq {
            items,
            remove,
            append,
        } = patch
        else {
            return;
        };
        let nodes = node.items();
        for (index, item_patch) in items {
            match nodes.get(*index) {
                Some(item) => self.apply(item, item_patch, &format!("{path}[{index}]")),
                None => self.problem(&format!("{path}[{index}]"), "does not exist"),
            }
        }
        for index in remove {
            let Some(item) = nodes.get(*index) else {
                continue;
            };
            let start = line_start(self.text, item.start);
            let lead = &self.text[start..item.start];
            if lead.trim_start().trim_start_matches('-').trim().is_empty()
                && lead.matches('-').count() == 1
            {
                let end = self.after_last_line(item);
                self.edits.push(Edit {
                    start,
                    end,
                    text: String::new(),
                });
            } else {
                self.problem(&format!("{path}[{index}]"), "could not be removed");
            }
        }
        if !append.is_empty() {
            let mut text = String::new();
            for item in append {
                self.item_lines(item, node.col, &mut text);
            }
            self.insert_after(node, text);
        }
    }

    /// Removes a block mapping entry: its key line through its value's last line.
    fn delete_entry(&mut self, entry: &Entry, path: &str) {
        let start = line_start(self.text, entry.key_start);
        if !self.text[start..entry.key_start].trim().is_empty() {
            self.problem(path, "could not be removed");
            return;
        }
        let end = if entry.value.end >= entry.key_end {
            self.after_last_line(&entry.value)
        } else {
            line_end(self.text, entry.key_end)
        };
        self.edits.push(Edit {
            start,
            end,
            text: String::new(),
        });
    }

    /// Gives content to a null value of a block mapping entry (`key:` or `key: ~`).
    fn fill_null(&mut self, entry: &Entry, patch: &Patch) {
        let value = &entry.value;
        let colon = self.text[entry.key_end..]
            .find(':')
            .map_or(entry.key_end, |i| entry.key_end + i);
        if value.start > colon {
            // `key: ~` or `key: null`: drop the null, keep the key line.
            self.edits.push(Edit {
                start: colon + 1,
                end: value.end,
                text: String::new(),
            });
        }
        let mut text = String::new();
        match patch {
            Patch::Map(entries) => {
                self.map_lines(entries, entry.key_col + self.layout.step, &mut text);
            }
            Patch::Seq { append, .. } => {
                for item in append {
                    self.item_lines(item, entry.key_col + self.layout.seq_indent, &mut text);
                }
            }
            Patch::Scalar(_) | Patch::Delete => return,
        }
        let at = line_end(self.text, colon.max(value.end));
        self.insert_at(at, text);
    }

    /// Inserts whole lines after the last line of `node`.
    fn insert_after(&mut self, node: &Node, text: String) {
        let at = self.after_last_line(node);
        self.insert_at(at, text);
    }

    fn insert_at(&mut self, at: usize, mut text: String) {
        if text.is_empty() {
            return;
        }
        if at == self.text.len() && !self.text.is_empty() && !self.text.ends_with('\n') {
            // The file has no final line break: start a line, end without one.
            let trimmed = text.trim_end_matches(['\n', '\r']).len();
            text.truncate(trimmed);
            text.insert_str(0, self.layout.newline);
        }
        self.edits.push(Edit {
            start: at,
            end: at,
            text,
        });
    }

    /// The offset just past the line break of the last line `node` occupies.
    fn after_last_line(&self, node: &Node) -> usize {
        let leaf = node.last_leaf();
        let mut end = leaf.end.min(self.text.len());
        if leaf.is_block_scalar() {
            let header = self.text[..leaf.start]
                .rfind(['|', '>'])
                .map_or("", |i| &self.text[i..line_end(self.text, i)]);
            let keep = header.split('#').next().unwrap_or("").contains('+');
            if keep {
                return line_start(self.text, end);
            }
            let bytes = self.text.as_bytes();
            while end > leaf.start && bytes[end - 1].is_ascii_whitespace() {
                end -= 1;
            }
        }
        line_end(self.text, end)
    }

    /// Block lines for mapping entries at `indent`.
    fn map_lines(&self, entries: &[(String, Patch)], indent: usize, out: &mut String) {
        let nl = self.layout.newline;
        for (key, patch) in entries {
            let pad = " ".repeat(indent);
            match patch {
                Patch::Delete => {}
                Patch::Scalar(text) => out.push_str(&format!("{pad}{key}: {text}{nl}")),
                Patch::Map(sub) if !sub.is_empty() => {
                    out.push_str(&format!("{pad}{key}:{nl}"));
                    self.map_lines(sub, indent + self.layout.step, out);
                }
                Patch::Seq { append, .. } if !append.is_empty() => {
                    out.push_str(&format!("{pad}{key}:{nl}"));
                    for item in append {
                        self.item_lines(item, indent + self.layout.seq_indent, out);
                    }
                }
                other => out.push_str(&format!("{pad}{key}: {}{nl}", new_flow(other))),
            }
        }
    }

    /// Block lines for one new sequence item whose dash is at `indent`.
    fn item_lines(&self, item: &Patch, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        let nl = self.layout.newline;
        match item {
            Patch::Map(entries) if !entries.is_empty() => {
                let mut lines = String::new();
                self.map_lines(entries, indent + 2, &mut lines);
                out.push_str(&pad);
                out.push_str("- ");
                out.push_str(&lines[(indent + 2).min(lines.len())..]);
            }
            other => out.push_str(&format!("{pad}- {}{nl}", new_flow(other))),
        }
    }

    /// The flow text of an existing node with `patch` applied.
    fn flow(&mut self, node: &Node, patch: &Patch, path: &str) -> String {
        let text = self.text;
        let source = &text[node.start..node.end.max(node.start)];
        match (&node.kind, patch) {
            (_, Patch::Scalar(new)) => new.clone(),
            (Kind::Alias, _) => {
                self.problem(path, "is a YAML alias; edit the anchored node");
                source.to_owned()
            }
            (_, _) if node.is_null() => new_flow(patch),
            (Kind::Map { entries, .. }, Patch::Map(patches)) => {
                let mut parts = Vec::new();
                for entry in entries {
                    let found = entry
                        .key
                        .as_deref()
                        .and_then(|k| patches.iter().find(|(pk, _)| pk == k));
                    let key_text = &text[entry.key_start..entry.key_end];
                    match found {
                        Some((_, Patch::Delete)) => {}
                        Some((k, p)) if !p.is_empty() => {
                            let value = self.flow(&entry.value, p, &join(path, k));
                            parts.push(format!("{key_text}: {value}"));
                        }
                        _ => {
                            let end = entry.value.end.max(entry.key_end);
                            parts.push(text[entry.key_start..end].to_owned());
                        }
                    }
                }
                for (key, p) in patches {
                    if node.entry(key).is_none() && *p != Patch::Delete && !p.is_empty() {
                        parts.push(format!("{key}: {}", new_flow(p)));
                    }
                }
                format!("{{{}}}", parts.join(", "))
            }
            (
                Kind::Seq { items, .. },
                Patch::Seq {
                    items: patched,
                    remove,
                    append,
                },
            ) => {
                let mut parts = Vec::new();
                for (index, item) in items.iter().enumerate() {
                    if remove.contains(&index) {
                        continue;
                    }
                    match patched.iter().find(|(i, _)| *i == index) {
                        Some((_, p)) => {
                            parts.push(self.flow(item, p, &format!("{path}[{index}]")));
                        }
                        None => parts.push(text[item.start..item.end].to_owned()),
                    }
                }
                parts.extend(append.iter().map(new_flow));
                format!("[{}]", parts.join(", "))
            }
            _ => {
                self.problem(path, "does not have the expected type");
                source.to_owned()
            }
        }
    }
}

/// The flow text of new content.
pub(crate) fn new_flow(patch: &Patch) -> String {
    match patch {
        Patch::Scalar(text) => text.clone(),
        Patch::Map(entries) => {
            let parts: Vec<String> = entries
                .iter()
                .filter(|(_, p)| *p != Patch::Delete)
                .map(|(k, p)| format!("{k}: {}", new_flow(p)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Patch::Seq { append, .. } => {
            let parts: Vec<String> = append.iter().map(new_flow).collect();
            format!("[{}]", parts.join(", "))
        }
        Patch::Delete => String::new(),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// The start of the line holding `at`.
fn line_start(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1)
}

/// The offset just past the line break ending the line holding `at`, or the end.
fn line_end(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// Applies edits to `text`. Edits are sorted by start (stably: at one place,
/// earlier edits come first); overlapping edits are an error.
pub(crate) fn splice(text: &str, mut edits: Vec<Edit>) -> Result<String, String> {
    edits.sort_by_key(|e| e.start);
    let mut out =
        String::with_capacity(text.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut at = 0;
    for edit in &edits {
        if edit.start < at || edit.end < edit.start || edit.end > text.len() {
            return Err(format!(
                "overlapping edits at byte {} (internal error)",
                edit.start
            ));
        }
        if !text.is_char_boundary(edit.start) || !text.is_char_boundary(edit.end) {
            return Err(format!("edit inside a character at byte {}", edit.start));
        }
        out.push_str(&text[at..edit.start]);
        out.push_str(&edit.text);
        at = edit.end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::tree::parse;
    use super::*;

    fn run(text: &str, patch: &Patch) -> String {
        let docs = parse(text).unwrap_or_default();
        let root = &docs[0];
        let mut splicer = Splicer::new(text, Layout::learn(text.contains("\r\n"), root));
        splicer.apply(root, patch, "");
        assert!(splicer.problems.is_empty(), "{:?}", splicer.problems);
        splice(text, splicer.edits).unwrap_or_default()
    }

    #[test]
    fn adds_keys_to_block_maps_after_their_last_line() {
        let mut p = Patch::map();
        p.path(&["a", "b"]).set("c", Patch::Scalar("1".into()));
        p.child("a").set("d", Patch::Scalar("2".into()));
        let out = run("a:\n  b:\n    x: 0 # keep\n# tail\nz: 1\n", &p);
        assert_eq!(
            out,
            "a:\n  b:\n    x: 0 # keep\n    c: 1\n  d: 2\n# tail\nz: 1\n"
        );
    }

    #[test]
    fn rewrites_flow_nodes() {
        let mut p = Patch::map();
        p.path(&["a", "b"]).set("c", Patch::Scalar("1".into()));
        p.child("l").push(Patch::Scalar("ALL".into()));
        p.child("l").remove(0);
        let out = run("a: {b: {}, 'q': \"x\"}\nl: [NET_RAW]\n", &p);
        assert_eq!(out, "a: {b: {c: 1}, 'q': \"x\"}\nl: [ALL]\n");
    }

    #[test]
    fn fills_null_values() {
        let mut p = Patch::map();
        p.child("a").set("b", Patch::Scalar("1".into()));
        p.child("s").push(Patch::Scalar("x".into()));
        let out = run("a: ~ # note\ns:\nz: 1\n", &p);
        assert_eq!(out, "a: # note\n  b: 1\ns:\n  - x\nz: 1\n");
    }

    #[test]
    fn removes_block_items_and_entries() {
        let mut p = Patch::map();
        p.child("l").remove(1);
        p.child("m").set("x", Patch::Delete);
        let out = run("l:\n  - a\n  - b\n  - c\nm:\n  x:\n  - 1\n  y: 2\n", &p);
        assert_eq!(out, "l:\n  - a\n  - c\nm:\n  y: 2\n");
    }

    #[test]
    fn appends_map_items_to_block_sequences() {
        let mut p = Patch::map();
        p.child("v")
            .push(Patch::scalars(&[("name", "tmp"), ("mountPath", "/tmp")]));
        let out = run("v:\n- name: a\n  mountPath: /a\n", &p);
        assert_eq!(
            out,
            "v:\n- name: a\n  mountPath: /a\n- name: tmp\n  mountPath: /tmp\n"
        );
    }

    #[test]
    fn inserts_after_block_scalars_and_at_eof() {
        let mut p = Patch::map();
        p.child("m").set("z", Patch::Scalar("1".into()));
        let out = run("m:\n  s: |\n    text\n\n# c\n", &p);
        assert_eq!(out, "m:\n  s: |\n    text\n  z: 1\n\n# c\n");
        let out = run("m:\n  s: 0", &p);
        assert_eq!(out, "m:\n  s: 0\n  z: 1");
        let out = run("m:\r\n  s: 0\r\n", &p);
        assert_eq!(out, "m:\r\n  s: 0\r\n  z: 1\r\n");
    }

    #[test]
    fn overlapping_edits_are_refused() {
        let edits = vec![
            Edit {
                start: 0,
                end: 3,
                text: String::new(),
            },
            Edit {
                start: 1,
                end: 2,
                text: String::new(),
            },
        ];
        assert!(splice("abcd", edits).is_err());
    }
}
