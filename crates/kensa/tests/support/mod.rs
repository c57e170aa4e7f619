//! A stand-in for the Kubernetes API server on loopback, for the `--context`
//! and `--cluster` tests: it answers list requests the way the API server
//! does (list kinds, items without kind and apiVersion, `continue` tokens,
//! Status objects for errors), answers watches with the changes made by
//! [`FakeApi::set`], and records every request line with its Authorization
//! header.
#![allow(dead_code)] // each test binary uses part of it

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

/// How the fake server answers one list path.
#[derive(Clone)]
pub enum Answer {
    /// The items, in pages of `page` items linked by `continue` tokens.
    List {
        kind: &'static str,
        items: Vec<Value>,
        page: usize,
    },
    /// An error Status with this HTTP code (403: forbidden, ...).
    Error(u16),
}

/// What the fake server answers, and how it changed: the resourceVersion
/// moves on with every [`FakeApi::set`], and watches see the difference.
struct Routes {
    answers: Vec<(&'static str, Answer)>,
    version: u64,
    /// The items each path listed before its last change.
    previous: Vec<(&'static str, Vec<Value>)>,
}

impl Routes {
    fn answer(&self, path: &str) -> Answer {
        self.answers
            .iter()
            .find(|(route, _)| *route == path)
            .map(|(_, answer)| answer.clone())
            .unwrap_or(Answer::List {
                kind: "List",
                items: Vec::new(),
                page: 500,
            })
    }
}

/// A running fake API server.
pub struct FakeApi {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Every request: `GET /path?query HTTP/1.1 Authorization: Bearer ...`.
    pub seen: Arc<Mutex<Vec<String>>>,
    routes: Arc<Mutex<Routes>>,
}

impl FakeApi {
    /// Changes what `path` answers, as an object change on a real server:
    /// a new resourceVersion, and open watches get the difference.
    pub fn set(&self, path: &'static str, answer: Answer) {
        let mut routes = self.routes.lock().unwrap();
        let before = match routes.answer(path) {
            Answer::List { items, .. } => items,
            Answer::Error(_) => Vec::new(),
        };
        routes.previous.retain(|(p, _)| *p != path);
        routes.previous.push((path, before));
        routes.answers.retain(|(p, _)| *p != path);
        routes.answers.push((path, answer));
        routes.version += 1;
    }
}

fn strip_type(item: &Value) -> Value {
    let mut item = item.clone();
    if let Some(object) = item.as_object_mut() {
        object.remove("kind");
        object.remove("apiVersion");
    }
    item
}

/// An item as served: no kind or apiVersion (as in list responses), and the
/// server's resourceVersion when the item has none (watchers need one).
fn served(item: &Value, version: u64) -> Value {
    let mut item = strip_type(item);
    if let Some(meta) = item.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.entry("resourceVersion")
            .or_insert_with(|| version.to_string().into());
    }
    item
}

fn identity(item: &Value) -> (Value, Value) {
    (
        item["metadata"]["namespace"].clone(),
        item["metadata"]["name"].clone(),
    )
}

fn query_value<'q>(query: &'q str, key: &str) -> Option<&'q str> {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(key).and_then(|rest| rest.strip_prefix('=')))
}

/// Answers a watch the way the API server does: from the resourceVersion
/// asked for, the changes as ADDED/MODIFIED/DELETED lines, or a 410 ERROR
/// event when that version is older than the last change (the watcher then
/// lists again). A watch with nothing to report ends after a few seconds,
/// as a server-side timeout would.
fn answer_watch(stream: &mut std::net::TcpStream, routes: &Mutex<Routes>, path: &str, query: &str) {
    let from: u64 = query_value(query, "resourceVersion")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
    );
    let _ = stream.flush();
    let until = std::time::Instant::now() + std::time::Duration::from_secs(3);
    let events: Vec<Value> = loop {
        {
            let routes = routes.lock().unwrap();
            if routes.version > from {
                let current = match routes.answer(path) {
                    Answer::List { items, .. } => items,
                    Answer::Error(_) => Vec::new(),
                };
                let previous = routes
                    .previous
                    .iter()
                    .find(|(p, _)| *p == path)
                    .map(|(_, items)| items.clone())
                    .unwrap_or_default();
                let version = routes.version;
                if from + 1 != version {
                    break vec![json!({"type": "ERROR", "object": {"kind": "Status",
                        "apiVersion": "v1", "status": "Failure", "code": 410, "reason": "Expired",
                        "message": format!("too old resource version: {from} ({version})")}})];
                }
                let mut events = Vec::new();
                for item in &current {
                    let kind = match previous.iter().find(|p| identity(p) == identity(item)) {
                        None => "ADDED",
                        Some(before) if before != item => "MODIFIED",
                        Some(_) => continue,
                    };
                    events.push(json!({"type": kind, "object": served(item, version)}));
                }
                for item in &previous {
                    if !current.iter().any(|c| identity(c) == identity(item)) {
                        events.push(json!({"type": "DELETED", "object": served(item, version)}));
                    }
                }
                break events;
            }
        }
        if std::time::Instant::now() >= until {
            break Vec::new();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    for event in events {
        let _ = writeln!(stream, "{event}");
    }
    let _ = stream.flush();
}

fn answer(mut stream: std::net::TcpStream, routes: &Mutex<Routes>, recorder: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut auth = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if line.to_ascii_lowercase().starts_with("authorization:") {
            auth = line.trim().to_owned();
        }
    }
    recorder
        .lock()
        .unwrap()
        .push(format!("{} {auth}", request_line.trim()));
    let target = request_line.split_whitespace().nth(1).unwrap_or_default();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if matches!(query_value(query, "watch"), Some("true" | "1")) {
        answer_watch(&mut stream, routes, path, query);
        return;
    }
    let page_index: usize = query_value(query, "continue")
        .and_then(|token| token.strip_prefix("page"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let (answer, version) = {
        let routes = routes.lock().unwrap();
        (routes.answer(path), routes.version)
    };
    let (status, body) = match answer {
        Answer::List { kind, items, page } => {
            let start = page_index * page;
            let chunk: Vec<Value> = items
                .iter()
                .skip(start)
                .take(page)
                .map(|item| served(item, version))
                .collect();
            let mut metadata = json!({"resourceVersion": version.to_string()});
            if start + page < items.len() {
                metadata["continue"] = format!("page{}", page_index + 1).into();
            }
            (
                "200 OK".to_owned(),
                json!({"kind": kind, "apiVersion": "v1", "metadata": metadata, "items": chunk}),
            )
        }
        Answer::Error(code) => (
            format!("{code} Error"),
            json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
                   "reason": "Forbidden", "message": format!("access denied to {path}")}),
        ),
    };
    let body = serde_json::to_vec(&body).unwrap();
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(&body);
}

/// Starts a server answering `routes` (exact paths, e.g. `/api/v1/pods`);
/// any other path gets an empty list. `watch=true` requests are answered
/// as watches (see [`FakeApi::set`]); each connection has its own thread,
/// so an open watch holds up nothing else.
pub fn start(routes: Vec<(&'static str, Answer)>) -> FakeApi {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let routes = Arc::new(Mutex::new(Routes {
        answers: routes,
        version: 1,
        previous: Vec::new(),
    }));
    let recorder = Arc::clone(&seen);
    let served_routes = Arc::clone(&routes);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let routes = Arc::clone(&served_routes);
            let recorder = Arc::clone(&recorder);
            std::thread::spawn(move || answer(stream, &routes, &recorder));
        }
    });
    FakeApi { url, seen, routes }
}

/// Writes a kubeconfig whose current context points nowhere and whose
/// `local-ctx` context reaches `url` with a bearer token.
pub fn kubeconfig(dir: &tempfile::TempDir, url: &str) -> std::path::PathBuf {
    let path = dir.path().join("config");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1
kind: Config
current-context: elsewhere
clusters:
- name: local
  cluster:
    server: {url}
- name: unreachable
  cluster:
    server: http://127.0.0.1:1
contexts:
- name: local-ctx
  context: {{cluster: local, user: tester}}
- name: elsewhere
  context: {{cluster: unreachable, user: tester}}
users:
- name: tester
  user:
    token: kensa-test-token
"
        ),
    )
    .unwrap();
    path
}
