//! Streaming a big JSON list from a file.
//!
//! Reading a 1 GB `kubectl get pods -A -o json` whole means a 1 GB buffer of
//! fresh memory, and fresh pages are slow to come by on some machines (the
//! kernel zeroes each one; under a hypervisor it can cost seconds). For big
//! files [`crate::load`] therefore reads blocks into a few buffers that are
//! used again and again: each block's complete items go to rayon tasks, the
//! unfinished tail moves to the next block. What is found is exactly what
//! [`crate::parse_bytes`] would find; anything unusual (not a single object
//! with an `items` array, not a list after all, malformed input, a guess
//! about the list's kind that mattered and was wrong) gives up, and the
//! caller parses the whole file the ordinary way.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use crate::convert::{ListContext, is_list_kind, list_context};
use crate::diag::{MapFn, Mapped, Out};
use crate::json::{ItemAt, PIPELINE_BATCH, convert_item, skip_ws, string_end, value_end};
use crate::position::{Position, locate};

/// Files at least this big are streamed.
pub(crate) const STREAM_MIN: u64 = 32 << 20;
/// Bytes read per block.
pub(crate) const BLOCK: usize = 8 << 20;
/// Blocks whose items may be in conversion at once.
const IN_FLIGHT: usize = 4;

struct Reader {
    file: File,
    eof: bool,
}

impl Reader {
    /// Appends up to `n` bytes to `buf`.
    fn fill(&mut self, buf: &mut Vec<u8>, n: usize) -> Option<()> {
        if self.eof {
            return Some(());
        }
        let want = u64::try_from(n).unwrap_or(u64::MAX);
        let got = (&mut self.file).take(want).read_to_end(buf).ok()?;
        if got < n {
            self.eof = true;
        }
        Some(())
    }

    fn rest(&mut self, buf: &mut Vec<u8>) -> Option<()> {
        self.file.read_to_end(buf).ok()?;
        self.eof = true;
        Some(())
    }
}

/// `"key" : ` at `j`: the key's bytes and where the value starts.
fn member(b: &[u8], j: usize) -> Option<(&[u8], usize)> {
    if b.get(j) != Some(&b'"') {
        return None;
    }
    let key_end = string_end(b, j)?;
    let key = &b[j + 1..key_end - 1];
    let colon = skip_ws(b, key_end);
    if b.get(colon) != Some(&b':') {
        return None;
    }
    Some((key, skip_ws(b, colon + 1)))
}

/// Keeps `kind` and `apiVersion` values (the last of each wins).
fn record(key: &[u8], value: &[u8], kind: &mut Option<String>, api_version: &mut Option<String>) {
    let slot = match key {
        b"kind" => kind,
        b"apiVersion" => api_version,
        _ => return,
    };
    *slot = serde_json::from_slice::<String>(value).ok();
}

enum Head {
    /// The items start here (after the `[`).
    Items(usize),
    /// Not an object with an `items` array (or malformed).
    NotAList,
    /// Cut short: read more.
    More,
}

/// Scans the members before `"items": [`.
fn head(
    b: &[u8],
    start: usize,
    kind: &mut Option<String>,
    api_version: &mut Option<String>,
) -> Head {
    let open = skip_ws(b, start);
    match b.get(open) {
        Some(b'{') => {}
        Some(_) => return Head::NotAList,
        None => return Head::More,
    }
    let mut j = skip_ws(b, open + 1);
    loop {
        let Some((key, value)) = member(b, j) else {
            return if j >= b.len() || b.get(j) == Some(&b'"') {
                Head::More
            } else {
                Head::NotAList
            };
        };
        if value >= b.len() {
            return Head::More;
        }
        if key == b"items" && b[value] == b'[' {
            return Head::Items(value + 1);
        }
        let Some(end) = value_end(b, value) else {
            return Head::More;
        };
        record(key, &b[value..end], kind, api_version);
        j = skip_ws(b, end);
        match b.get(j) {
            Some(b',') => j = skip_ws(b, j + 1),
            Some(_) => return Head::NotAList,
            None => return Head::More,
        }
    }
}

/// A buffer for the next block: the oldest one whose items are done, or a
/// new one while few are in flight.
fn take_buffer(in_flight: &mut VecDeque<Arc<String>>, block: usize) -> Vec<u8> {
    loop {
        if in_flight.front().is_some_and(|b| Arc::strong_count(b) == 1)
            && let Some(text) = in_flight.pop_front().and_then(|b| Arc::try_unwrap(b).ok())
        {
            let mut bytes = text.into_bytes();
            bytes.clear();
            return bytes;
        }
        if in_flight.len() < IN_FLIGHT {
            return Vec::with_capacity(block + block / 4);
        }
        // Help with the pending conversions, or wait for them.
        if rayon::yield_now() != Some(rayon::Yield::Executed) {
            std::thread::sleep(Duration::from_micros(200));
        }
    }
}

/// Streams the JSON list in `path`. `None`: not a case for streaming (or
/// the file could not be read); nothing was kept, parse the file whole.
pub(crate) fn stream_json_list<'f, T: Send>(
    path: &Path,
    name: &str,
    map: MapFn<'f, T>,
    block: usize,
) -> Option<Mapped<T>> {
    let file = File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    let mut reader = Reader { file, eof: false };
    let mut buf = Vec::with_capacity(block + block / 4);
    reader.fill(&mut buf, block)?;

    // The head: members up to `"items": [` (read on while it is cut short).
    let start = if buf.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let mut kind = None;
    let mut api_version = None;
    let mut j = loop {
        match head(&buf, start, &mut kind, &mut api_version) {
            Head::Items(j) => break j,
            Head::NotAList => return None,
            Head::More if reader.eof => return None,
            Head::More => reader.fill(&mut buf, block)?,
        }
    };
    let guess_kind = kind.clone();
    let guess_api = api_version.clone();
    let guess = guess_kind
        .as_deref()
        .filter(|k| is_list_kind(k))
        .map(|k| list_context(k, guess_api.as_deref(), None))
        .unwrap_or_default();
    let relied = AtomicBool::new(false);
    let context = ListContext {
        relied: Some(&relied),
        ..guess
    };
    let context = &context;
    let source: Arc<str> = Arc::from(name);
    let source = &source;

    let mut out = Out::new(map);
    let (tx, rx) = mpsc::channel::<(usize, Out<'f, T>)>();
    let rx = Mutex::new(rx);
    let mut in_order = crate::order::InOrder::new();

    // The items, block by block; returns what follows them.
    let trailer = rayon::scope(|scope| -> Option<Vec<u8>> {
        let mut buf = buf;
        let mut anchor = (start, Position::START);
        let mut first = true;
        let mut expect_element = true;
        let mut spawned = 0usize;
        let mut in_flight: VecDeque<Arc<String>> = VecDeque::new();
        let mut reserved = false;
        loop {
            let mut batch: Vec<(Range<usize>, ItemAt)> = Vec::new();
            let mut done = false;
            let carry = loop {
                j = skip_ws(&buf, j);
                if j >= buf.len() {
                    break j;
                }
                if expect_element {
                    if first && buf[j] == b']' {
                        done = true;
                        break j + 1;
                    }
                    let Some(end) = value_end(&buf, j) else {
                        break j;
                    };
                    let (item, next) = ItemAt::locate(&buf, anchor.0, anchor.1, j, end);
                    anchor = next;
                    batch.push((j..end, item));
                    j = end;
                    expect_element = false;
                    first = false;
                } else {
                    match buf[j] {
                        b',' => {
                            j += 1;
                            expect_element = true;
                        }
                        b']' => {
                            done = true;
                            break j + 1;
                        }
                        _ => return None,
                    }
                }
            };
            if !done && reader.eof {
                // The input ends inside the list: malformed.
                return None;
            }
            if batch.is_empty() && !done {
                // An item longer than what is buffered: read on.
                reader.fill(&mut buf, block)?;
                continue;
            }

            // Seal the block: its items go to tasks, its tail to the next block.
            let next_pos = locate(&buf, anchor.0, anchor.1, carry);
            let mut next = take_buffer(&mut in_flight, block);
            next.extend_from_slice(&buf[carry..]);
            buf.truncate(carry);
            let text = Arc::new(String::from_utf8(buf).ok()?);
            if !reserved && let (Some(a), Some(z)) = (batch.first(), batch.last()) {
                // Room for every item's result, estimated from this block.
                let per_item = ((z.0.end - a.0.start) / batch.len()).max(1);
                let estimate = usize::try_from(size).unwrap_or(usize::MAX) / per_item;
                out.objects.reserve(estimate.saturating_add(estimate / 8));
                reserved = true;
            }
            for chunk in batch.chunks(PIPELINE_BATCH) {
                let chunk = chunk.to_vec();
                let text = Arc::clone(&text);
                let tx = tx.clone();
                let index = spawned;
                spawned += 1;
                scope.spawn(move |_| {
                    let mut part = Out::new(map);
                    for (range, pos) in &chunk {
                        convert_item(source, &text, range, *pos, context, &mut part);
                    }
                    let _ = tx.send((index, part));
                });
            }
            in_flight.push_back(text);
            if let Ok(rx) = rx.lock() {
                while let Ok(part) = rx.try_recv() {
                    in_order.accept(part, |p| out.append(p));
                }
            }
            buf = next;
            anchor = (0, next_pos);
            j = 0;
            if done {
                reader.rest(&mut buf)?;
                return Some(buf);
            }
            reader.fill(&mut buf, block)?;
        }
    });
    drop(tx);
    if let Ok(rx) = rx.into_inner() {
        for part in rx.iter() {
            in_order.accept(part, |p| out.append(p));
        }
    }

    // The tail: more members, the closing brace, nothing after it.
    let trailer = trailer?;
    let mut t = skip_ws(&trailer, 0);
    loop {
        match trailer.get(t)? {
            b'}' => {
                if skip_ws(&trailer, t + 1) != trailer.len() {
                    return None;
                }
                break;
            }
            b',' => {
                let (key, value) = member(&trailer, skip_ws(&trailer, t + 1))?;
                let end = value_end(&trailer, value)?;
                record(key, &trailer[value..end], &mut kind, &mut api_version);
                t = skip_ws(&trailer, end);
            }
            _ => return None,
        }
    }
    let kind = kind.filter(|k| is_list_kind(k))?;
    let real = list_context(&kind, api_version.as_deref(), None);
    let guessed_right = real.item_kind == guess.item_kind && real.api_version == guess.api_version;
    if relied.load(Ordering::Relaxed) && !guessed_right {
        return None;
    }
    Some(out.finish(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::Object;
    use crate::spans::LoadOptions;

    type Summary = (String, String, Position, u32, bool, bool, Option<usize>);

    fn summary(o: Object) -> Summary {
        (
            o.kind.clone(),
            o.name().to_owned(),
            o.position,
            o.end_line,
            o.pod.is_some(),
            o.body.is_some(),
            o.spans.map(|s| s.len()),
        )
    }

    fn diags(m: &Mapped<Summary>) -> Vec<String> {
        m.diagnostics.iter().map(ToString::to_string).collect()
    }

    /// Streams `text` with several block sizes; each result must equal the
    /// ordinary parse. Returns whether streaming took the input.
    fn check(text: &str) -> bool {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("list.json");
        std::fs::write(&path, text).expect("write");
        let f = summary;
        let mut streamed = None;
        let all = LoadOptions {
            keep_body: true,
            field_spans: true,
            no_spans_for: &[],
        };
        for (options, block) in [LoadOptions::default(), all]
            .into_iter()
            .flat_map(|o| [7, 64, 500, 4096, 1 << 20].map(|b| (o, b)))
        {
            let map = MapFn::new(&f, false).with_options(options);
            let expected = crate::parse_impl("list.json", text.as_bytes(), map);
            let got = stream_json_list(&path, "list.json", map, block);
            if let Some(got) = &got {
                assert_eq!(got.items, expected.items, "block {block}");
                assert_eq!(diags(got), diags(&expected), "block {block}");
                assert_eq!(got.documents, expected.documents);
            }
            match streamed {
                None => streamed = Some(got.is_some()),
                Some(s) => assert_eq!(s, got.is_some(), "block {block}"),
            }
        }
        streamed.unwrap_or(false)
    }

    fn pods(n: usize, kind_first: bool) -> String {
        let mut items = Vec::new();
        for i in 0..n {
            let item = match i % 4 {
                0 => format!(
                    "{{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"metadata\": {{\"name\": \"p{i}é\", \"namespace\": \"n\"}},\n  \"spec\": {{\"containers\": [{{\"name\": \"c\", \"image\": \"x\\\"y\"}}]}},\n  \"status\": {{\"phase\": \"Running\"}}\n}}"
                ),
                1 => format!(
                    "{{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {{\"name\": \"ns{i}\"}}}}"
                ),
                2 => format!(
                    "{{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {{\"name\": \"bad{i}\"}}, \"spec\": {{\"hostPID\": \"yes\", \"containers\": []}}}}"
                ),
                _ => format!(
                    "{{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {{\"name\": \"d{i}\"}}, \"spec\": {{\"template\": {{\"spec\": {{\"containers\": [{{\"name\": \"c\", \"securityContxt\": {{}}}}]}}}}}}}}"
                ),
            };
            items.push(item);
        }
        let items = items.join(",\n    ");
        if kind_first {
            format!("{{\"kind\": \"List\", \"apiVersion\": \"v1\", \"items\": [\n    {items}\n]}}")
        } else {
            format!(
                "\u{feff}{{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n    {items}\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {{\n        \"resourceVersion\": \"\"\n    }}\n}}\n"
            )
        }
    }

    #[test]
    fn streams_lists_exactly_like_a_whole_parse() {
        assert!(check(&pods(40, false)));
        assert!(check(&pods(40, true)));
        assert!(check(&pods(1, false)));
        assert!(check(
            "{\"apiVersion\": \"v1\", \"items\": [], \"kind\": \"List\"}"
        ));
        assert!(check(
            "{\"kind\": \"PodList\", \"apiVersion\": \"v1\", \"items\": [{\"metadata\": {\"name\": \"a\"}, \"spec\": {\"containers\": []}}]}"
        ));
    }

    #[test]
    fn leaves_other_inputs_to_the_whole_parse() {
        // kind after items, and items that need it: the guess was wrong.
        assert!(!check(
            "{\"apiVersion\": \"v1\", \"items\": [{\"metadata\": {\"name\": \"a\"}, \"spec\": {\"containers\": []}}], \"kind\": \"PodList\"}"
        ));
        // Not a list.
        assert!(!check(
            "{\"apiVersion\": \"x/v1\", \"items\": [{\"apiVersion\": \"v1\", \"kind\": \"Namespace\"}], \"kind\": \"Basket\"}"
        ));
        // Malformed, another value after the list, YAML, no items.
        assert!(!check(
            &pods(5, false).replace("\"kind\": \"List\"", "\"kind\" \"List\"")
        ));
        assert!(!check(&format!("{}{{}}", pods(5, true))));
        assert!(!check(&pods(9, false)[..300]));
        assert!(!check("kind: List\nitems: []\n"));
        assert!(!check(
            "{\"kind\": \"Namespace\", \"metadata\": {\"name\": \"a\"}}"
        ));
    }
}
