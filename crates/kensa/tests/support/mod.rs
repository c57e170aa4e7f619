//! A stand-in for the Kubernetes API server on loopback, for the `--context`
//! and `--cluster` tests: it answers list requests the way the API server
//! does (list kinds, items without kind and apiVersion, `continue` tokens,
//! Status objects for errors) and records every request line with its
//! Authorization header.
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

/// A running fake API server.
pub struct FakeApi {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Every request: `GET /path?query HTTP/1.1 Authorization: Bearer ...`.
    pub seen: Arc<Mutex<Vec<String>>>,
}

fn strip_type(item: &Value) -> Value {
    let mut item = item.clone();
    if let Some(object) = item.as_object_mut() {
        object.remove("kind");
        object.remove("apiVersion");
    }
    item
}

/// Starts a server answering `routes` (exact paths, e.g. `/api/v1/pods`);
/// any other path gets an empty list.
pub fn start(routes: Vec<(&'static str, Answer)>) -> FakeApi {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorder = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
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
            let page_index: usize = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("continue=page"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let answer = routes
                .iter()
                .find(|(route, _)| *route == path)
                .map(|(_, answer)| answer.clone())
                .unwrap_or(Answer::List {
                    kind: "List",
                    items: Vec::new(),
                    page: 500,
                });
            let (status, body) = match answer {
                Answer::List { kind, items, page } => {
                    let start = page_index * page;
                    let chunk: Vec<Value> = items
                        .iter()
                        .skip(start)
                        .take(page)
                        .map(strip_type)
                        .collect();
                    let mut metadata = json!({"resourceVersion": "1"});
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
    });
    FakeApi { url, seen }
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
