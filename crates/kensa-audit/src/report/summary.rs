//! The overview of a log: how much, when, who, what, and what failed.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Serialize;

use crate::event::{Event, Level, Stage};
use crate::report::{Aggregate, Table};
use crate::time::Timestamp;

/// How many of each top list the reports keep by default.
pub const DEFAULT_TOP: usize = 10;

/// A key and how often it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// The user, verb, resource, ... counted. Empty means absent (e.g. the
    /// user of an unauthenticated request).
    pub key: String,
    /// How many (requests, events or bytes, as the list says).
    pub count: u64,
}

/// Counts per distinct key; memory grows with the keys, never the events.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally(HashMap<String, u64>);

impl Tally {
    pub(crate) fn add(&mut self, key: &str, n: u64) {
        match self.0.get_mut(key) {
            Some(count) => *count += n,
            None => {
                self.0.insert(key.to_owned(), n);
            }
        }
    }

    pub(crate) fn merge(&mut self, other: Tally) {
        for (key, n) in other.0 {
            *self.0.entry(key).or_insert(0) += n;
        }
    }

    /// The `n` largest, ties broken by key so that the result does not depend
    /// on how the log was split into chunks.
    pub(crate) fn top(&self, n: usize) -> Vec<Count> {
        let mut all: Vec<Count> = self
            .0
            .iter()
            .map(|(key, count)| Count {
                key: key.clone(),
                count: *count,
            })
            .collect();
        all.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
        all.truncate(n);
        all
    }
}

/// The first and last time seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) first: Option<Timestamp>,
    pub(crate) last: Option<Timestamp>,
}

impl Span {
    pub(crate) fn add(&mut self, time: Option<Timestamp>) {
        let Some(time) = time else { return };
        self.first = Some(self.first.map_or(time, |first| first.min(time)));
        self.last = Some(self.last.map_or(time, |last| last.max(time)));
    }

    pub(crate) fn merge(&mut self, other: Span) {
        self.add(other.first);
        self.add(other.last);
    }
}

/// Whether this event stands for its request in per-request counts: the
/// final stage, or any event of a log written without stages.
pub(crate) fn is_request(event: &Event<'_>) -> bool {
    event.stage.is_none_or(Stage::is_final)
}

/// RFC 3339, for JSON output.
pub(crate) fn time_text(time: Option<Timestamp>) -> Option<String> {
    time.map(|t| t.to_string())
}

/// `resource/subresource`, the resource alone, or for non-resource requests
/// the path without its query.
pub(crate) fn resource_key<'e>(event: &'e Event<'_>) -> Cow<'e, str> {
    match (event.resource(), event.subresource()) {
        (Some(resource), Some(sub)) if !sub.is_empty() => Cow::Owned(format!("{resource}/{sub}")),
        (Some(resource), _) => Cow::Borrowed(resource),
        (None, _) => {
            let uri = event.request_uri.as_ref();
            Cow::Borrowed(uri.split_once('?').map_or(uri, |(path, _)| path))
        }
    }
}

/// How a key is shown in text tables: absent keys get a visible marker.
pub(crate) fn shown(key: &str) -> String {
    if key.is_empty() {
        "(none)".to_owned()
    } else {
        key.to_owned()
    }
}

/// Builds the [`SummaryReport`]: an overview of the whole log.
///
/// What it counts: `events` and `bytes` (the raw line lengths) and the per
/// stage and per level counts take every event, so a request written at three
/// stages counts three times there. Everything else counts *requests*: an
/// event at a final stage (`ResponseComplete`, `Panic`) or, in logs written
/// without stages, every event. Users are the authenticated user (not the
/// impersonated one); bytes per user and per resource add up every event's
/// line.
#[derive(Debug, Clone)]
pub struct Summary {
    top: usize,
    events: u64,
    requests: u64,
    bytes: u64,
    span: Span,
    stages: Tally,
    levels: Tally,
    users: Tally,
    verbs: Tally,
    resources: Tally,
    namespaces: Tally,
    error_codes: Tally,
    user_agents: Tally,
    source_ips: Tally,
    bytes_by_user: Tally,
    bytes_by_resource: Tally,
}

impl Default for Summary {
    fn default() -> Self {
        Summary::new(DEFAULT_TOP)
    }
}

impl Summary {
    /// A summary keeping the `top` largest of each list.
    pub fn new(top: usize) -> Summary {
        Summary {
            top,
            events: 0,
            requests: 0,
            bytes: 0,
            span: Span::default(),
            stages: Tally::default(),
            levels: Tally::default(),
            users: Tally::default(),
            verbs: Tally::default(),
            resources: Tally::default(),
            namespaces: Tally::default(),
            error_codes: Tally::default(),
            user_agents: Tally::default(),
            source_ips: Tally::default(),
            bytes_by_user: Tally::default(),
            bytes_by_resource: Tally::default(),
        }
    }

    /// The report.
    pub fn finish(self) -> SummaryReport {
        let top = self.top;
        let mut by_stage = self.stages.top(usize::MAX);
        by_stage.sort_by_key(|c| stage_order(&c.key));
        let mut by_level = self.levels.top(usize::MAX);
        by_level.sort_by_key(|c| level_order(&c.key));
        SummaryReport {
            events: self.events,
            requests: self.requests,
            bytes: self.bytes,
            first_time: time_text(self.span.first),
            last_time: time_text(self.span.last),
            by_stage,
            by_level,
            top_users: self.users.top(top),
            top_verbs: self.verbs.top(top),
            top_resources: self.resources.top(top),
            top_namespaces: self.namespaces.top(top),
            top_error_codes: self.error_codes.top(top),
            top_user_agents: self.user_agents.top(top),
            top_source_ips: self.source_ips.top(top),
            top_users_by_bytes: self.bytes_by_user.top(top),
            top_resources_by_bytes: self.bytes_by_resource.top(top),
        }
    }
}

fn stage_order(name: &str) -> usize {
    Stage::ALL
        .iter()
        .position(|s| s.as_str() == name)
        .unwrap_or(Stage::ALL.len())
}

fn level_order(name: &str) -> Level {
    // Events without a level sort with unknown ones, last.
    Level::parse(name).unwrap_or(Level::Unknown)
}

impl Aggregate for Summary {
    fn fresh(&self) -> Self {
        Summary::new(self.top)
    }

    fn add(&mut self, event: &Event<'_>, line: &[u8]) {
        let size = line.len() as u64;
        self.events += 1;
        self.bytes += size;
        self.span.add(event.time());
        self.stages
            .add(event.stage.map_or("(none)", Stage::as_str), 1);
        self.levels
            .add(event.level.map_or("(none)", Level::as_str), 1);
        let user = event.user.username.as_ref();
        let resource = resource_key(event);
        self.bytes_by_user.add(user, size);
        self.bytes_by_resource.add(&resource, size);
        if !is_request(event) {
            return;
        }
        self.requests += 1;
        self.users.add(user, 1);
        self.verbs.add(&event.verb, 1);
        self.resources.add(&resource, 1);
        if let Some(namespace) = event.namespace() {
            self.namespaces.add(namespace, 1);
        }
        if let Some(code) = event.code().filter(|code| *code >= 400) {
            self.error_codes.add(&code.to_string(), 1);
        }
        self.user_agents
            .add(event.user_agent.as_deref().unwrap_or(""), 1);
        if let Some(ip) = event.source_ip() {
            self.source_ips.add(ip, 1);
        }
    }

    fn merge(&mut self, other: Self) {
        self.events += other.events;
        self.requests += other.requests;
        self.bytes += other.bytes;
        self.span.merge(other.span);
        self.stages.merge(other.stages);
        self.levels.merge(other.levels);
        self.users.merge(other.users);
        self.verbs.merge(other.verbs);
        self.resources.merge(other.resources);
        self.namespaces.merge(other.namespaces);
        self.error_codes.merge(other.error_codes);
        self.user_agents.merge(other.user_agents);
        self.source_ips.merge(other.source_ips);
        self.bytes_by_user.merge(other.bytes_by_user);
        self.bytes_by_resource.merge(other.bytes_by_resource);
    }
}

/// The summary of a log (`-o json` schema).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SummaryReport {
    /// Events read, every stage counted.
    pub events: u64,
    /// Requests: events at a final stage, or stageless events.
    pub requests: u64,
    /// The sum of the raw line lengths, in bytes.
    pub bytes: u64,
    /// The earliest event time (RFC 3339), absent when no event had one.
    pub first_time: Option<String>,
    /// The latest event time (RFC 3339).
    pub last_time: Option<String>,
    /// Events per stage, in stage order; `(none)` for stageless events.
    pub by_stage: Vec<Count>,
    /// Events per level; `(none)` for events without one.
    pub by_level: Vec<Count>,
    /// Requests per authenticated user (empty key: unauthenticated).
    pub top_users: Vec<Count>,
    /// Requests per verb.
    pub top_verbs: Vec<Count>,
    /// Requests per `resource/subresource` (or the path of non-resource requests).
    pub top_resources: Vec<Count>,
    /// Requests per namespace (cluster-scoped requests are not counted).
    pub top_namespaces: Vec<Count>,
    /// Requests per error response code (400 and above).
    pub top_error_codes: Vec<Count>,
    /// Requests per user agent (empty key: none sent).
    pub top_user_agents: Vec<Count>,
    /// Requests per client address (the first of `sourceIPs`).
    pub top_source_ips: Vec<Count>,
    /// Bytes of log per authenticated user, every stage counted.
    pub top_users_by_bytes: Vec<Count>,
    /// Bytes of log per resource, every stage counted.
    pub top_resources_by_bytes: Vec<Count>,
}

impl SummaryReport {
    /// The tables for the text output: totals first, then one per list.
    pub fn tables(&self) -> Vec<Table> {
        let mut totals = Table::new("Summary", &["", ""]);
        let mut row = |name: &str, value: String| totals.push(vec![name.to_owned(), value]);
        row("events", self.events.to_string());
        row("requests", self.requests.to_string());
        row("bytes", self.bytes.to_string());
        row("first", self.first_time.clone().unwrap_or_default());
        row("last", self.last_time.clone().unwrap_or_default());
        let mut tables = vec![totals];
        for (title, heading, counts) in [
            ("Events by stage", "stage", &self.by_stage),
            ("Events by level", "level", &self.by_level),
            ("Top users", "user", &self.top_users),
            ("Top verbs", "verb", &self.top_verbs),
            ("Top resources", "resource", &self.top_resources),
            ("Top namespaces", "namespace", &self.top_namespaces),
            ("Top error codes", "code", &self.top_error_codes),
            ("Top user agents", "user agent", &self.top_user_agents),
            ("Top source IPs", "source IP", &self.top_source_ips),
            ("Top users by bytes", "user", &self.top_users_by_bytes),
            (
                "Top resources by bytes",
                "resource",
                &self.top_resources_by_bytes,
            ),
        ] {
            let unit = if title.ends_with("by bytes") {
                "bytes"
            } else if title.starts_with("Events") {
                "events"
            } else {
                "requests"
            };
            let mut table = Table::new(title, &[heading, unit]);
            for count in counts {
                table.push(vec![shown(&count.key), count.count.to_string()]);
            }
            tables.push(table);
        }
        tables
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECEIVED: &str = r#"{"auditID":"a","stage":"RequestReceived","verb":"create","level":"Request","user":{"username":"alice"},"objectRef":{"resource":"pods","namespace":"web","subresource":"exec"},"stageTimestamp":"2025-03-14T08:00:00.000000Z","sourceIPs":["1.2.3.4"],"userAgent":"kubectl"}"#;
    const COMPLETE: &str = r#"{"auditID":"a","stage":"ResponseComplete","verb":"create","level":"Request","user":{"username":"alice"},"objectRef":{"resource":"pods","namespace":"web","subresource":"exec"},"responseStatus":{"code":101},"stageTimestamp":"2025-03-14T08:00:05.000000Z","sourceIPs":["1.2.3.4"],"userAgent":"kubectl"}"#;
    const DENIED: &str = r#"{"auditID":"b","stage":"ResponseComplete","verb":"list","level":"Metadata","user":{"username":"bob"},"objectRef":{"resource":"secrets"},"responseStatus":{"code":403},"stageTimestamp":"2025-03-14T07:59:00.000000Z","sourceIPs":["5.6.7.8"]}"#;
    const STAGELESS: &str = r#"{"auditID":"c","verb":"get","user":{"username":"bob"},"requestURI":"/healthz?verbose=1","timestamp":"2025-03-14T08:10:00Z"}"#;

    fn run(lines: &[&str]) -> SummaryReport {
        let mut summary = Summary::default();
        for line in lines {
            let event = Event::from_json(line.as_bytes()).unwrap();
            summary.add(&event, line.as_bytes());
        }
        summary.finish()
    }

    fn count(key: &str, count: u64) -> Count {
        Count {
            key: key.into(),
            count,
        }
    }

    #[test]
    fn counts_events_and_requests() {
        let report = run(&[RECEIVED, COMPLETE, DENIED, STAGELESS]);
        assert_eq!(report.events, 4);
        assert_eq!(report.requests, 3);
        let bytes = [RECEIVED, COMPLETE, DENIED, STAGELESS]
            .iter()
            .map(|l| l.len() as u64)
            .sum::<u64>();
        assert_eq!(report.bytes, bytes);
        assert_eq!(
            report.first_time.as_deref(),
            Some("2025-03-14T07:59:00.000000Z")
        );
        assert_eq!(
            report.last_time.as_deref(),
            Some("2025-03-14T08:10:00.000000Z")
        );
        assert_eq!(
            report.by_stage,
            [
                count("RequestReceived", 1),
                count("ResponseComplete", 2),
                count("(none)", 1)
            ]
        );
        assert_eq!(
            report.by_level,
            [
                count("Metadata", 1),
                count("Request", 2),
                count("(none)", 1)
            ]
        );
        assert_eq!(report.top_users, [count("bob", 2), count("alice", 1)]);
        assert_eq!(
            report.top_resources,
            [
                count("/healthz", 1),
                count("pods/exec", 1),
                count("secrets", 1)
            ]
        );
        assert_eq!(report.top_namespaces, [count("web", 1)]);
        assert_eq!(report.top_error_codes, [count("403", 1)]);
        assert_eq!(report.top_source_ips[0], count("1.2.3.4", 1));
        assert_eq!(
            report.top_users_by_bytes[0],
            count("alice", (RECEIVED.len() + COMPLETE.len()) as u64)
        );
        assert_eq!(report.tables().len(), 12);
    }

    #[test]
    fn merging_chunks_equals_one_pass() {
        let lines = [RECEIVED, COMPLETE, DENIED, STAGELESS];
        let whole = run(&lines);
        let mut first = Summary::default();
        let mut second = first.fresh();
        for (i, line) in lines.iter().enumerate() {
            let event = Event::from_json(line.as_bytes()).unwrap();
            let part = if i % 2 == 0 { &mut first } else { &mut second };
            part.add(&event, line.as_bytes());
        }
        second.merge(first);
        assert_eq!(second.finish(), whole);
    }

    #[test]
    fn top_is_limited_and_ties_break_by_key() {
        let mut tally = Tally::default();
        for key in ["b", "a", "c", "a"] {
            tally.add(key, 1);
        }
        assert_eq!(tally.top(2), [count("a", 2), count("b", 1)]);
    }
}
