//! Where each field of an object is in its source: [`FieldSpans`].

use std::collections::BTreeMap;

use crate::position::Position;

/// Options for [`crate::load_with`] and [`crate::parse_bytes_with`]. The
/// default (everything off) is what [`crate::load`] and [`crate::parse_bytes`]
/// do: the fast, lean path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Fill [`crate::Object::body`] for pod-bearing kinds too (it is always
    /// filled for the other kinds), so that fields outside the pod template
    /// (`spec.replicas`, `spec.selector`, ...) can be read. Costs the memory
    /// of the whole object as JSON.
    pub keep_body: bool,
    /// Fill [`crate::Object::spans`]: the lines of every field.
    pub field_spans: bool,
    /// Kinds whose spans are not recorded even with `field_spans`: objects
    /// nobody points into, whose many fields would cost time and memory
    /// (a CustomResourceDefinition's schema has thousands).
    pub no_spans_for: &'static [&'static str],
}

/// Where a field is in its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Span {
    /// Where the field's key starts; for a sequence item, where the item's
    /// content starts (after `- `; for a block scalar, `- |`, its first line
    /// of text); for the object itself, where the object starts.
    pub start: Position,
    /// The last line of the field's value (never before `start.line`).
    pub end_line: u32,
}

/// The [`Span`] of every field of an object, by field path.
///
/// A path is dotted from the object's root (for a list item, from the
/// item), with `[i]` for the items of a sequence:
/// `spec.template.spec.containers[0].securityContext.privileged`. A key
/// made only of ASCII letters, digits, `-` and `_` is written as is; any
/// other key (with a dot, a slash, a space, empty, ...) is written as a JSON
/// string in brackets:
/// `metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"]`.
/// [`FieldSpans::push_key`] and [`FieldSpans::push_index`] build paths that
/// way. The object itself is the empty path `""`.
///
/// In YAML, what an alias (`*name`) or a merge key (`<<`) brings in keeps
/// the positions of the anchored node it copies. When a JSON object has a
/// key twice, the last one wins, as when the object is read.
///
/// ```
/// use kensa_k8s::{LoadOptions, parse_bytes_with};
///
/// let yaml = b"\
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: web
///   annotations:
///     container.apparmor.security.beta.kubernetes.io/app: unconfined
/// spec:
///   containers:
///   - name: app
///     image: nginx
///     args: [
///       --verbose,
///     ]
/// ";
/// let options = LoadOptions { field_spans: true, ..LoadOptions::default() };
/// let loaded = parse_bytes_with("pod.yaml", yaml, &options);
/// let spans = loaded.objects[0].spans.as_ref().expect("spans");
///
/// let args = spans.get("spec.containers[0].args").expect("args");
/// assert_eq!((args.start.line, args.start.column, args.end_line), (11, 5, 13));
/// let apparmor = r#"metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"]"#;
/// assert_eq!(spans.get(apparmor).map(|s| s.start.line), Some(6));
///
/// // No securityContext: the nearest field that is there.
/// let (path, span) = spans
///     .nearest("spec.containers[0].securityContext.privileged")
///     .expect("an ancestor");
/// assert_eq!(path, "spec.containers[0]");
/// assert_eq!((span.start.line, span.end_line), (9, 13));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSpans {
    spans: BTreeMap<String, Span>,
}

impl FieldSpans {
    /// The span of the field at `path` (see [`FieldSpans`] for the format).
    pub fn get(&self, path: &str) -> Option<Span> {
        self.spans.get(path).copied()
    }

    /// The span of the field at `path` or, when it is not there, of its
    /// nearest ancestor that is, with the path found:
    /// `spec.containers[0].securityContext.privileged` gives
    /// `spec.containers[0]` when the container has no `securityContext`.
    /// The last resort is the object itself (`""`). A path that does not
    /// follow the format is cut where it stops following it.
    pub fn nearest(&self, path: &str) -> Option<(String, Span)> {
        if let Some(span) = self.get(path) {
            return Some((path.to_owned(), span));
        }
        segment_ends(path)
            .iter()
            .rev()
            .filter(|&&end| end < path.len())
            .chain(std::iter::once(&0))
            .find_map(|&end| {
                let prefix = path.get(..end)?;
                self.get(prefix).map(|span| (prefix.to_owned(), span))
            })
    }

    /// Every path and its span, sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Span)> {
        self.spans.iter().map(|(path, span)| (path.as_str(), *span))
    }

    /// How many paths there are (the object itself included).
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Appends a mapping key to a path: `.key`, or `["key"]` for a key that
    /// is not only ASCII letters, digits, `-` and `_`.
    ///
    /// ```
    /// use kensa_k8s::FieldSpans;
    ///
    /// let mut path = String::new();
    /// FieldSpans::push_key(&mut path, "metadata");
    /// FieldSpans::push_key(&mut path, "labels");
    /// FieldSpans::push_key(&mut path, "app.kubernetes.io/name");
    /// assert_eq!(path, r#"metadata.labels["app.kubernetes.io/name"]"#);
    /// ```
    pub fn push_key(path: &mut String, key: &str) {
        let bare = !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if bare {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
            return;
        }
        path.push_str("[\"");
        for c in key.chars() {
            match c {
                '"' => path.push_str("\\\""),
                '\\' => path.push_str("\\\\"),
                '\n' => path.push_str("\\n"),
                '\r' => path.push_str("\\r"),
                '\t' => path.push_str("\\t"),
                c if u32::from(c) < 0x20 => {
                    path.push_str(&format!("\\u{:04x}", u32::from(c)));
                }
                c => path.push(c),
            }
        }
        path.push_str("\"]");
    }

    /// Appends a sequence index to a path: `[i]`.
    pub fn push_index(path: &mut String, index: usize) {
        path.push('[');
        path.push_str(&index.to_string());
        path.push(']');
    }

    pub(crate) fn insert(&mut self, path: &str, span: Span) {
        if let Some(old) = self.spans.get_mut(path) {
            *old = span;
        } else {
            self.spans.insert(path.to_owned(), span);
        }
    }
}

/// Byte offsets where the segments of `path` end, in order, for as long as
/// the path follows the format.
fn segment_ends(path: &str) -> Vec<usize> {
    let b = path.as_bytes();
    let mut ends = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'[' if b.get(i + 1) == Some(&b'"') => {
                let mut j = i + 2;
                loop {
                    match b.get(j) {
                        None => return ends,
                        Some(b'\\') => j += 2,
                        Some(b'"') => break,
                        Some(_) => j += 1,
                    }
                }
                if b.get(j + 1) != Some(&b']') {
                    return ends;
                }
                i = j + 2;
            }
            b'[' => {
                let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if digits == 0 || b.get(i + 1 + digits) != Some(&b']') {
                    return ends;
                }
                i += digits + 2;
            }
            c => {
                if c == b'.' {
                    if i == 0 {
                        return ends;
                    }
                    i += 1;
                }
                let len = b[i..]
                    .iter()
                    .take_while(|&&c| c != b'.' && c != b'[')
                    .count();
                if len == 0 {
                    return ends;
                }
                i += len;
            }
        }
        ends.push(i);
    }
    ends
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(line: u32) -> Span {
        Span {
            start: Position::new(line, 1),
            end_line: line,
        }
    }

    #[test]
    fn segments_of_paths() {
        assert_eq!(segment_ends(""), Vec::<usize>::new());
        assert_eq!(segment_ends("a.bc[0].d"), [1, 4, 7, 9]);
        assert_eq!(segment_ends(r#"a["x.y\"]"].b"#), [1, 11, 13]);
        assert_eq!(segment_ends("[3][12]"), [3, 7]);
        // Cut where the format stops.
        assert_eq!(segment_ends("a[x].b"), [1]);
        assert_eq!(segment_ends("a..b"), [1]);
        assert_eq!(segment_ends(r#"a["open"#), [1]);
        assert_eq!(segment_ends("a[12"), [1]);
        assert_eq!(segment_ends(".a"), Vec::<usize>::new());
        assert_eq!(segment_ends("é.ü[1]"), [2, 5, 8]);
    }

    #[test]
    fn keys_are_escaped() {
        let mut path = String::new();
        FieldSpans::push_key(&mut path, "a");
        FieldSpans::push_index(&mut path, 2);
        FieldSpans::push_key(&mut path, "b_c-d");
        FieldSpans::push_key(&mut path, "");
        FieldSpans::push_key(&mut path, "q\"\\\n\u{1}");
        assert_eq!(path, r#"a[2].b_c-d[""]["q\"\\\n\u0001"]"#);
        assert_eq!(segment_ends(&path).last(), Some(&path.len()));
    }

    #[test]
    fn nearest_walks_up() {
        let mut spans = FieldSpans::default();
        spans.insert("", span(1));
        spans.insert("spec", span(2));
        spans.insert("spec.containers[0]", span(3));
        spans.insert(r#"metadata.labels["a.b"]"#, span(4));
        let got = |p: &str| spans.nearest(p).map(|(p, s)| (p, s.start.line));
        assert_eq!(
            got("spec.containers[0].securityContext.privileged"),
            Some(("spec.containers[0]".to_owned(), 3))
        );
        assert_eq!(got("spec.containers[1]"), Some(("spec".to_owned(), 2)));
        assert_eq!(
            got(r#"metadata.labels["a.b"]"#),
            Some((r#"metadata.labels["a.b"]"#.to_owned(), 4))
        );
        assert_eq!(got("status.phase"), Some((String::new(), 1)));
        assert_eq!(got("spec[["), Some(("spec".to_owned(), 2)));
        assert_eq!(FieldSpans::default().nearest("spec"), None);
    }
}
