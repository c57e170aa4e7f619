//! One line of an audit log, whatever wrote it: the JSON backend (an event
//! per line, or a webhook `EventList` per line), the legacy text format, or a
//! container runtime that wrapped the API server's stdout (CRI log lines, with
//! long lines split into `P`artial pieces).
//!
//! Everything here is pure and total: any bytes give a [`LineKind`], never a
//! panic, so the reader can skip what it cannot use and say why.

use std::borrow::Cow;
use std::ops::ControlFlow;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use crate::Error;
use crate::event::{Event, ObjectRef, ResponseStatus, Stage, UserInfo};

/// An event decoded from a line, with the raw JSON it came from.
///
/// `raw` is the event's own JSON (one item's slice for an `EventList`), or the
/// whole line for legacy text lines, which have no JSON.
#[derive(Debug, Clone)]
pub struct Decoded<'a> {
    /// The event.
    pub event: Event<'a>,
    /// Its raw bytes.
    pub raw: &'a [u8],
}

/// What a line turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind {
    /// One JSON event.
    Event,
    /// A JSON `EventList` on one line; its items were decoded.
    EventList,
    /// A `--audit-log-format=legacy` text line.
    Legacy,
    /// A complete CRI-wrapped line; the payload's events were decoded.
    Cri,
    /// A CRI partial (`P`) piece, to be joined with the following pieces.
    CriPartial,
    /// Empty or whitespace only.
    Blank,
    /// A JSON line the prefilter rejected, not parsed.
    Filtered,
    /// Valid JSON that is not an audit event, e.g. `{"kind": 0}`.
    NotEvent(String),
    /// Not JSON (or broken JSON), not a legacy or CRI line either.
    Invalid(String),
}

impl LineKind {
    /// Whether the line is a problem worth reporting (and an error in
    /// `--strict` mode).
    pub fn is_problem(&self) -> bool {
        matches!(self, LineKind::NotEvent(_) | LineKind::Invalid(_))
    }
}

/// What [`decode_line`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineOutcome {
    /// The kind of line.
    pub kind: LineKind,
    /// Whether the line ended in CRLF (the `\r` was dropped).
    pub crlf: bool,
    /// `EventList` items that were not events and were dropped.
    pub skipped_items: u32,
}

/// A raw-line test run before JSON parsing: lines it rejects are not parsed.
pub type Prefilter<'f> = &'f (dyn Fn(&[u8]) -> bool + Sync);

/// Decodes one line (without its `\n`), appending its events to `out`.
pub fn decode_line<'a>(line: &'a [u8], out: &mut Vec<Decoded<'a>>) -> LineOutcome {
    decode_line_filtered(line, None, out)
}

/// [`decode_line`] with a prefilter applied to JSON lines before parsing.
/// Legacy and CRI lines bypass it: it is written for the JSON form.
pub fn decode_line_filtered<'a>(
    line: &'a [u8],
    prefilter: Option<Prefilter<'_>>,
    out: &mut Vec<Decoded<'a>>,
) -> LineOutcome {
    let (line, crlf) = match line.strip_suffix(b"\r") {
        Some(stripped) => (stripped, true),
        None => (line, false),
    };
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    let (kind, skipped_items) = decode_content(line, prefilter, out, true);
    LineOutcome {
        kind,
        crlf,
        skipped_items,
    }
}

fn decode_content<'a>(
    line: &'a [u8],
    prefilter: Option<Prefilter<'_>>,
    out: &mut Vec<Decoded<'a>>,
    allow_cri: bool,
) -> (LineKind, u32) {
    let line = line.trim_ascii();
    match line.first() {
        None => (LineKind::Blank, 0),
        Some(b'{') => {
            if prefilter.is_some_and(|keep| !keep(line)) {
                return (LineKind::Filtered, 0);
            }
            decode_json(line, out)
        }
        Some(b'0'..=b'9') => {
            if let Some(kind) = decode_legacy(line, out) {
                return (kind, 0);
            }
            if allow_cri && let Some(cri) = split_cri(line) {
                if cri.partial {
                    return (LineKind::CriPartial, 0);
                }
                return decode_cri_payload(cri.payload, prefilter, out);
            }
            (not_json_or_not_event(line), 0)
        }
        Some(_) => (not_json_or_not_event(line), 0),
    }
}

/// The payload of a complete CRI line (or of joined partial pieces).
fn decode_cri_payload<'a>(
    payload: &'a [u8],
    prefilter: Option<Prefilter<'_>>,
    out: &mut Vec<Decoded<'a>>,
) -> (LineKind, u32) {
    match decode_content(payload, prefilter, out, false) {
        (LineKind::Event | LineKind::EventList | LineKind::Legacy, skipped) => {
            (LineKind::Cri, skipped)
        }
        other => other,
    }
}

fn not_json_or_not_event(line: &[u8]) -> LineKind {
    match serde_json::from_slice::<IgnoredAny>(line) {
        Ok(_) => LineKind::NotEvent("JSON that is not an object".into()),
        Err(err) => LineKind::Invalid(json_reason(&err)),
    }
}

/// serde_json's message without the `line 1` that every single line has.
fn json_reason(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.strip_suffix(&format!(" at line 1 column {}", err.column())) {
        Some(message) => format!("{message} at column {}", err.column()),
        None => text,
    }
}

#[derive(Deserialize)]
struct RawList<'a> {
    #[serde(borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    items: Vec<&'a RawValue>,
}

/// A JSON object: an event, an `EventList`, or something else.
pub(crate) fn decode_json<'a>(json: &'a [u8], out: &mut Vec<Decoded<'a>>) -> (LineKind, u32) {
    match Event::from_json(json) {
        Ok(event) if event.looks_like_event() => {
            out.push(Decoded { event, raw: json });
            (LineKind::Event, 0)
        }
        Ok(event) if event.kind.as_deref() == Some("EventList") => decode_list(json, out),
        Ok(_) => (
            LineKind::NotEvent("JSON without kind Event, verb or auditID".into()),
            0,
        ),
        Err(err) if err.classify() == serde_json::error::Category::Data => {
            (LineKind::NotEvent(json_reason(&err)), 0)
        }
        Err(err) => (LineKind::Invalid(json_reason(&err)), 0),
    }
}

fn decode_list<'a>(json: &'a [u8], out: &mut Vec<Decoded<'a>>) -> (LineKind, u32) {
    let list: RawList<'a> = match serde_json::from_slice(json) {
        Ok(list) => list,
        Err(err) => return (LineKind::NotEvent(json_reason(&err)), 0),
    };
    debug_assert_eq!(list.kind.as_deref(), Some("EventList"));
    let mut skipped = 0u32;
    for item in list.items {
        let raw = item.get().as_bytes();
        match Event::from_json(raw) {
            Ok(event) if event.looks_like_event() => out.push(Decoded { event, raw }),
            _ => skipped = skipped.saturating_add(1),
        }
    }
    (LineKind::EventList, skipped)
}

/// A line as written by a container runtime (CRI logging format):
/// `<RFC 3339 time> <stdout|stderr> <P|F> <payload>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CriLine<'a> {
    /// When the runtime wrote the piece.
    pub time: &'a [u8],
    /// `stdout` or `stderr`.
    pub stream: &'a [u8],
    /// Whether this is a partial piece, continued by the next piece of the
    /// same stream.
    pub partial: bool,
    /// The logged text.
    pub payload: &'a [u8],
}

/// Splits a CRI log line, or `None` when the line is not one.
pub fn split_cri(line: &[u8]) -> Option<CriLine<'_>> {
    let time_end = memchr::memchr(b' ', &line[..line.len().min(40)])?;
    let time = &line[..time_end];
    if time.len() < 20 || time.get(4) != Some(&b'-') || time.get(10) != Some(&b'T') {
        return None;
    }
    let rest = &line[time_end + 1..];
    let (stream, rest) = if let Some(rest) = rest.strip_prefix(b"stdout ") {
        (&b"stdout"[..], rest)
    } else if let Some(rest) = rest.strip_prefix(b"stderr ") {
        (&b"stderr"[..], rest)
    } else {
        return None;
    };
    let tag_end = memchr::memchr(b' ', rest).unwrap_or(rest.len());
    let tag = &rest[..tag_end];
    let payload = rest.get(tag_end + 1..).unwrap_or_default();
    // Tags are `:`-separated flags; `P` is the only one defined so far.
    let partial = tag.split(|&b| b == b':').any(|flag| flag == b"P");
    if !partial && !tag.split(|&b| b == b':').any(|flag| flag == b"F") {
        return None;
    }
    Some(CriLine {
        time,
        stream,
        partial,
        payload,
    })
}

/// Where a request URI points, as the API server's request-info parser reads
/// it. Only resource requests (under `/api` or `/apis`) have one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestPath<'a> {
    /// The API group, `""` for the core group.
    pub api_group: &'a str,
    /// The API version, e.g. `v1`.
    pub api_version: &'a str,
    /// The namespace.
    pub namespace: Option<&'a str>,
    /// The resource, e.g. `pods`.
    pub resource: &'a str,
    /// The object's name.
    pub name: Option<&'a str>,
    /// The subresource, e.g. `exec`.
    pub subresource: Option<&'a str>,
    /// Whether the path is a `/watch/` path (deprecated watch form).
    pub watch: bool,
}

/// Reads `/api/v1/namespaces/N/pods/NAME/exec?...` and
/// `/apis/GROUP/VERSION/...`; `None` for non-resource paths such as
/// `/healthz`, `/version` or discovery (`/apis/apps/v1`).
pub fn parse_request_uri(uri: &str) -> Option<RequestPath<'_>> {
    let path = uri.split(['?', '#']).next().unwrap_or_default();
    let mut parts = path.trim_matches('/').split('/');
    let (api_group, api_version) = match parts.next()? {
        "api" => ("", parts.next()?),
        "apis" => (
            parts.next().filter(|group| !group.is_empty())?,
            parts.next()?,
        ),
        _ => return None,
    };
    if api_version.is_empty() {
        return None;
    }
    let mut rest: Vec<&str> = parts.collect();
    if rest.iter().any(|part| part.is_empty()) {
        return None;
    }
    let mut watch = false;
    if rest.first() == Some(&"watch") {
        watch = true;
        rest.remove(0);
    }
    let mut namespace = None;
    let mut at = 0;
    if rest.first() == Some(&"namespaces") && rest.len() > 1 {
        namespace = Some(rest[1]);
        // `namespaces/N/status` and `/finalize` are the namespace's own
        // subresources; anything else after the name is a namespaced resource.
        if rest.len() > 2 && !matches!(rest[2], "status" | "finalize") {
            at = 2;
        }
    }
    let rest = &rest[at..];
    let resource = *rest.first()?;
    Some(RequestPath {
        api_group,
        api_version,
        namespace,
        resource,
        name: rest.get(1).copied(),
        subresource: rest.get(2).copied(),
        watch,
    })
}

/// A legacy text line: `<time> AUDIT: id="..." stage="..." ip="..." ...`.
fn decode_legacy<'a>(line: &'a [u8], out: &mut Vec<Decoded<'a>>) -> Option<LineKind> {
    let marker = memchr::memmem::find(&line[..line.len().min(48)], b" AUDIT: ")?;
    let Ok(text) = std::str::from_utf8(line) else {
        return Some(LineKind::Invalid("legacy line that is not UTF-8".into()));
    };
    let time = &text[..marker];
    let mut rest = &text[marker + b" AUDIT: ".len()..];
    let mut event = Event {
        stage_timestamp: Some(Cow::Borrowed(time)),
        ..Event::default()
    };
    let mut namespace = None;
    let mut impersonated: Option<Cow<'a, str>> = None;
    let mut impersonated_groups: Option<Cow<'a, str>> = None;
    loop {
        rest = rest.trim_start_matches(' ');
        if rest.is_empty() {
            break;
        }
        let Some(eq) = rest.find('=') else {
            return Some(LineKind::Invalid("legacy line: expected key=value".into()));
        };
        let key = &rest[..eq];
        let (value, after) = match go_unquote(&rest[eq + 1..]) {
            Some(parsed) => parsed,
            None => {
                return Some(LineKind::Invalid(format!(
                    "legacy line: bad quoted value for {key}"
                )));
            }
        };
        rest = after;
        match key {
            "id" => event.audit_id = value,
            "stage" => event.stage = Some(Stage::parse(&value).unwrap_or(Stage::Unknown)),
            "ip" => {
                event.source_ips = split_cow(value, ',');
            }
            "method" => event.verb = value,
            "user" => event.user.username = value,
            "groups" => event.user.groups = quoted_list(&value),
            "as" if value != "<self>" => impersonated = Some(value),
            "asgroups" if value != "<lookup>" => impersonated_groups = Some(value),
            "user-agent" => event.user_agent = Some(value),
            "namespace" if value != "<none>" => namespace = Some(value),
            "uri" => event.request_uri = value,
            "response" => {
                if let Ok(code) = value.parse::<i32>() {
                    event.response_status = Some(ResponseStatus {
                        code: Some(code),
                        ..ResponseStatus::default()
                    });
                }
            }
            _ => {}
        }
    }
    if event.audit_id.is_empty() && event.verb.is_empty() {
        return Some(LineKind::Invalid("legacy line without id or method".into()));
    }
    if let Some(username) = impersonated {
        event.impersonated_user = Some(UserInfo {
            username,
            groups: impersonated_groups
                .map(|groups| quoted_list(&groups))
                .unwrap_or_default(),
            ..UserInfo::default()
        });
    }
    event.object_ref = legacy_object_ref(&event.request_uri, namespace);
    out.push(Decoded { event, raw: line });
    Some(LineKind::Legacy)
}

fn legacy_object_ref<'a>(
    uri: &Cow<'a, str>,
    namespace: Option<Cow<'a, str>>,
) -> Option<ObjectRef<'a>> {
    let owned = |s: &str| -> Cow<'a, str> { Cow::Owned(s.to_string()) };
    let path = match uri {
        Cow::Borrowed(uri) => parse_request_uri(uri).map(|p| {
            (
                Cow::Borrowed(p.resource),
                p.namespace.map(Cow::Borrowed),
                p.name.map(Cow::Borrowed),
                p.subresource.map(Cow::Borrowed),
                Cow::Borrowed(p.api_group),
                Cow::Borrowed(p.api_version),
            )
        }),
        Cow::Owned(uri) => parse_request_uri(uri).map(|p| {
            (
                owned(p.resource),
                p.namespace.map(owned),
                p.name.map(owned),
                p.subresource.map(owned),
                owned(p.api_group),
                owned(p.api_version),
            )
        }),
    };
    let (resource, uri_namespace, name, subresource, group, version) = path?;
    Some(ObjectRef {
        resource: Some(resource),
        namespace: namespace.or(uri_namespace),
        name,
        subresource,
        api_group: (!group.is_empty()).then_some(group),
        api_version: Some(version),
        ..ObjectRef::default()
    })
}

fn split_cow(value: Cow<'_, str>, separator: char) -> Vec<Cow<'_, str>> {
    match value {
        Cow::Borrowed(text) => text
            .split(separator)
            .filter(|part| !part.is_empty())
            .map(Cow::Borrowed)
            .collect(),
        Cow::Owned(text) => text
            .split(separator)
            .filter(|part| !part.is_empty())
            .map(|part| Cow::Owned(part.to_string()))
            .collect(),
    }
}

/// `"a","b"`: each group was quoted on its own, then the list quoted again.
fn quoted_list<'a>(value: &str) -> Vec<Cow<'a, str>> {
    let mut items = Vec::new();
    let mut rest = value;
    while !rest.is_empty() {
        match go_unquote(rest) {
            Some((item, after)) if rest.starts_with('"') => {
                items.push(Cow::Owned(item.into_owned()));
                rest = after.strip_prefix(',').unwrap_or(after);
            }
            _ => break,
        }
    }
    items
}

/// Reads a Go `%q` string at the start of `text` (or a bare word up to the
/// next space), returning it and what follows. Borrows when there are no
/// escapes.
fn go_unquote(text: &str) -> Option<(Cow<'_, str>, &str)> {
    let Some(body) = text.strip_prefix('"') else {
        let end = text.find(' ').unwrap_or(text.len());
        return Some((Cow::Borrowed(&text[..end]), &text[end..]));
    };
    let bytes = body.as_bytes();
    let mut at = 0;
    let mut owned: Option<String> = None;
    loop {
        let next = memchr::memchr2(b'"', b'\\', &bytes[at..])? + at;
        if bytes[next] == b'"' {
            let value = match owned {
                Some(mut text) => {
                    text.push_str(&body[at..next]);
                    Cow::Owned(text)
                }
                None => Cow::Borrowed(&body[..next]),
            };
            return Some((value, &body[next + 1..]));
        }
        let text = owned.get_or_insert_with(String::new);
        text.push_str(&body[at..next]);
        let escape = *bytes.get(next + 1)?;
        at = next + 2;
        let simple = match escape {
            b'"' => Some('"'),
            b'\\' => Some('\\'),
            b'\'' => Some('\''),
            b'n' => Some('\n'),
            b't' => Some('\t'),
            b'r' => Some('\r'),
            b'a' => Some('\u{7}'),
            b'b' => Some('\u{8}'),
            b'f' => Some('\u{c}'),
            b'v' => Some('\u{b}'),
            _ => None,
        };
        if let Some(c) = simple {
            text.push(c);
            continue;
        }
        let (digits, radix) = match escape {
            b'x' => (2, 16),
            b'u' => (4, 16),
            b'U' => (8, 16),
            b'0'..=b'7' => {
                at -= 1;
                (3, 8)
            }
            _ => return None,
        };
        let hex = body.get(at..at + digits)?;
        let code = u32::from_str_radix(hex, radix).ok()?;
        at += digits;
        // `\x` and octal escapes are bytes; a lone non-ASCII byte cannot be
        // kept in a string, so it becomes U+FFFD like a lossy decode would.
        let c = if digits <= 3 && code > 0x7f {
            char::REPLACEMENT_CHARACTER
        } else {
            char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
        };
        text.push(c);
    }
}

/// A place in the input, with what was wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, as given (or `-` for stdin).
    pub path: String,
    /// The line number, from 1.
    pub line: u64,
    /// What was wrong, briefly.
    pub reason: String,
    /// Which count the line went to.
    pub kind: ProblemKind,
    /// Input order (stream, block) so merged stats keep the earliest.
    order: (usize, u64),
}

impl Problem {
    fn key(&self) -> (usize, u64, u64) {
        (self.order.0, self.order.1, self.line)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.reason)
    }
}

/// The kinds of skipped lines that are problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// Not JSON, not legacy, not CRI.
    Invalid,
    /// JSON that is not an event.
    NotEvent,
    /// The last line of a file, cut off.
    Truncated,
}

/// What a read saw: counts of lines by kind, and the first problem.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Bytes of log text read (after decompression).
    pub bytes: u64,
    /// Files (and stdin) read.
    pub files: u64,
    /// Lines read.
    pub lines: u64,
    /// Events decoded.
    pub events: u64,
    /// Lines holding an `EventList`.
    pub event_lists: u64,
    /// Empty or whitespace-only lines.
    pub blank: u64,
    /// Lines ending in CRLF.
    pub crlf: u64,
    /// Legacy text lines.
    pub legacy: u64,
    /// CRI-wrapped lines (each piece counts).
    pub cri: u64,
    /// JSON lines the prefilter rejected unparsed.
    pub filtered: u64,
    /// Lines that are not JSON, legacy or CRI.
    pub invalid: u64,
    /// JSON lines (and `EventList` items) that are not events.
    pub not_events: u64,
    /// Files whose last line was cut off.
    pub truncated: u64,
    /// The first problem line, in input order.
    pub first_problem: Option<Problem>,
}

impl ReadStats {
    /// Adds another part's counts.
    pub fn merge(&mut self, other: ReadStats) {
        self.bytes += other.bytes;
        self.files += other.files;
        self.lines += other.lines;
        self.events += other.events;
        self.event_lists += other.event_lists;
        self.blank += other.blank;
        self.crlf += other.crlf;
        self.legacy += other.legacy;
        self.cri += other.cri;
        self.filtered += other.filtered;
        self.invalid += other.invalid;
        self.not_events += other.not_events;
        self.truncated += other.truncated;
        self.first_problem = match (self.first_problem.take(), other.first_problem) {
            (Some(a), Some(b)) => Some(if b.key() < a.key() { b } else { a }),
            (a, b) => a.or(b),
        };
    }

    /// Lines skipped as problems.
    pub fn problems(&self) -> u64 {
        self.invalid + self.not_events + self.truncated
    }

    /// One line for people, e.g. `read 21,820 events from 4 files (12.3 MB);
    /// skipped 3 blank, 2 invalid (first: cp-1/audit.log:17: expected value
    /// at column 1), 1 truncated last line`.
    pub fn summary_line(&self) -> String {
        let files = if self.files == 1 { "file" } else { "files" };
        let events = if self.events == 1 { "event" } else { "events" };
        let mut text = if self.filtered > 0 {
            // Lines the prefilter passed over were never parsed, so the
            // event count alone would understate what was read.
            format!(
                "read {} lines from {} {files} ({}), {} parsed",
                thousands(self.lines),
                thousands(self.files),
                human_bytes(self.bytes),
                thousands(self.events)
            )
        } else {
            format!(
                "read {} {events} from {} {files} ({})",
                thousands(self.events),
                thousands(self.files),
                human_bytes(self.bytes)
            )
        };
        let first = |kind: ProblemKind| -> String {
            match &self.first_problem {
                Some(problem) if problem.kind == kind => format!(" (first: {problem})"),
                _ => String::new(),
            }
        };
        let mut parts = Vec::new();
        if self.blank > 0 {
            parts.push(format!("{} blank", thousands(self.blank)));
        }
        if self.invalid > 0 {
            parts.push(format!(
                "{} invalid{}",
                thousands(self.invalid),
                first(ProblemKind::Invalid)
            ));
        }
        if self.not_events > 0 {
            let what = if self.not_events == 1 {
                "not an audit event"
            } else {
                "not audit events"
            };
            parts.push(format!(
                "{} {what}{}",
                thousands(self.not_events),
                first(ProblemKind::NotEvent)
            ));
        }
        if self.truncated > 0 {
            let lines = if self.truncated == 1 { "line" } else { "lines" };
            parts.push(format!(
                "{} truncated last {lines}{}",
                thousands(self.truncated),
                first(ProblemKind::Truncated)
            ));
        }
        if !parts.is_empty() {
            text.push_str("; skipped ");
            text.push_str(&parts.join(", "));
        }
        text
    }
}

/// `21820` as `21,820`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Decimal units, one decimal: `12.3 MB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Decodes the lines of one piece of one file, in order, keeping counts, and
/// joining CRI partial pieces (which need an owned buffer).
///
/// The caller feeds whole lines with their numbers; a piece boundary must not
/// fall inside a run of CRI partial lines (the reader cuts blocks so), or the
/// run is counted invalid.
pub struct Decoder<'p> {
    path: &'p str,
    order: (usize, u64),
    prefilter: Option<Prefilter<'p>>,
    strict: bool,
    /// The counts so far.
    pub stats: ReadStats,
    pending: Vec<u8>,
    pending_stream: &'static [u8],
    pending_line: u64,
}

impl<'p> Decoder<'p> {
    /// A decoder for lines of `path` (used in problems).
    pub fn new(path: &'p str) -> Decoder<'p> {
        Decoder {
            path,
            order: (0, 0),
            prefilter: None,
            strict: false,
            stats: ReadStats::default(),
            pending: Vec::new(),
            pending_stream: b"",
            pending_line: 0,
        }
    }

    /// Applies a prefilter to JSON lines.
    pub fn with_prefilter(mut self, prefilter: Option<Prefilter<'p>>) -> Decoder<'p> {
        self.prefilter = prefilter;
        self
    }

    /// Makes the first problem line an error.
    pub fn strict(mut self, strict: bool) -> Decoder<'p> {
        self.strict = strict;
        self
    }

    /// Where this piece sits in the input (stream index, block number), so
    /// that merged stats report the earliest problem.
    pub fn at(mut self, stream: usize, block: u64) -> Decoder<'p> {
        self.order = (stream, block);
        self
    }

    /// Decodes one line (without its `\n`); `terminated` is false only for a
    /// file's last line when no newline follows it. Each event goes to `emit`
    /// with its raw JSON; a `Break` from `emit` is passed on.
    pub fn line<F>(
        &mut self,
        number: u64,
        line: &[u8],
        terminated: bool,
        emit: &mut F,
    ) -> Result<ControlFlow<()>, Error>
    where
        F: FnMut(&Event<'_>, &[u8]) -> ControlFlow<()>,
    {
        self.stats.lines += 1;
        self.stats.bytes += line.len() as u64 + u64::from(terminated);
        let mut out = Vec::new();
        let body = line.strip_suffix(b"\r").unwrap_or(line);
        let body_no_bom = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        // Only CRI lines start with a digit and are not legacy lines; the
        // check keeps the common JSON line off this path.
        let cri = if body_no_bom.first().is_some_and(u8::is_ascii_digit) {
            split_cri(body_no_bom)
        } else {
            None
        };
        if let Some(cri) = cri {
            if body.len() != line.len() {
                self.stats.crlf += 1;
            }
            self.stats.cri += 1;
            return self.cri_piece(number, cri, emit);
        }
        if !self.pending.is_empty() {
            self.abandon_pending()?;
        }
        let outcome = decode_line_filtered(line, self.prefilter, &mut out);
        self.stats.crlf += u64::from(outcome.crlf);
        self.count(number, outcome, out.len(), terminated)?;
        for decoded in &out {
            if emit(&decoded.event, decoded.raw).is_break() {
                return Ok(ControlFlow::Break(()));
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    fn cri_piece<F>(
        &mut self,
        number: u64,
        cri: CriLine<'_>,
        emit: &mut F,
    ) -> Result<ControlFlow<()>, Error>
    where
        F: FnMut(&Event<'_>, &[u8]) -> ControlFlow<()>,
    {
        let stream: &'static [u8] = if cri.stream == b"stderr" {
            b"stderr"
        } else {
            b"stdout"
        };
        if !self.pending.is_empty() && self.pending_stream != stream {
            // Another stream's pieces interleaved: keep it simple and treat
            // the earlier run as lost rather than guess.
            self.abandon_pending()?;
        }
        if cri.partial {
            if self.pending.is_empty() {
                self.pending_line = number;
                self.pending_stream = stream;
            }
            self.pending.extend_from_slice(cri.payload);
            return Ok(ControlFlow::Continue(()));
        }
        let mut joined;
        let (payload, first_line) = if self.pending.is_empty() {
            (cri.payload, number)
        } else {
            joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(cri.payload);
            (&joined[..], self.pending_line)
        };
        let mut out = Vec::new();
        let (kind, skipped) = decode_cri_payload(payload, self.prefilter, &mut out);
        let outcome = LineOutcome {
            kind,
            crlf: false,
            skipped_items: skipped,
        };
        self.count(first_line, outcome, out.len(), true)?;
        for decoded in &out {
            if emit(&decoded.event, decoded.raw).is_break() {
                return Ok(ControlFlow::Break(()));
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    fn abandon_pending(&mut self) -> Result<(), Error> {
        self.pending.clear();
        let outcome = LineOutcome {
            kind: LineKind::Invalid("CRI partial line never completed".into()),
            crlf: false,
            skipped_items: 0,
        };
        self.count(self.pending_line, outcome, 0, true)
    }

    /// Ends the piece: an unfinished run of CRI partial lines is counted
    /// invalid (or truncated, at the end of a file).
    pub fn finish(&mut self, end_of_file: bool) -> Result<(), Error> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.pending.clear();
        let outcome = LineOutcome {
            kind: LineKind::Invalid("CRI partial line never completed".into()),
            crlf: false,
            skipped_items: 0,
        };
        self.count(self.pending_line, outcome, 0, !end_of_file)
    }

    /// Counts a file whose data ended early (a cut-off gzip stream) as
    /// having a truncated last line, at line `number`.
    pub fn cut_off(&mut self, number: u64, reason: &str) -> Result<(), Error> {
        let outcome = LineOutcome {
            kind: LineKind::Invalid(reason.to_string()),
            crlf: false,
            skipped_items: 0,
        };
        self.count(number, outcome, 0, false)
    }

    fn count(
        &mut self,
        number: u64,
        outcome: LineOutcome,
        events: usize,
        terminated: bool,
    ) -> Result<(), Error> {
        self.stats.events += events as u64;
        self.stats.not_events += u64::from(outcome.skipped_items);
        let (kind, reason) = match outcome.kind {
            LineKind::Event => return Ok(()),
            LineKind::EventList => {
                self.stats.event_lists += 1;
                return Ok(());
            }
            LineKind::Legacy => {
                self.stats.legacy += 1;
                return Ok(());
            }
            LineKind::Cri | LineKind::CriPartial => return Ok(()),
            LineKind::Blank => {
                self.stats.blank += 1;
                return Ok(());
            }
            LineKind::Filtered => {
                self.stats.filtered += 1;
                return Ok(());
            }
            LineKind::Invalid(reason) if !terminated => {
                (ProblemKind::Truncated, format!("cut off: {reason}"))
            }
            LineKind::Invalid(reason) => (ProblemKind::Invalid, reason),
            LineKind::NotEvent(reason) => (ProblemKind::NotEvent, reason),
        };
        match kind {
            ProblemKind::Invalid => self.stats.invalid += 1,
            ProblemKind::NotEvent => self.stats.not_events += 1,
            ProblemKind::Truncated => self.stats.truncated += 1,
        }
        if self.strict {
            return Err(Error::BadLine {
                path: self.path.to_string(),
                line: number,
                reason,
            });
        }
        let problem = Problem {
            path: self.path.to_string(),
            line: number,
            reason,
            kind,
            order: self.order,
        };
        if self.stats.first_problem.is_none() {
            self.stats.first_problem = Some(problem);
        }
        Ok(())
    }
}

/// Where to cut a block of log text so that it ends on a whole line: just
/// after its last newline, moved back before a trailing run of CRI partial
/// lines (they must be decoded together with the line that completes them).
/// 0 when no complete line can be cut off yet.
pub fn cut_block(data: &[u8]) -> usize {
    let Some(last) = memchr::memrchr(b'\n', data) else {
        return 0;
    };
    let mut cut = last + 1;
    while cut > 0 {
        let end = cut - 1;
        let start = memchr::memrchr(b'\n', &data[..end]).map_or(0, |at| at + 1);
        let line = &data[start..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match split_cri(line) {
            Some(cri) if cri.partial => cut = start,
            _ => break,
        }
    }
    cut
}

impl Decoder<'_> {
    /// Decodes every line of a block (whole lines, as cut by [`cut_block`],
    /// or the rest of a file when `end_of_file`), numbering them from
    /// `first_line`.
    pub fn block<F>(
        &mut self,
        first_line: u64,
        data: &[u8],
        end_of_file: bool,
        emit: &mut F,
    ) -> Result<ControlFlow<()>, Error>
    where
        F: FnMut(&Event<'_>, &[u8]) -> ControlFlow<()>,
    {
        let mut number = first_line;
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', data) {
            if self.line(number, &data[start..end], true, emit)?.is_break() {
                return Ok(ControlFlow::Break(()));
            }
            number += 1;
            start = end + 1;
        }
        if start < data.len() && self.line(number, &data[start..], false, emit)?.is_break() {
            return Ok(ControlFlow::Break(()));
        }
        self.finish(end_of_file)?;
        Ok(ControlFlow::Continue(()))
    }
}

/// Removes the whitespace between JSON tokens, so that a pretty-printed
/// document's events can be handed on as one-line JSON. Strings are kept as
/// they are; the input need not be valid JSON.
pub fn minify_json(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    for &b in json {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
            out.push(b);
        } else if !b.is_ascii_whitespace() {
            out.push(b);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(line: &[u8]) -> (LineKind, usize) {
        let mut out = Vec::new();
        let outcome = decode_line(line, &mut out);
        (outcome.kind, out.len())
    }

    #[test]
    fn request_uris() {
        let exec =
            parse_request_uri("/api/v1/namespaces/payments/pods/checkout/exec?command=sh&tty=true")
                .unwrap();
        assert_eq!(
            exec,
            RequestPath {
                api_group: "",
                api_version: "v1",
                namespace: Some("payments"),
                resource: "pods",
                name: Some("checkout"),
                subresource: Some("exec"),
                watch: false,
            }
        );
        let lease = parse_request_uri(
            "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler?timeout=5s",
        )
        .unwrap();
        assert_eq!(lease.api_group, "coordination.k8s.io");
        assert_eq!(lease.resource, "leases");
        assert_eq!(lease.name, Some("kube-scheduler"));
        let ns = parse_request_uri("/api/v1/namespaces/foo").unwrap();
        assert_eq!(
            (ns.resource, ns.name, ns.namespace),
            ("namespaces", Some("foo"), Some("foo"))
        );
        let finalize = parse_request_uri("/api/v1/namespaces/foo/finalize").unwrap();
        assert_eq!(finalize.subresource, Some("finalize"));
        let crbs =
            parse_request_uri("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings").unwrap();
        assert_eq!(
            (crbs.resource, crbs.namespace, crbs.name),
            ("clusterrolebindings", None, None)
        );
        let watch = parse_request_uri("/api/v1/watch/namespaces/a/pods").unwrap();
        assert!(watch.watch);
        assert_eq!(watch.resource, "pods");
        for non_resource in [
            "/version",
            "/healthz",
            "/api",
            "/api/v1",
            "/apis/apps/v1",
            "",
            "/apis//v1/x",
        ] {
            assert_eq!(parse_request_uri(non_resource), None, "{non_resource}");
        }
    }

    #[test]
    fn legacy_lines() {
        let line = br#"2025-03-14T08:51:07Z AUDIT: id="805755e1" stage="ResponseStarted" ip="192.168.50.23,10.0.0.5" method="create" user="oidc:alice@example.com" groups="\"oidc:platform-team\",\"system:authenticated\"" as="bob" asgroups="\"admins\"" user-agent="kubectl/v1.29.3 (darwin/arm64) \"q\"" namespace="payments" uri="/api/v1/namespaces/payments/pods/checkout/exec?command=sh&tty=true" response="101""#;
        let mut out = Vec::new();
        let outcome = decode_line(line, &mut out);
        assert_eq!(outcome.kind, LineKind::Legacy);
        let event = &out[0].event;
        assert_eq!(event.audit_id, "805755e1");
        assert_eq!(event.stage, Some(Stage::ResponseStarted));
        assert_eq!(event.source_ips, ["192.168.50.23", "10.0.0.5"]);
        assert_eq!(event.verb, "create");
        assert_eq!(event.user.username, "oidc:alice@example.com");
        assert_eq!(
            event.user.groups,
            ["oidc:platform-team", "system:authenticated"]
        );
        let imp = event.impersonated_user.as_ref().unwrap();
        assert_eq!((imp.username.as_ref(), imp.groups.len()), ("bob", 1));
        assert_eq!(
            event.user_agent.as_deref(),
            Some("kubectl/v1.29.3 (darwin/arm64) \"q\"")
        );
        assert_eq!(event.namespace(), Some("payments"));
        assert_eq!(event.resource(), Some("pods"));
        assert_eq!(event.subresource(), Some("exec"));
        assert_eq!(event.name(), Some("checkout"));
        assert_eq!(event.code(), Some(101));
        assert_eq!(
            event.time().unwrap().to_string(),
            "2025-03-14T08:51:07.000000Z"
        );
        assert!(matches!(event.request_uri, Cow::Borrowed(_)));

        let deferred = br#"2025-03-14T08:51:07Z AUDIT: id="x" stage="RequestReceived" ip="1.2.3.4" method="get" user="u" groups="" as="<self>" asgroups="<lookup>" user-agent="c" namespace="<none>" uri="/version" response="<deferred>""#;
        let mut out = Vec::new();
        assert_eq!(decode_line(deferred, &mut out).kind, LineKind::Legacy);
        assert!(out[0].event.object_ref.is_none());
        assert!(out[0].event.impersonated_user.is_none());
        assert_eq!(out[0].event.code(), None);

        let broken = br#"2025-03-14T08:51:07Z AUDIT: id="x stage="#;
        assert!(matches!(kinds(broken).0, LineKind::Invalid(_)));
    }

    #[test]
    fn cri_lines() {
        let full = br#"2025-03-14T08:51:07.123456789Z stdout F {"kind":"Event","verb":"get","auditID":"a"}"#;
        assert_eq!(kinds(full), (LineKind::Cri, 1));
        let part = br#"2025-03-14T08:51:07.123456789Z stdout P {"kind":"Event","#;
        assert_eq!(kinds(part), (LineKind::CriPartial, 0));
        let cri = split_cri(part).unwrap();
        assert!(cri.partial);
        assert_eq!(cri.stream, b"stdout");

        let mut decoder = Decoder::new("x");
        let mut seen = Vec::new();
        let mut emit = |event: &Event<'_>, raw: &[u8]| {
            seen.push((event.audit_id.to_string(), raw.len()));
            ControlFlow::Continue(())
        };
        let _ = decoder.line(1, part, true, &mut emit).unwrap();
        let _ = decoder
            .line(
                2,
                br#"2025-03-14T08:51:07.2Z stdout P "verb":"get","#,
                true,
                &mut emit,
            )
            .unwrap();
        let _ = decoder
            .line(
                3,
                br#"2025-03-14T08:51:07.3Z stdout F "auditID":"joined"}"#,
                true,
                &mut emit,
            )
            .unwrap();
        decoder.finish(true).unwrap();
        assert_eq!(seen, [("joined".to_string(), 48)]);
        assert_eq!(decoder.stats.cri, 3);
        assert_eq!(decoder.stats.events, 1);
    }

    #[test]
    fn odd_lines() {
        assert_eq!(kinds(b""), (LineKind::Blank, 0));
        assert_eq!(kinds(b" \t \r"), (LineKind::Blank, 0));
        assert!(matches!(kinds(b"{").0, LineKind::Invalid(_)));
        assert!(matches!(kinds(b"garbage").0, LineKind::Invalid(_)));
        assert!(matches!(kinds(b"[1,2]").0, LineKind::NotEvent(_)));
        assert!(matches!(kinds(br#"{"kind": 0}"#).0, LineKind::NotEvent(_)));
        assert!(matches!(kinds(br#"{"a": 1}"#).0, LineKind::NotEvent(_)));
        assert!(matches!(
            kinds(b"2025-01-01 not a log").0,
            LineKind::Invalid(_)
        ));
        let bom = b"\xEF\xBB\xBF{\"verb\":\"get\",\"auditID\":\"a\"}\r";
        let mut out = Vec::new();
        let outcome = decode_line(bom, &mut out);
        assert_eq!(
            (outcome.kind, outcome.crlf, out.len()),
            (LineKind::Event, true, 1)
        );
        let Err(err) = serde_json::from_slice::<IgnoredAny>(b"x") else {
            unreachable!()
        };
        assert_eq!(json_reason(&err), "expected value at column 1");
    }

    #[test]
    fn cuts_blocks_before_partial_runs() {
        assert_eq!(cut_block(b""), 0);
        assert_eq!(cut_block(b"abc"), 0);
        assert_eq!(cut_block(b"a\nb"), 2);
        assert_eq!(cut_block(b"a\nb\n"), 4);
        let data =
            b"{}\n2025-03-14T08:51:07.1Z stdout P {\n2025-03-14T08:51:07.1Z stdout P x\r\ntail";
        assert_eq!(cut_block(data), 3);
        assert_eq!(cut_block(&data[3..]), 0);
        let done = b"2025-03-14T08:51:07.1Z stdout P {\n2025-03-14T08:51:07.1Z stdout F }\n";
        assert_eq!(cut_block(done), done.len());
    }

    #[test]
    fn minifies() {
        assert_eq!(
            minify_json(b"{\n  \"a b\": \"x \\\" y\",\n  \"c\": [1, 2]\n}\n"),
            b"{\"a b\":\"x \\\" y\",\"c\":[1,2]}"
        );
    }

    /// A small seeded generator, so the property test needs no crate.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    const PIECES: &[&[u8]] = &[
        b"\n",
        b"\r\n",
        b"\xEF\xBB\xBF",
        b"{",
        b"}",
        b"\"",
        b"\\",
        b" ",
        br#"{"kind":"Event","verb":"get","auditID":"a","stageTimestamp":"2025-03-14T08:51:07Z"}"#,
        br#"{"kind":"EventList","items":[{"verb":"get","auditID":"b"},{"kind":0},1]}"#,
        b"2025-03-14T08:51:07.123456789Z stdout P ",
        b"2025-03-14T08:51:07.123456789Z stderr F ",
        b"2025-03-14T08:51:07Z AUDIT: ",
        br#"id="x" method="get" uri="/api/v1/namespaces/a/pods/b/exec" groups="\"a\",\"b\"" as="u" response="200" "#,
        br#"user="\u00e9\x41\101\U0001F600""#,
        br#""requestObject":[1,{"a":null}],"#,
        "\u{2028}é".as_bytes(),
        b"\xff\xfe",
        b"\\u2028",
    ];

    /// Whatever the bytes, decoding never panics, raw slices stay within
    /// their line, block cuts fall after a newline, and every line is
    /// counted once.
    #[test]
    fn random_input_never_breaks_the_decoder() {
        let mut rng = XorShift(0x2025_0314_0851_0700);
        for _ in 0..20_000 {
            let mut data = Vec::new();
            for _ in 0..rng.below(24) {
                if rng.below(3) == 0 {
                    for _ in 0..rng.below(12) {
                        data.push(rng.next() as u8);
                    }
                } else {
                    data.extend_from_slice(PIECES[rng.below(PIECES.len())]);
                }
            }
            check_line_and_block(&data);
        }
    }

    fn check_line_and_block(data: &[u8]) {
        for line in data.split(|&b| b == b'\n') {
            let mut out = Vec::new();
            let outcome = decode_line(line, &mut out);
            let span = line.as_ptr_range();
            for decoded in &out {
                let raw = decoded.raw.as_ptr_range();
                assert!(span.start <= raw.start && raw.end <= span.end);
            }
            match outcome.kind {
                LineKind::Event | LineKind::Legacy => assert_eq!(out.len(), 1),
                LineKind::EventList | LineKind::Cri => {}
                _ => assert!(out.is_empty()),
            }
        }
        let cut = cut_block(data);
        assert!(cut <= data.len());
        assert!(cut == 0 || data[cut - 1] == b'\n');
        let mut decoder = Decoder::new("fuzz");
        let mut events = 0u64;
        let mut emit = |_: &Event<'_>, _: &[u8]| {
            events += 1;
            ControlFlow::Continue(())
        };
        let _ = decoder.block(1, &data[..cut], false, &mut emit).unwrap();
        let _ = decoder.block(1, &data[cut..], true, &mut emit).unwrap();
        let lines = if data.is_empty() {
            0
        } else {
            data.split(|&b| b == b'\n').count() as u64 - u64::from(data.ends_with(b"\n"))
        };
        assert_eq!(decoder.stats.lines, lines);
        assert_eq!(decoder.stats.bytes, data.len() as u64);
        assert_eq!(decoder.stats.events, events);
        let minified = minify_json(data);
        assert!(minified.len() <= data.len());
    }

    #[test]
    fn summaries() {
        let mut stats = ReadStats {
            bytes: 12_345_678,
            files: 4,
            events: 21_820,
            blank: 3,
            invalid: 2,
            truncated: 1,
            ..ReadStats::default()
        };
        stats.first_problem = Some(Problem {
            path: "cp-1/audit.log".into(),
            line: 17,
            reason: "expected value at column 1".into(),
            kind: ProblemKind::Invalid,
            order: (0, 3),
        });
        let earlier = ReadStats {
            first_problem: Some(Problem {
                path: "cp-1/audit.log".into(),
                line: 9,
                reason: "x".into(),
                kind: ProblemKind::NotEvent,
                order: (0, 1),
            }),
            ..ReadStats::default()
        };
        let mut merged = stats.clone();
        merged.merge(earlier);
        assert_eq!(merged.first_problem.as_ref().unwrap().line, 9);
        assert_eq!(
            stats.summary_line(),
            "read 21,820 events from 4 files (12.3 MB); skipped 3 blank, 2 invalid (first: cp-1/audit.log:17: expected value at column 1), 1 truncated last line"
        );
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(123_456_789), "123,456,789");
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(2_000_000_000), "2.0 GB");
    }
}
