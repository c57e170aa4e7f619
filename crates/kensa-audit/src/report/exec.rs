//! Interactive sessions into pods: `kubectl exec`, `attach` and `port-forward`.
//!
//! These requests are `pods/exec`, `pods/attach` and `pods/portforward`. Older
//! clients (SPDY) send them as `create`; WebSocket clients (kubectl 1.30 and
//! later) as `get`, which rules matching `create` alone miss. The command and
//! its options are only in the request URI's query, so that is where they are
//! read from; commands often carry credentials, which are redacted (see
//! [`redact_args`]).

use std::collections::HashMap;

use serde::Serialize;

use crate::event::{Event, Stage};
use crate::report::summary::shown;
use crate::report::{Aggregate, Table};
use crate::time::Timestamp;
use crate::uri;

/// What replaces a secret in a command.
pub const REDACTED: &str = "[REDACTED]";

/// Collects one [`ExecSession`] per request into an [`ExecReport`].
///
/// What it counts: requests on `pods/exec`, `pods/attach` or
/// `pods/portforward` with verb `create` or `get`. A request's stages are
/// folded into one session by audit ID (the response code is the one of the
/// latest stage seen), so memory grows with the sessions, not the events.
#[derive(Debug, Clone, Default)]
pub struct Exec {
    sessions: HashMap<String, Pending>,
    /// Sessions without an audit ID cannot be matched across stages: only
    /// their final (or stageless) events are kept.
    anonymous: Vec<Pending>,
}

#[derive(Debug, Clone)]
struct Pending {
    rank: usize,
    time: Option<Timestamp>,
    session: ExecSession,
}

fn stage_rank(stage: Option<Stage>) -> usize {
    match stage {
        None => 4,
        Some(Stage::RequestReceived) => 0,
        Some(Stage::ResponseStarted) => 1,
        Some(Stage::ResponseComplete) => 2,
        Some(Stage::Panic) => 3,
        Some(Stage::Unknown) => 0,
    }
}

impl Exec {
    /// An empty collector.
    pub fn new() -> Exec {
        Exec::default()
    }

    /// The report: sessions in time order.
    pub fn finish(self) -> ExecReport {
        let mut all: Vec<Pending> = self.sessions.into_values().chain(self.anonymous).collect();
        all.sort_by(|a, b| {
            a.time
                .cmp(&b.time)
                .then_with(|| a.session.audit_id.cmp(&b.session.audit_id))
        });
        ExecReport {
            sessions: all.into_iter().map(|p| p.session).collect(),
        }
    }

    fn keep(&mut self, pending: Pending) {
        if pending.session.audit_id.is_empty() {
            self.anonymous.push(pending);
            return;
        }
        match self.sessions.get_mut(&pending.session.audit_id) {
            Some(seen) if seen.rank >= pending.rank => {}
            Some(seen) => *seen = pending,
            None => {
                self.sessions
                    .insert(pending.session.audit_id.clone(), pending);
            }
        }
    }
}

impl Aggregate for Exec {
    fn fresh(&self) -> Self {
        Exec::default()
    }

    fn add(&mut self, event: &Event<'_>, _line: &[u8]) {
        let Some(kind) = event
            .subresource()
            .filter(|sub| matches!(*sub, "exec" | "attach" | "portforward"))
        else {
            return;
        };
        if event.resource() != Some("pods") || !matches!(event.verb.as_ref(), "create" | "get") {
            return;
        }
        let rank = stage_rank(event.stage);
        if event.audit_id.is_empty() && rank < 2 {
            return;
        }
        if let Some(seen) = self.sessions.get(event.audit_id.as_ref())
            && seen.rank >= rank
        {
            return;
        }
        let query = Query::parse(&event.request_uri);
        let time = event.received_time();
        let args = redact_args(&query.commands);
        let session = ExecSession {
            audit_id: event.audit_id.to_string(),
            time: time.map(|t| t.to_string()),
            user: event.user.username.to_string(),
            impersonated_user: event
                .impersonated_user
                .as_ref()
                .map(|u| u.username.to_string()),
            kind: kind.to_owned(),
            transport: if event.verb == "get" {
                "websocket"
            } else {
                "spdy"
            }
            .to_owned(),
            namespace: event.namespace().unwrap_or_default().to_owned(),
            pod: event.name().unwrap_or_default().to_owned(),
            container: query.container,
            command: args.join(" "),
            args,
            ports: query.ports,
            tty: query.tty,
            stdin: query.stdin,
            code: event.code(),
            source_ip: event.source_ip().map(str::to_owned),
            user_agent: event.user_agent.as_deref().map(str::to_owned),
        };
        self.keep(Pending {
            rank,
            time,
            session,
        });
    }

    fn merge(&mut self, other: Self) {
        for pending in other.sessions.into_values() {
            self.keep(pending);
        }
        self.anonymous.extend(other.anonymous);
    }
}

/// The options of an exec, attach or port-forward request's URI.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Query {
    commands: Vec<String>,
    container: Option<String>,
    ports: Vec<String>,
    tty: bool,
    stdin: bool,
}

impl Query {
    fn parse(request_uri: &str) -> Query {
        let mut query = Query::default();
        for (key, value) in uri::query_pairs(request_uri) {
            let value = uri::decode(value.unwrap_or(""));
            match uri::decode(key).as_str() {
                "command" => query.commands.push(value),
                "container" => query.container = Some(value),
                "ports" => query.ports.extend(
                    value
                        .split(',')
                        .filter(|p| !p.is_empty())
                        .map(str::to_owned),
                ),
                "tty" => query.tty = is_true(&value),
                "stdin" => query.stdin = is_true(&value),
                _ => {}
            }
        }
        query
    }
}

/// Go's `strconv.ParseBool`, which the API server uses for these options.
fn is_true(value: &str) -> bool {
    matches!(value, "1" | "t" | "T" | "true" | "TRUE" | "True")
}

/// Flags whose next argument (or `=value`) is a secret.
const SECRET_FLAGS: &[&str] = &[
    "--password",
    "--passwd",
    "--token",
    "--secret",
    "--client-secret",
    "--api-key",
    "--access-token",
    "--auth-token",
    "-p",
];

/// What a `key=value` key ends with when its value is a secret (case-insensitive).
const SECRET_KEYS: &[&str] = &[
    "password", "passwd", "pwd", "token", "secret", "apikey", "api_key", "api-key",
];

/// Replaces what looks like a secret in a command's arguments with
/// [`REDACTED`], keeping the rest so the command stays readable. Arguments are
/// also split on white space, because `sh -c '...'` puts a whole script in one.
///
/// The rules, on each white-space separated word (surrounding quotes, `;`, `,`
/// and `)` are kept as they were):
/// - the word after `--password`, `--passwd`, `--token`, `--secret`,
///   `--client-secret`, `--api-key`, `--access-token`, `--auth-token` or `-p`,
///   and the value of `--password=...` and the like (`-p` also catches
///   `mkdir -p DIR`: a false positive taken on purpose, as `mysql -p` is common);
/// - the value of `key=value` and `key:value` when the key ends with
///   `password`, `passwd`, `pwd`, `token`, `secret`, `apikey`, `api_key` or
///   `api-key` (any case: `DB_PASSWORD=...`, `?token=...`);
/// - after `Authorization:`, the credential (keeping a scheme word such as
///   `Bearer` or `Basic`), and the word after `Bearer` anywhere;
/// - anywhere inside a word: AWS access key IDs (`AKIA` or `ASIA` and 16 upper
///   case letters or digits), JWTs (`eyJ`, then two more dot-separated base64url
///   parts), hex runs of 32 digits or more, and base64 runs of 32 characters or
///   more that mix upper case, lower case and digits and do not start with `/`
///   (so long paths stay).
pub fn redact_args(args: &[String]) -> Vec<String> {
    let mut next = Next::Keep;
    args.iter()
        .map(|arg| {
            let mut out = String::with_capacity(arg.len());
            let mut rest = arg.as_str();
            while !rest.is_empty() {
                let space = rest.len() - rest.trim_start().len();
                out.push_str(&rest[..space]);
                rest = &rest[space..];
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                let (redacted, then) = redact_word(&rest[..end], next);
                out.push_str(&redacted);
                next = then;
                rest = &rest[end..];
            }
            out
        })
        .collect()
}

/// [`redact_args`] for one string.
pub fn redact_command(command: &str) -> String {
    redact_args(&[command.to_owned()]).pop().unwrap_or_default()
}

/// What the previous word says about this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    Keep,
    /// This word is a secret.
    Secret,
    /// After `Authorization:`: a scheme word, or the credential itself.
    Credential,
}

fn redact_word(word: &str, next: Next) -> (String, Next) {
    let start = word.len() - word.trim_start_matches(['"', '\'', '(']).len();
    let end = word
        .trim_end_matches(['"', '\'', ';', ',', ')'])
        .len()
        .max(start);
    let (lead, core, trail) = (&word[..start], &word[start..end], &word[end..]);
    let lower = core.to_ascii_lowercase();
    let wrap = |middle: &str| format!("{lead}{middle}{trail}");
    if core.is_empty() {
        return (word.to_owned(), next);
    }
    match next {
        Next::Secret => return (wrap(REDACTED), Next::Keep),
        Next::Credential if matches!(lower.as_str(), "bearer" | "basic" | "token" | "digest") => {
            return (word.to_owned(), Next::Secret);
        }
        Next::Credential => return (wrap(REDACTED), Next::Keep),
        Next::Keep => {}
    }
    if SECRET_FLAGS.contains(&lower.as_str()) {
        return (word.to_owned(), Next::Secret);
    }
    if lower == "bearer" {
        return (word.to_owned(), Next::Secret);
    }
    if lower.ends_with("authorization:") {
        return (word.to_owned(), Next::Credential);
    }
    if let Some(at) = lower.find("authorization:") {
        // `Authorization:Bearer` or `Authorization:xyz` in one word.
        let value_at = at + "authorization:".len();
        let value = &lower[value_at..];
        if matches!(value, "bearer" | "basic" | "token" | "digest") {
            return (word.to_owned(), Next::Secret);
        }
        return (
            wrap(&format!("{}{REDACTED}", &core[..value_at])),
            Next::Keep,
        );
    }
    if let Some((key, _)) = core.split_once('=')
        && secret_key(key)
    {
        return (wrap(&format!("{key}={REDACTED}")), Next::Keep);
    }
    if let Some((key, value)) = core.split_once(':')
        && !value.is_empty()
        && secret_key(key)
    {
        return (wrap(&format!("{key}:{REDACTED}")), Next::Keep);
    }
    (wrap(&redact_patterns(core)), Next::Keep)
}

fn secret_key(key: &str) -> bool {
    let key = key.trim_start_matches('-').to_ascii_lowercase();
    // `--password=x` is a flag form of the same rule.
    let flag_form = SECRET_FLAGS
        .iter()
        .any(|flag| flag.trim_start_matches('-') == key);
    flag_form || SECRET_KEYS.iter().any(|suffix| key.ends_with(suffix))
}

/// Replaces AWS key IDs, JWTs and long hex and base64 runs inside a word.
fn redact_patterns(word: &str) -> String {
    let bytes = word.as_bytes();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    let mut kept = 0;
    while i < bytes.len() {
        let at_boundary = i == 0 || !is_base64(bytes[i - 1]);
        let end = if at_boundary {
            secret_at(bytes, i)
        } else {
            None
        };
        match end {
            Some(end) => {
                out.push_str(&word[kept..i]);
                out.push_str(REDACTED);
                i = end;
                kept = end;
            }
            None => i += 1,
        }
    }
    out.push_str(&word[kept..]);
    out
}

/// Base64 and base64url characters, without the `=` padding: a `=` inside a
/// word separates a key from its value.
fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// The end of a secret starting at `i`, if one does.
fn secret_at(bytes: &[u8], i: usize) -> Option<usize> {
    let rest = &bytes[i..];
    // AWS access key IDs.
    if (rest.starts_with(b"AKIA") || rest.starts_with(b"ASIA"))
        && rest.len() >= 20
        && rest[4..20]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Some(i + 20);
    }
    // JWTs: header.payload.signature in base64url.
    if rest.starts_with(b"eyJ") {
        let len = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            .count();
        if rest[..len].iter().filter(|b| **b == b'.').count() >= 2 {
            return Some(i + len);
        }
    }
    let body = rest.iter().take_while(|b| is_base64(**b)).count();
    let run = body + rest[body..].iter().take_while(|b| **b == b'=').count();
    if body < 32 {
        return None;
    }
    let run_bytes = &rest[..run];
    let hex = run_bytes
        .iter()
        .take_while(|b| b.is_ascii_hexdigit())
        .count();
    if hex >= 32 && (hex == run || !run_bytes[hex].is_ascii_alphanumeric()) {
        return Some(i + hex);
    }
    let mixed = run_bytes.iter().any(u8::is_ascii_uppercase)
        && run_bytes.iter().any(u8::is_ascii_lowercase)
        && run_bytes.iter().any(u8::is_ascii_digit);
    (mixed && run_bytes[0] != b'/').then_some(i + run)
}

/// One exec, attach or port-forward request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecSession {
    /// The request's audit ID.
    #[serde(rename = "auditID")]
    pub audit_id: String,
    /// When the request arrived (RFC 3339).
    pub time: Option<String>,
    /// The authenticated user.
    pub user: String,
    /// The impersonated user, if any.
    pub impersonated_user: Option<String>,
    /// `exec`, `attach` or `portforward`.
    pub kind: String,
    /// `spdy` (verb `create`) or `websocket` (verb `get`).
    pub transport: String,
    /// The pod's namespace.
    pub namespace: String,
    /// The pod.
    pub pod: String,
    /// The `container=` option, when given.
    pub container: Option<String>,
    /// The command, redacted, its arguments joined with spaces (empty for
    /// attach and port-forward).
    pub command: String,
    /// The command's arguments, redacted.
    pub args: Vec<String>,
    /// The `ports=` option of port-forward (WebSocket clients send it in the
    /// URI; SPDY clients in headers, which the audit log does not keep).
    pub ports: Vec<String>,
    /// Whether a terminal was asked for (`tty=true`).
    pub tty: bool,
    /// Whether standard input was attached (`stdin=true`).
    pub stdin: bool,
    /// The response code: 101 when the connection was upgraded (the session
    /// ran), 403 when it was denied. Absent when only `RequestReceived` was
    /// logged.
    pub code: Option<i32>,
    /// The client's address.
    pub source_ip: Option<String>,
    /// The client's user agent.
    pub user_agent: Option<String>,
}

/// Every exec, attach and port-forward request (`-o json` schema).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecReport {
    /// The sessions, in time order.
    pub sessions: Vec<ExecSession>,
}

impl ExecReport {
    /// One table, a row per session.
    pub fn tables(&self) -> Vec<Table> {
        let mut table = Table::new(
            "Exec, attach and port-forward sessions",
            &[
                "time",
                "user",
                "kind",
                "pod",
                "container",
                "command",
                "tty",
                "stdin",
                "code",
            ],
        );
        for s in &self.sessions {
            let user = match &s.impersonated_user {
                Some(as_user) => format!("{} (as {as_user})", shown(&s.user)),
                None => shown(&s.user),
            };
            let command = if s.kind == "portforward" {
                s.ports.join(",")
            } else {
                s.command.clone()
            };
            table.push(vec![
                s.time.clone().unwrap_or_default(),
                user,
                format!("{} ({})", s.kind, s.transport),
                format!("{}/{}", s.namespace, s.pod),
                s.container.clone().unwrap_or_default(),
                command,
                yes_no(s.tty),
                yes_no(s.stdin),
                s.code.map(|c| c.to_string()).unwrap_or_default(),
            ]);
        }
        vec![table]
    }
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> String {
        redact_command(text)
    }

    #[test]
    fn redacts_flag_values() {
        assert_eq!(
            r("mysql -u root -p hunter2 db"),
            "mysql -u root -p [REDACTED] db"
        );
        assert_eq!(r("app --password s3cret"), "app --password [REDACTED]");
        assert_eq!(r("app --token=abc"), "app --token=[REDACTED]");
        assert_eq!(r("app --PASSWORD='abc'"), "app --PASSWORD=[REDACTED]'");
        assert_eq!(
            redact_args(&["psql".into(), "--password".into(), "x y".into()]),
            ["psql", "--password", "[REDACTED] y"]
        );
    }

    #[test]
    fn redacts_key_values() {
        assert_eq!(
            r("env DB_PASSWORD=hunter2 run"),
            "env DB_PASSWORD=[REDACTED] run"
        );
        assert_eq!(
            r("curl http://x/?token=abc"),
            "curl http://x/?token=[REDACTED]"
        );
        assert_eq!(
            r("export client_secret=abc;"),
            "export client_secret=[REDACTED];"
        );
        assert_eq!(r("echo secret=1"), "echo secret=[REDACTED]");
        assert_eq!(r("ls color=auto"), "ls color=auto");
    }

    #[test]
    fn redacts_authorization_headers() {
        assert_eq!(
            r(r#"curl -H "Authorization: Bearer abc.def" http://x"#),
            r#"curl -H "Authorization: Bearer [REDACTED]" http://x"#
        );
        assert_eq!(
            r("curl -H 'Authorization: Basic dXNlcjpwYXNz'"),
            "curl -H 'Authorization: Basic [REDACTED]'"
        );
        assert_eq!(
            r("curl -H Authorization:xyz"),
            "curl -H Authorization:[REDACTED]"
        );
        assert_eq!(
            r("wget --header=bearer qwerty"),
            "wget --header=bearer qwerty"
        );
        assert_eq!(r("echo Bearer qwerty"), "echo Bearer [REDACTED]");
    }

    #[test]
    fn redacts_patterns_inside_words() {
        assert_eq!(
            r("aws s3 ls --key AKIAIOSFODNN7EXAMPLE"),
            "aws s3 ls --key [REDACTED]"
        );
        assert_eq!(
            r("K=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nat_ure"),
            "K=[REDACTED]"
        );
        assert_eq!(
            r("echo 0123456789abcdef0123456789abcdef"),
            "echo [REDACTED]"
        );
        assert_eq!(
            r("echo dGhpcyBpcyBhIHNlY3JldCB2YWx1ZTEyMw=="),
            "echo [REDACTED]"
        );
        // Long but not secret-looking words stay.
        assert_eq!(
            r("cat /var/lib/kubelet/pods/Abc123/volumes/x"),
            "cat /var/lib/kubelet/pods/Abc123/volumes/x"
        );
        assert_eq!(r("sh -c 'ls -la /tmp'"), "sh -c 'ls -la /tmp'");
        assert_eq!(
            r("kubernetes-dashboard-certs-and-keys"),
            "kubernetes-dashboard-certs-and-keys"
        );
    }

    #[test]
    fn parses_the_query() {
        let q = Query::parse(
            "/api/v1/namespaces/a/pods/b/exec?command=sh&command=-c&command=echo+hi%21&container=app&stdin=true&tty=1&stdout=true",
        );
        assert_eq!(q.commands, ["sh", "-c", "echo hi!"]);
        assert_eq!(q.container.as_deref(), Some("app"));
        assert!(q.tty && q.stdin);
        let q = Query::parse("/api/v1/namespaces/a/pods/b/portforward?ports=5432,8080&ports=9000");
        assert_eq!(q.ports, ["5432", "8080", "9000"]);
    }

    const EXEC: &str = r#"{"auditID":"x","stage":"RequestReceived","verb":"get","requestURI":"/api/v1/namespaces/web/pods/p/exec?command=env&command=TOKEN%3Dabc&container=c","user":{"username":"mallory"},"objectRef":{"resource":"pods","namespace":"web","name":"p","subresource":"exec"},"requestReceivedTimestamp":"2025-03-14T08:00:00.000000Z"}"#;

    fn exec_at(stage: &str, code: Option<i32>) -> String {
        let mut line = EXEC.replace("RequestReceived", stage);
        if let Some(code) = code {
            line = line.replace(
                r#""user""#,
                &format!(r#""responseStatus":{{"code":{code}}},"user""#),
            );
        }
        line
    }

    #[test]
    fn one_session_per_request_across_stages_and_chunks() {
        let lines = [
            exec_at("RequestReceived", None),
            exec_at("ResponseStarted", Some(101)),
            exec_at("ResponseComplete", Some(101)),
        ];
        let mut first = Exec::new();
        let mut second = first.fresh();
        // The final stage in one chunk, the earlier ones in the other.
        for (i, line) in lines.iter().enumerate() {
            let event = Event::from_json(line.as_bytes()).unwrap();
            let part = if i == 2 { &mut first } else { &mut second };
            part.add(&event, line.as_bytes());
        }
        second.merge(first);
        let report = second.finish();
        assert_eq!(report.sessions.len(), 1);
        let s = &report.sessions[0];
        assert_eq!(s.code, Some(101));
        assert_eq!(s.transport, "websocket");
        assert_eq!(s.command, "env TOKEN=[REDACTED]");
        assert_eq!(s.container.as_deref(), Some("c"));
        assert_eq!(s.time.as_deref(), Some("2025-03-14T08:00:00.000000Z"));
        assert_eq!(report.tables()[0].rows.len(), 1);
    }

    #[test]
    fn other_requests_are_ignored() {
        let mut exec = Exec::new();
        let logs = EXEC.replace(r#""subresource":"exec""#, r#""subresource":"log""#);
        let delete = EXEC.replace(r#""verb":"get""#, r#""verb":"delete""#);
        for line in [logs, delete] {
            let event = Event::from_json(line.as_bytes()).unwrap();
            exec.add(&event, line.as_bytes());
        }
        assert!(exec.finish().sessions.is_empty());
    }
}
