//! The event hub, its unix-socket server and client, the JSON decoder, and
//! the metrics endpoint, over real sockets. Waits are bounded by generous
//! timeouts only so that a bug fails the test instead of hanging it; no
//! assertion depends on timing.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use kensa_runtime::events::{self, Arg, Event, EventKind, Pod, Process};
use kensa_runtime::metrics::{EventType, LostReason, RuntimeMetrics, serve_metrics};
use kensa_runtime::stream::{
    EventHub, EventStream, Filter, StreamError, compact_line, events_from_json, serve_unix,
    subscribe_unix,
};
use serde_json::Value;

/// Long enough for any of these steps on a loaded CI machine.
const PATIENCE: Duration = Duration::from_secs(60);

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        thread::sleep(Duration::from_millis(5));
    }
}

/// Runs `f` on a thread and fails the test if it has not finished in time.
fn bounded<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(PATIENCE)
        .unwrap_or_else(|_| panic!("did not finish in time: {what}"))
}

fn process(pid: u32, pod: Option<(&str, &str)>) -> Process {
    Process {
        exec_id: format!("exec-{pid}"),
        pid,
        uid: 1000,
        cwd: "/".into(),
        binary: "/usr/bin/curl".into(),
        arguments: "https://example.com".into(),
        start_time: "2024-05-01T10:00:00Z".into(),
        pod: pod.map(|(namespace, name)| Pod {
            namespace: namespace.into(),
            name: name.into(),
            container_name: Some("main".into()),
            labels: BTreeMap::from([("app".into(), name.into())]),
        }),
        parent_exec_id: "exec-1".into(),
    }
}

fn exec(pid: u32, pod: Option<(&str, &str)>) -> Event {
    Event {
        node_name: "node-1".into(),
        time: "2024-05-01T10:00:01Z".into(),
        kind: EventKind::Exec {
            process: process(pid, pod),
            parent: None,
        },
    }
}

fn pid_of(value: &Value) -> u64 {
    value["process_exec"]["process"]["pid"]
        .as_u64()
        .unwrap_or_else(|| panic!("not an exec event: {value}"))
}

fn socket_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("events.sock")
}

fn subscribe(path: &Path, filter: &Filter) -> EventStream {
    let stream = subscribe_unix(path, filter).expect("subscribe");
    stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
    stream
}

fn next_value(stream: &mut EventStream) -> Value {
    stream
        .next()
        .expect("the stream ended early")
        .expect("an event")
}

fn filter(namespace: Option<&str>, pod: Option<&str>) -> Filter {
    Filter {
        namespace: namespace.map(str::to_owned),
        pod: pod.map(str::to_owned),
    }
}

// ------------------------------------------------------------ JSON decoder --

fn every_kind() -> Vec<Event> {
    let base = exec(42, Some(("prod", "web-0")));
    let with_parent = Event {
        kind: EventKind::Exec {
            process: process(43, Some(("prod", "web-0"))),
            parent: Some(process(42, Some(("prod", "web-0")))),
        },
        ..base.clone()
    };
    let on_node = exec(7, None);
    let killed = Event {
        kind: EventKind::Exit {
            process: process(44, Some(("prod", "web-0"))),
            parent: Some(process(42, None)),
            status: 0,
            signal: Some("SIGKILL".into()),
        },
        ..base.clone()
    };
    let failed = Event {
        kind: EventKind::Exit {
            process: process(45, None),
            parent: None,
            status: 1,
            signal: None,
        },
        ..base.clone()
    };
    let negative = Event {
        kind: EventKind::Exit {
            process: process(46, None),
            parent: None,
            status: -2,
            signal: None,
        },
        ..base.clone()
    };
    let kprobe = |function_name: &str, args: Vec<Arg>, return_value| Event {
        kind: EventKind::Kprobe {
            process: process(50, Some(("prod", "web-0"))),
            parent: Some(process(42, Some(("prod", "web-0")))),
            function_name: function_name.into(),
            args,
            action: "KPROBE_ACTION_POST".into(),
            policy_name: "file-monitoring".into(),
            return_value,
        },
        ..base.clone()
    };
    vec![
        base.clone(),
        with_parent,
        on_node,
        killed,
        failed,
        negative,
        kprobe(
            "security_file_permission",
            vec![
                Arg::File {
                    path: "/etc/passwd".into(),
                    permission: Some("-rw-r--r--".into()),
                },
                Arg::Int(4),
            ],
            Some(0),
        ),
        kprobe(
            "__x64_sys_write",
            vec![
                Arg::File {
                    path: "/etc/shadow".into(),
                    permission: None,
                },
                Arg::Int(-1),
                Arg::Size(4096),
            ],
            Some(-13),
        ),
        kprobe(
            "tcp_connect",
            vec![Arg::Sock {
                family: "AF_INET".into(),
                protocol: "IPPROTO_TCP".into(),
                saddr: "10.0.0.1".into(),
                sport: 40000,
                daddr: "1.1.1.1".into(),
                dport: 443,
            }],
            None,
        ),
        kprobe(
            "security_path_truncate",
            vec![
                Arg::Path {
                    path: "/var/log/x".into(),
                },
                Arg::Int(1 << 40),
                Arg::Int(i64::MIN),
                Arg::Uint(7),
                Arg::Uint(u64::from(u32::MAX)),
                Arg::Size(u64::MAX),
                Arg::String("a \"quoted\" string\n".into()),
            ],
            Some(1 << 33),
        ),
    ]
}

#[test]
fn json_round_trips_every_kind() {
    for event in every_kind() {
        let json = events::to_json(&event);
        let back = events_from_json(&json).unwrap_or_else(|e| panic!("{e}\n{json}"));
        assert_eq!(back, event, "{json}");
        // What `kensa runtime events -o compact` prints.
        assert_eq!(compact_line(&json).unwrap(), events::to_compact(&event));
        // And through the text of a socket line.
        let line = serde_json::to_string(&json).unwrap();
        let reread: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(events_from_json(&reread).unwrap(), event);
    }
}

#[test]
fn json_folds_only_the_documented_values() {
    let mut event = exec(1, Some(("prod", "web-0")));
    if let EventKind::Exec { process, .. } = &mut event.kind {
        process.pod.as_mut().unwrap().container_name = Some(String::new());
    }
    let back = events_from_json(&events::to_json(&event)).unwrap();
    let EventKind::Exec { process: back, .. } = back.kind else {
        panic!("kind changed")
    };
    assert_eq!(back.pod.unwrap().container_name, None);

    let kprobe = Event {
        kind: EventKind::Kprobe {
            process: process(1, None),
            parent: None,
            function_name: "f".into(),
            args: vec![
                Arg::Uint(u64::from(u32::MAX) + 1),
                Arg::File {
                    path: "/x".into(),
                    permission: Some(String::new()),
                },
            ],
            action: String::new(),
            policy_name: String::new(),
            return_value: None,
        },
        ..exec(1, None)
    };
    let back = events_from_json(&events::to_json(&kprobe)).unwrap();
    let EventKind::Kprobe { args, .. } = back.kind else {
        panic!("kind changed")
    };
    assert_eq!(
        args,
        [
            Arg::Size(u64::from(u32::MAX) + 1),
            Arg::File {
                path: "/x".into(),
                permission: None
            }
        ]
    );
}

#[test]
fn json_errors_say_where() {
    let mut json = events::to_json(&every_kind()[6]);
    json["process_kprobe"]["args"][1] = serde_json::json!({ "bytes_arg": "AAAA" });
    let err = events_from_json(&json).unwrap_err();
    assert_eq!(err.at, "process_kprobe.args[1]");
    assert!(err.problem.contains("bytes_arg"), "{err}");

    let mut json = events::to_json(&exec(1, None));
    json["process_exec"]["process"]["pid"] = serde_json::json!("many");
    let err = events_from_json(&json).unwrap_err();
    assert_eq!(err.at, "process_exec.process.pid");

    let err = events_from_json(&serde_json::json!({ "process_lsm": {}, "time": "t" })).unwrap_err();
    assert!(err.problem.contains("process_lsm"), "{err}");
    assert!(events_from_json(&serde_json::json!([])).is_err());
}

// ----------------------------------------------------------------- filter --

#[test]
fn filters_match_the_pod_of_the_process() {
    let web = exec(1, Some(("prod", "web")));
    let db = exec(2, Some(("prod", "db")));
    let node = exec(3, None);
    let all = Filter::default();
    assert!(all.matches(&web) && all.matches(&node));
    let prod = filter(Some("prod"), None);
    assert!(prod.matches(&web) && prod.matches(&db) && !prod.matches(&node));
    let web_any_ns = filter(None, Some("web"));
    assert!(web_any_ns.matches(&web) && !web_any_ns.matches(&db) && !web_any_ns.matches(&node));
    assert!(!filter(Some("dev"), Some("web")).matches(&web));
    // Empty strings say "any", as an omitted field does.
    assert!(filter(Some(""), Some("")).matches(&node));
}

// ------------------------------------------------------------------ hub ----

#[test]
fn hub_drops_for_the_full_subscriber_only() {
    let metrics = Arc::new(RuntimeMetrics::new());
    let hub = EventHub::with_metrics(4, Arc::clone(&metrics));
    let slow = hub.subscribe(Filter::default());
    let fast = hub.subscribe_with_capacity(Filter::default(), 100);
    let prod = hub.subscribe(filter(Some("prod"), None));
    for pid in 0..10 {
        hub.publish(exec(pid, None));
    }
    assert_eq!(slow.lost(), 6);
    assert_eq!(fast.lost(), 0);
    assert_eq!(prod.lost(), 0);
    assert_eq!(hub.lost_total(), 6);
    assert_eq!(metrics.lost_total(LostReason::SubscriberSlow), 6);
    assert_eq!(metrics.events_total(EventType::ProcessExec), 10);
    let pids: Vec<u32> = std::iter::from_fn(|| fast.try_recv().ok())
        .map(|e| match &e.kind {
            EventKind::Exec { process, .. } => process.pid,
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(pids, (0..10).collect::<Vec<_>>());
    assert_eq!(slow.queued(), 4);
    assert!(prod.try_recv().is_err());

    // Closing ends the subscriptions after what they hold.
    hub.close();
    assert_eq!(slow.recv_many(&mut Vec::new(), 10), 4);
    assert!(slow.recv().is_none());
    assert_eq!(hub.publish(exec(99, None)), 0);
    drop((slow, fast, prod));
    assert_eq!(hub.subscriber_count(), 0);
}

#[test]
fn publish_never_blocks_with_a_stalled_subscriber() {
    const EVENTS: u32 = 200_000;
    let dir = tempfile::tempdir().unwrap();
    let path = socket_path(&dir);
    let hub = EventHub::new();
    let server = serve_unix(&path, hub.clone()).unwrap();
    // Nobody reads either of these.
    let stalled = hub.subscribe(Filter::default());
    let _stalled_client = subscribe(&path, &Filter::default());
    wait_until("two subscribers", || hub.subscriber_count() == 2);

    let publisher = hub.clone();
    bounded("publishing 200k events", move || {
        for pid in 0..EVENTS {
            publisher.publish(exec(pid, None));
        }
    });
    assert_eq!(hub.published_total(), u64::from(EVENTS));
    assert_eq!(stalled.queued(), hub.capacity());
    assert_eq!(stalled.lost(), u64::from(EVENTS) - hub.capacity() as u64);
    let stats = hub.subscribers();
    assert!(stats.iter().all(|s| s.lost > 0), "{stats:?}");
    assert_eq!(hub.lost_total(), stats.iter().map(|s| s.lost).sum::<u64>());
    bounded("shutdown with a stalled client", move || server.shutdown());
}

// --------------------------------------------------------------- server ----

#[test]
fn clients_get_the_events_their_filters_match() {
    let dir = tempfile::tempdir().unwrap();
    let path = socket_path(&dir);
    let hub = EventHub::new();
    let _server = serve_unix(&path, hub.clone()).unwrap();
    let mut ns_a = subscribe(&path, &filter(Some("a"), None));
    let mut web = subscribe(&path, &filter(None, Some("web")));
    let mut everything = subscribe(&path, &Filter::default());
    wait_until("three subscribers", || hub.subscriber_count() == 3);

    hub.publish(exec(1, Some(("a", "x"))));
    hub.publish(exec(2, Some(("b", "web"))));
    hub.publish(exec(3, Some(("b", "other"))));
    hub.publish(exec(4, None));
    // Matches every filter: once a client has it, it has everything before.
    hub.publish(exec(5, Some(("a", "web"))));

    let until_sentinel = |stream: &mut EventStream| {
        let mut pids = Vec::new();
        loop {
            let value = next_value(stream);
            pids.push(pid_of(&value));
            if pids.last() == Some(&5) {
                return pids;
            }
        }
    };
    assert_eq!(until_sentinel(&mut ns_a), [1, 5]);
    assert_eq!(until_sentinel(&mut web), [2, 5]);
    assert_eq!(until_sentinel(&mut everything), [1, 2, 3, 4, 5]);
}

#[test]
fn lines_are_the_json_export_and_decode_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = socket_path(&dir);
    let hub = EventHub::new();
    let _server = serve_unix(&path, hub.clone()).unwrap();
    // A raw client, to see the bytes on the wire.
    let mut raw = UnixStream::connect(&path).unwrap();
    raw.set_read_timeout(Some(PATIENCE)).unwrap();
    raw.write_all(b"{}\n").unwrap();
    wait_until("one subscriber", || hub.subscriber_count() == 1);
    let sent = every_kind();
    for event in &sent {
        hub.publish(event.clone());
    }
    let mut reader = BufReader::new(raw);
    for event in &sent {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(line.ends_with('\n'));
        assert_eq!(line.matches('\n').count(), 1);
        let value: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value, events::to_json(event));
        assert_eq!(&events_from_json(&value).unwrap(), event);
    }
}

#[test]
fn a_slow_client_loses_events_and_the_others_get_all() {
    const ROUND: u32 = 32;
    const EVENTS: u32 = 160 * ROUND;
    let dir = tempfile::tempdir().unwrap();
    let path = socket_path(&dir);
    let metrics = Arc::new(RuntimeMetrics::new());
    // Rounds of 32 fit a queue of 64, so the client that keeps up loses
    // nothing however the threads are scheduled.
    let hub = EventHub::with_metrics(64, Arc::clone(&metrics));
    let _server = serve_unix(&path, hub.clone()).unwrap();
    let slow_filter = filter(Some("prod"), None);
    let mut slow = subscribe(&path, &slow_filter);
    let mut fast = subscribe(&path, &Filter::default());
    wait_until("two subscribers", || hub.subscriber_count() == 2);

    // Large events, so that the socket buffers of the client that does not
    // read fill up well before the end.
    let big = |pid| {
        let mut event = exec(pid, Some(("prod", "web")));
        if let EventKind::Exec { process, .. } = &mut event.kind {
            process.arguments = "x".repeat(2048);
        }
        event
    };
    let mut received = 0;
    for round in 0..EVENTS / ROUND {
        for i in 0..ROUND {
            hub.publish(big(round * ROUND + i));
        }
        for _ in 0..ROUND {
            assert_eq!(pid_of(&next_value(&mut fast)), received);
            received += 1;
        }
    }
    let stats = hub.subscribers();
    let lost_by = |f: &Filter| stats.iter().find(|s| &s.filter == f).unwrap().lost;
    let slow_lost = lost_by(&slow_filter);
    assert_eq!(lost_by(&Filter::default()), 0);
    assert!(slow_lost > 0, "{stats:?}");
    assert_eq!(hub.lost_total(), slow_lost);
    assert_eq!(metrics.lost_total(LostReason::SubscriberSlow), slow_lost);

    // What the slow client was not counted as losing, it still gets, in order.
    let mut last = None;
    for _ in 0..u64::from(EVENTS) - slow_lost {
        let pid = pid_of(&next_value(&mut slow));
        assert!(last < Some(pid));
        last = Some(pid);
    }
    hub.publish(big(EVENTS));
    assert_eq!(pid_of(&next_value(&mut slow)), u64::from(EVENTS));
    assert_eq!(pid_of(&next_value(&mut fast)), u64::from(EVENTS));
}

#[test]
fn disconnected_clients_are_cleaned_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = socket_path(&dir);
    let hub = EventHub::new();
    let server = serve_unix(&path, hub.clone()).unwrap();

    // Idle: no event will ever fail to be written to it.
    let idle = subscribe(&path, &filter(Some("nowhere"), None));
    wait_until("a subscriber", || hub.subscriber_count() == 1);
    drop(idle);
    wait_until("idle client gone", || {
        hub.subscriber_count() == 0 && server.client_count() == 0
    });

    // Mid-stream, with unread events in its socket.
    let busy = subscribe(&path, &Filter::default());
    wait_until("a subscriber", || hub.subscriber_count() == 1);
    for pid in 0..1000 {
        hub.publish(exec(pid, None));
    }
    drop(busy);
    wait_until("busy client gone", || {
        hub.subscriber_count() == 0 && server.client_count() == 0
    });

    // Connected and gone before sending a filter.
    drop(UnixStream::connect(&path).unwrap());
    wait_until("silent client gone", || server.client_count() == 0);
    assert_eq!(hub.subscriber_count(), 0);
}

#[test]
fn shutdown_disconnects_clients_and_removes_the_socket() {
    let dir = tempfile::tempdir().unwrap();
    let path = socket_path(&dir);
    let hub = EventHub::new();
    let server = serve_unix(&path, hub.clone()).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    let mut reader = subscribe(&path, &Filter::default());
    let _stalled = subscribe(&path, &Filter::default());
    wait_until("two subscribers", || hub.subscriber_count() == 2);
    for pid in 0..20_000 {
        hub.publish(exec(pid, None));
    }
    bounded("shutdown", move || server.shutdown());
    assert!(!path.exists());
    assert_eq!(hub.subscriber_count(), 0);
    // The reading client sees the end of the stream.
    let ended = bounded("the stream to end", move || {
        reader.by_ref().take_while(Result::is_ok).count();
        reader.next().is_none()
    });
    assert!(ended);

    // Dropping the handle does the same.
    let server = serve_unix(&path, hub.clone()).unwrap();
    assert!(path.exists());
    drop(server);
    assert!(!path.exists());
}

#[test]
fn existing_files_at_the_socket_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = socket_path(&dir);

    // A socket left by a crashed agent is replaced.
    drop(UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    let hub = EventHub::new();
    let server = serve_unix(&path, hub.clone()).unwrap();

    // A live one is not.
    let err = serve_unix(&path, hub.clone()).unwrap_err();
    assert!(matches!(err, StreamError::InUse { .. }), "{err}");
    assert!(err.to_string().contains("events.sock"), "{err}");
    drop(server);

    // Nor is anything else.
    std::fs::write(&path, "not a socket").unwrap();
    let err = serve_unix(&path, hub).unwrap_err();
    assert!(matches!(err, StreamError::NotASocket { .. }), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a socket");

    let err = subscribe_unix(dir.path().join("absent.sock"), &Filter::default()).unwrap_err();
    assert!(err.to_string().contains("absent.sock"), "{err}");
}

#[test]
fn a_bad_filter_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = socket_path(&dir);
    let hub = EventHub::new();
    let server = serve_unix(&path, hub.clone()).unwrap();
    let mut raw = UnixStream::connect(&path).unwrap();
    raw.set_read_timeout(Some(PATIENCE)).unwrap();
    raw.write_all(b"{\"namespce\":\"prod\"}\n").unwrap();
    let mut answer = String::new();
    raw.read_to_string(&mut answer).unwrap();
    let answer: Value = serde_json::from_str(&answer).unwrap();
    let message = answer["error"].as_str().unwrap();
    assert!(message.contains("namespce"), "{message}");
    assert_eq!(hub.subscriber_count(), 0);
    wait_until("refused client gone", || server.client_count() == 0);
}

#[test]
fn the_client_reports_a_refusal_as_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = socket_path(&dir);
    // A stand-in server that refuses everyone.
    let listener = UnixListener::bind(&path).unwrap();
    let fake = thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        let mut line = String::new();
        BufReader::new(&conn).read_line(&mut line).unwrap();
        (&conn)
            .write_all(b"{\"error\":\"no such namespace\"}\n")
            .unwrap();
        line
    });
    let mut stream = subscribe(&path, &filter(Some("prod"), Some("web")));
    match stream.next() {
        Some(Err(StreamError::Refused { message, .. })) => {
            assert_eq!(message, "no such namespace")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(stream.next().is_none());
    let sent: Value = serde_json::from_str(&fake.join().unwrap()).unwrap();
    assert_eq!(
        sent,
        serde_json::json!({ "namespace": "prod", "pod": "web" })
    );
}

// -------------------------------------------------------------- metrics ----

fn http(addr: SocketAddr, request: &str) -> (String, Vec<String>, String) {
    let mut conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(PATIENCE)).unwrap();
    conn.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("a response head");
    let mut lines = head.split("\r\n").map(str::to_owned);
    let status = lines.next().unwrap();
    (status, lines.collect(), body.to_owned())
}

fn header<'h>(headers: &'h [String], name: &str) -> Option<&'h str> {
    headers.iter().find_map(|h| {
        let (key, value) = h.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

#[test]
fn the_metrics_endpoint_serves_the_counters() {
    let metrics = Arc::new(RuntimeMetrics::new());
    let hub = EventHub::with_metrics(2, Arc::clone(&metrics));
    let _stalled = hub.subscribe(Filter::default());
    for pid in 0..3 {
        hub.publish(exec(pid, None));
    }
    hub.publish(every_kind()[3].clone());
    hub.publish(every_kind()[6].clone());
    metrics.count_policy_action("file-monitoring", "Post");
    metrics.observe_ringbuf_lost(9);
    metrics.set_bpf_programs_attached(4);

    let server = serve_metrics("127.0.0.1:0".parse().unwrap(), Arc::clone(&metrics)).unwrap();
    let addr = server.local_addr();
    let (status, headers, body) = http(
        addr,
        "GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: application/openmetrics-text\r\n\r\n",
    );
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(
        header(&headers, "content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    assert_eq!(
        header(&headers, "content-length"),
        Some(body.len().to_string().as_str())
    );
    for line in [
        "kensa_runtime_events_total{type=\"process_exec\"} 3",
        "kensa_runtime_events_total{type=\"process_exit\"} 1",
        "kensa_runtime_events_total{type=\"process_kprobe\"} 1",
        "kensa_runtime_lost_events_total{reason=\"subscriber_slow\"} 3",
        "kensa_runtime_lost_events_total{reason=\"ringbuf_full\"} 9",
        "kensa_runtime_lost_events_total{reason=\"decode\"} 0",
        "kensa_runtime_policy_actions_total{policy=\"file-monitoring\",action=\"post\"} 1",
        "kensa_runtime_bpf_programs_attached 4",
    ] {
        assert!(body.lines().any(|l| l == line), "{line} in\n{body}");
    }
    assert!(body.ends_with("# EOF\n"));

    // HEAD: the same head, no body.
    let (status, headers, body) = http(addr, "HEAD /metrics HTTP/1.1\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_ne!(header(&headers, "content-length"), Some("0"));
    assert!(body.is_empty());
    bounded("metrics shutdown", move || server.shutdown());
}

#[test]
fn the_metrics_endpoint_has_nothing_else() {
    let server = serve_metrics(
        "127.0.0.1:0".parse().unwrap(),
        Arc::new(RuntimeMetrics::new()),
    )
    .unwrap();
    let addr = server.local_addr();
    for request in [
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /metricsx HTTP/1.1\r\n\r\n",
        "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
        "GET /debug/pprof HTTP/1.0\r\n\r\n",
    ] {
        let (status, _, body) = http(addr, request);
        assert_eq!(status, "HTTP/1.1 404 Not Found", "{request:?}");
        assert!(!body.contains("kensa_runtime"), "{request:?}");
    }
    let (status, _, _) = http(addr, "nonsense\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 400 Bad Request");
    // Still serving after all that.
    let (status, _, _) = http(addr, "GET /metrics?name=x HTTP/1.1\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 200 OK");
    drop(server);
}
