//! The reader over the shared synthetic audit logs: every line kind, rotated
//! sets, gzip, stdin, the time-ordered merge, and `--follow`.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use kensa_audit::Error;
use kensa_audit::event::Event;
use kensa_audit::line::{LineKind, ReadStats, decode_line};
use kensa_audit::read::{ReadOptions, Source, Stream, fold, follow, for_each_ordered, plan};
use kensa_audit::time::Timestamp;

/// `.../shared/reference/audit/samples/synthetic`, or `None` (after saying
/// so) when absent outside CI.
fn synthetic() -> Option<PathBuf> {
    kensa_reference::dir("audit/samples/synthetic", "edge-cases.jsonl")
}

fn count(streams: &[Stream], options: &ReadOptions<'_>) -> kensa_audit::Result<(u64, ReadStats)> {
    fold(streams, options, || 0u64, |n, _, _| *n += 1, |a, b| a + b)
}

fn count_paths(paths: &[PathBuf]) -> (u64, ReadStats) {
    count(&plan(paths).unwrap(), &ReadOptions::default()).unwrap()
}

#[test]
fn edge_cases_line_by_line() {
    let Some(dir) = synthetic() else { return };
    let text = std::fs::read(dir.join("edge-cases.jsonl")).unwrap();
    let lines: Vec<&[u8]> = text
        .strip_suffix(b"\n")
        .unwrap()
        .split(|&b| b == b'\n')
        .collect();
    assert_eq!(lines.len(), 18);
    let expected: [(&str, usize); 18] = [
        ("event", 1),
        ("event", 1),
        ("blank", 0),
        ("blank", 0),
        ("list", 2),
        ("event", 1),
        ("event", 1),
        ("event", 1),
        ("event", 1),
        ("event", 1),
        ("event", 1),
        ("event", 1),
        ("event", 1),
        ("invalid", 0),
        ("invalid", 0),
        ("legacy", 1),
        ("not-event", 0),
        ("event", 1),
    ];
    for (number, (line, (kind, events))) in lines.iter().zip(expected).enumerate() {
        let mut out = Vec::new();
        let outcome = decode_line(line, &mut out);
        let got = match outcome.kind {
            LineKind::Event => "event",
            LineKind::EventList => "list",
            LineKind::Blank => "blank",
            LineKind::Invalid(_) => "invalid",
            LineKind::Legacy => "legacy",
            LineKind::NotEvent(_) => "not-event",
            other => panic!("line {}: {other:?}", number + 1),
        };
        assert_eq!((got, out.len()), (kind, events), "line {}", number + 1);
        assert_eq!(outcome.crlf, number + 1 == 18, "line {}", number + 1);
        for decoded in &out {
            assert!(decoded.event.looks_like_event());
            if outcome.kind != LineKind::Legacy {
                // Each event's raw bytes are its own JSON.
                let again = Event::from_json(decoded.raw).unwrap();
                assert_eq!(again.audit_id, decoded.event.audit_id);
            }
        }
    }
    let mut out = Vec::new();
    decode_line(lines[7], &mut out);
    assert!(lines[7].len() > 300_000);
    assert!(out[0].event.response_object.is_some());
    let mut out = Vec::new();
    decode_line(lines[9], &mut out);
    assert!(
        out[0]
            .event
            .user_agent
            .as_deref()
            .unwrap()
            .contains('\u{2028}')
    );
    assert!(!out[0].event.user.username.is_ascii());
    let mut out = Vec::new();
    decode_line(lines[11], &mut out);
    assert!(out[0].event.time().is_some());

    let (events, stats) = count_paths(&[dir.join("edge-cases.jsonl")]);
    assert_eq!(events, 14);
    assert_eq!(
        (
            stats.lines,
            stats.events,
            stats.event_lists,
            stats.blank,
            stats.crlf
        ),
        (18, 14, 1, 2, 1)
    );
    assert_eq!(
        (
            stats.legacy,
            stats.invalid,
            stats.not_events,
            stats.truncated
        ),
        (1, 2, 1, 0)
    );
    assert_eq!(stats.files, 1);
    assert_eq!(stats.bytes, text.len() as u64);
    let first = stats.first_problem.as_ref().unwrap();
    assert_eq!(first.line, 14);
    assert!(first.path.ends_with("edge-cases.jsonl"));
    let summary = stats.summary_line();
    assert!(
        summary.starts_with(
            "read 14 events from 1 file (315.0 kB); skipped 2 blank, 2 invalid (first: "
        ),
        "{summary}"
    );
    assert!(
        summary.contains(
            "edge-cases.jsonl:14: EOF while parsing an object at column 1), 1 not an audit event"
        ),
        "{summary}"
    );

    let strict = ReadOptions {
        strict: true,
        ..ReadOptions::default()
    };
    match count(&plan(&[dir.join("edge-cases.jsonl")]).unwrap(), &strict) {
        Err(Error::BadLine { path, line, reason }) => {
            assert!(path.ends_with("edge-cases.jsonl"));
            assert_eq!(line, 14);
            assert!(reason.contains("EOF"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_synthetic_cluster() {
    let Some(dir) = synthetic() else { return };
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("ground-truth.json")).unwrap()).unwrap();
    let per_file = truth["lines_per_file"].as_object().unwrap();
    let mut total = 0;
    for (server, files) in per_file {
        for (file, lines) in files.as_object().unwrap() {
            let lines = lines.as_u64().unwrap();
            let (events, stats) = count_paths(&[dir.join(server).join(file)]);
            assert_eq!((events, stats.lines), (lines, lines), "{server}/{file}");
            assert_eq!(stats.problems(), 0);
            total += lines;
        }
    }
    assert_eq!(total, 21_820);

    let paths = [
        dir.join("cp-1"),
        dir.join("cp-2"),
        dir.join("cp-3/audit.log.gz"),
    ];
    let streams = plan(&paths).unwrap();
    assert_eq!(streams.len(), 3);
    assert_eq!(
        streams[0].sources,
        [
            Source::File(dir.join("cp-1/audit-2025-03-14T09-00-00.512.log.gz")),
            Source::File(dir.join("cp-1/audit.log")),
        ]
    );
    assert_eq!(
        streams[0].name,
        dir.join("cp-1/audit.log").display().to_string()
    );
    assert_eq!(
        streams[1].sources,
        [Source::File(dir.join("cp-2/audit.log.gz"))]
    );
    let (events, stats) = count(&streams, &ReadOptions::default()).unwrap();
    assert_eq!((events, stats.events, stats.files), (21_820, 21_820, 4));
    assert!(
        stats
            .summary_line()
            .starts_with("read 21,820 events from 4 files (")
    );

    // Small blocks and one thread, then many threads: same answer. (Plain
    // files only: gzip is slow in debug builds.)
    let plain = plan(&[dir.join("cp-1/audit.log"), dir.join("mini.jsonl")]).unwrap();
    for (threads, block_size) in [(1, 4096), (4, 100_000), (3, 1)] {
        let options = ReadOptions {
            threads: Some(threads),
            block_size: Some(block_size),
            ..ReadOptions::default()
        };
        let (events, stats) = count(&plain, &options).unwrap();
        assert_eq!(
            events,
            4660 + 484,
            "{threads} threads, {block_size} B blocks"
        );
        assert_eq!(stats.lines, 4660 + 484);
    }

    // One timeline: every stream is sorted by stageTimestamp, so the merge
    // must be non-decreasing throughout.
    for block_size in [None, Some(65_536)] {
        let options = ReadOptions {
            block_size,
            ..ReadOptions::default()
        };
        let mut times = Vec::new();
        let stats = for_each_ordered(
            &streams,
            &options,
            |event, _| Some((event.time(), ())),
            |(time, ())| {
                times.push(time.unwrap());
                ControlFlow::Continue(())
            },
        )
        .unwrap();
        assert_eq!(times.len(), 21_820);
        assert_eq!(stats.events, 21_820);
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "not in time order");
    }

    // Early stop.
    let mut seen = 0;
    for_each_ordered(
        &streams,
        &ReadOptions::default(),
        |event, _| event.time(),
        |_| {
            seen += 1;
            if seen == 10 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    )
    .unwrap();
    assert_eq!(seen, 10);

    // The prefilter skips parsing but not the events the query wants.
    let creates = |options: &ReadOptions<'_>| {
        fold(
            &plain,
            options,
            || 0u64,
            |n, event, _| *n += u64::from(event.verb == "create"),
            |a, b| a + b,
        )
        .unwrap()
    };
    let (all, _) = creates(&ReadOptions::default());
    let finder = memchr::memmem::Finder::new(br#""verb":"create""#);
    let keep = |line: &[u8]| finder.find(line).is_some();
    let (filtered, stats) = creates(&ReadOptions {
        prefilter: Some(&keep),
        ..ReadOptions::default()
    });
    assert!(all > 0);
    assert_eq!(filtered, all);
    assert_eq!(stats.filtered + stats.events, 4660 + 484);
    assert_eq!(stats.events, all);
}

#[test]
fn legacy_cri_partial_and_webhook_files() {
    let Some(dir) = synthetic() else { return };
    let (events, stats) = count_paths(&[dir.join("legacy-format.log")]);
    assert_eq!((events, stats.legacy, stats.problems()), (300, 300, 0));

    let mut ids = Vec::new();
    let streams = plan(&[dir.join("cri-wrapped.log")]).unwrap();
    for_each_ordered(
        &streams,
        &ReadOptions {
            block_size: Some(1000),
            ..ReadOptions::default()
        },
        |event, raw| {
            assert!(Event::from_json(raw).is_ok());
            Some((event.time(), event.audit_id.to_string()))
        },
        |(_, id)| {
            ids.push(id);
            ControlFlow::Continue(())
        },
    )
    .unwrap();
    assert_eq!(ids.len(), 30);
    let (events, stats) = count_paths(&[dir.join("cri-wrapped.log")]);
    assert_eq!(
        (events, stats.cri, stats.lines, stats.problems()),
        (30, 32, 32, 0)
    );

    let (events, stats) = count_paths(&[dir.join("partial-last-line.jsonl")]);
    assert_eq!(
        (events, stats.lines, stats.truncated, stats.invalid),
        (20, 21, 1, 0)
    );
    assert!(
        stats
            .summary_line()
            .contains("; skipped 1 truncated last line (first: ")
    );

    let (events, stats) = count_paths(&[dir.join("webhook-eventlist.json")]);
    assert!(events > 0);
    assert_eq!((stats.event_lists, stats.problems()), (1, 0));

    // The same body pretty-printed: read as one document.
    let body: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("webhook-eventlist.json")).unwrap())
            .unwrap();
    let items = body["items"].as_array().unwrap().len() as u64;
    assert_eq!(items, events);
    let temp = tempfile::tempdir().unwrap();
    let pretty = temp.path().join("webhook.json");
    std::fs::write(&pretty, serde_json::to_vec_pretty(&body).unwrap()).unwrap();
    let raws = Mutex::new(Vec::new());
    let (events, stats) = fold(
        &plan(std::slice::from_ref(&pretty)).unwrap(),
        &ReadOptions::default(),
        || 0u64,
        |n, _, raw| {
            *n += 1;
            lock(&raws).push(raw.to_vec());
        },
        |a, b| a + b,
    )
    .unwrap();
    assert_eq!((events, stats.event_lists, stats.problems()), (items, 1, 0));
    for raw in lock(&raws).iter() {
        assert!(
            !raw.contains(&b'\n'),
            "events of a document come out compact"
        );
        assert!(Event::from_json(raw).unwrap().looks_like_event());
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap()
}

const EVENT: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"ID","stage":"ResponseComplete","requestURI":"/api/v1/pods","verb":"list","user":{"username":"u"},"stageTimestamp":"2025-03-14T08:51:07.000022Z"}"#;

fn event(id: usize) -> String {
    EVENT.replace("\"ID\"", &format!("\"e{id}\""))
}

#[test]
fn odd_files() {
    let Some(dir) = synthetic() else { return };
    let temp = tempfile::tempdir().unwrap();
    let at = |name: &str| temp.path().join(name);

    // gzip told by magic bytes, not by name, both ways round.
    std::fs::copy(dir.join("cp-3/audit.log.gz"), at("compressed.log")).unwrap();
    std::fs::write(at("plain.gz"), format!("{}\n{}\n", event(1), event(2))).unwrap();
    assert_eq!(count_paths(&[at("compressed.log")]).0, 6280);
    assert_eq!(count_paths(&[at("plain.gz")]).0, 2);

    // Progress counts bytes on disk (compressed), up to the file's size.
    let seen = std::sync::atomic::AtomicU64::new(0);
    let progress = |bytes: u64| {
        seen.fetch_max(bytes, Ordering::Relaxed);
    };
    let streams = plan(&[at("compressed.log")]).unwrap();
    let options = ReadOptions {
        progress: Some(&progress),
        block_size: Some(100_000),
        ..ReadOptions::default()
    };
    count(&streams, &options).unwrap();
    assert_eq!(seen.load(Ordering::Relaxed), streams[0].disk_size());

    // A gzip file cut in the middle (still being compressed): what is there
    // is read, and the cut is reported as a truncated end.
    let whole = std::fs::read(dir.join("cp-3/audit.log.gz")).unwrap();
    std::fs::write(at("cut.log.gz"), &whole[..whole.len() / 2]).unwrap();
    let (events, stats) = count_paths(&[at("cut.log.gz")]);
    assert!(events > 1000 && events < 6280, "{events}");
    assert_eq!((stats.truncated, stats.invalid), (1, 0), "{stats:?}");
    std::fs::remove_file(at("cut.log.gz")).unwrap();

    std::fs::write(
        at("crlf.log"),
        format!("{}\r\n\r\n{}\r\n", event(1), event(2)),
    )
    .unwrap();
    let (events, stats) = count_paths(&[at("crlf.log")]);
    assert_eq!(
        (events, stats.crlf, stats.blank, stats.problems()),
        (2, 3, 1, 0)
    );

    std::fs::write(at("no-newline.log"), format!("{}\n{}", event(1), event(2))).unwrap();
    let (events, stats) = count_paths(&[at("no-newline.log")]);
    assert_eq!((events, stats.lines, stats.problems()), (2, 2, 0));

    std::fs::write(at("empty.log"), "").unwrap();
    let (events, stats) = count_paths(&[at("empty.log")]);
    assert_eq!((events, stats.lines, stats.files), (0, 0, 1));

    let missing = at("missing.log");
    match plan(std::slice::from_ref(&missing)) {
        Err(error @ Error::Io { .. }) => {
            assert!(error.to_string().contains("missing.log"), "{error}");
        }
        other => panic!("{other:?}"),
    }

    // A directory: every log file in it, rotated sets grouped.
    let streams = plan(&[temp.path().to_path_buf()]).unwrap();
    let names: Vec<_> = streams.iter().map(|s| s.sources.len()).collect();
    assert_eq!(names.len(), 5, "{streams:?}");
}

/// Reads stdin in a child process (this test binary run again), since the
/// test harness's own stdin cannot be fed.
#[test]
fn stdin() {
    if std::env::var_os("KENSA_STDIN_CHILD").is_some() {
        let streams = plan(&[PathBuf::from("-")]).unwrap();
        assert_eq!(streams[0].sources, [Source::Stdin]);
        let (events, stats) = count(&streams, &ReadOptions::default()).unwrap();
        println!("STDIN-EVENTS={events} FILES={}", stats.files);
        return;
    }
    let Some(dir) = synthetic() else { return };
    for (file, expected) in [("cp-2/audit.log.gz", 7783), ("mini.jsonl", 484)] {
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "stdin", "--nocapture", "--test-threads=1"])
            .env("KENSA_STDIN_CHILD", "1")
            .stdin(std::fs::File::open(dir.join(file)).unwrap())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}");
        assert!(
            stdout.contains(&format!("STDIN-EVENTS={expected} FILES=1")),
            "{stdout}"
        );
    }
}

#[test]
fn follow_survives_rotation() {
    let temp = tempfile::tempdir().unwrap();
    let path = temp.path().join("audit.log");
    std::fs::write(&path, format!("{}\n", event(0))).unwrap();
    let writer_path = path.clone();
    let total = 60;
    let writer = std::thread::spawn(move || {
        let append = |path: &Path, text: &str| {
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(path)
                .unwrap();
            file.write_all(text.as_bytes()).unwrap();
        };
        for id in 1..20 {
            append(&writer_path, &format!("{}\n", event(id)));
            std::thread::sleep(Duration::from_millis(3));
        }
        // A partial line, finished later.
        let line = event(20);
        let (head, tail) = line.split_at(50);
        append(&writer_path, head);
        std::thread::sleep(Duration::from_millis(60));
        append(&writer_path, &format!("{tail}\n"));
        for id in 21..30 {
            append(&writer_path, &format!("{}\n", event(id)));
        }
        std::thread::sleep(Duration::from_millis(60));
        // Lumberjack: rename the live file to a backup, start a new one.
        let backup = writer_path.with_file_name("audit-2025-03-14T09-00-00.512.log");
        std::fs::rename(&writer_path, backup).unwrap();
        std::thread::sleep(Duration::from_millis(30));
        for id in 30..total {
            append(&writer_path, &format!("{}\n", event(id)));
            if id % 10 == 0 {
                std::thread::sleep(Duration::from_millis(40));
            }
        }
    });
    let stop = AtomicBool::new(false);
    let options = ReadOptions {
        poll: Duration::from_millis(10),
        stop: Some(&stop),
        ..ReadOptions::default()
    };
    let mut seen = Vec::new();
    let watchdog_stop = &stop;
    let stats = std::thread::scope(|scope| {
        // Ends a hung follow after 20 s, so the test fails instead of hanging.
        scope.spawn(move || {
            for _ in 0..200 {
                if watchdog_stop.load(Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            watchdog_stop.store(true, Ordering::Relaxed);
        });
        let stats = follow(&path, &options, true, |event, _| {
            seen.push(event.audit_id.to_string());
            if seen.len() == total {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
        stop.store(true, Ordering::Relaxed);
        stats
    });
    writer.join().unwrap();
    let expected: Vec<String> = (0..total).map(|id| format!("e{id}")).collect();
    assert_eq!(seen, expected);
    assert_eq!(stats.problems(), 0);
    assert_eq!(stats.files, 2);
}

#[test]
fn follow_from_the_end_and_truncation() {
    let temp = tempfile::tempdir().unwrap();
    let path = temp.path().join("audit.log");
    std::fs::write(&path, format!("{}\n{}\n", event(0), event(1))).unwrap();
    let writer_path = path.clone();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&writer_path)
            .unwrap();
        writeln!(file, "{}", event(2)).unwrap();
        drop(file);
        std::thread::sleep(Duration::from_millis(100));
        // copytruncate: the file is emptied in place, then written again.
        std::fs::write(&writer_path, format!("{}\n", event(3))).unwrap();
    });
    let mut seen = Vec::new();
    let options = ReadOptions {
        poll: Duration::from_millis(10),
        ..ReadOptions::default()
    };
    follow(&path, &options, false, |event, _| {
        seen.push(event.audit_id.to_string());
        if seen.len() == 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    writer.join().unwrap();
    assert_eq!(seen, ["e2", "e3"]);
    let _ = Timestamp::default();
}

fn many_events(dir: &Path) -> Vec<Stream> {
    let path = dir.join("many.log");
    let text: String = (0..3000).map(|id| event(id) + "\n").collect();
    std::fs::write(&path, text).unwrap();
    plan(&[path]).unwrap()
}

const SMALL_BLOCKS: ReadOptions<'static> = ReadOptions {
    strict: false,
    prefilter: None,
    progress: None,
    threads: Some(2),
    block_size: Some(1000),
    stop: None,
    poll: Duration::ZERO,
};

#[test]
#[should_panic(expected = "boom in add")]
fn a_panic_in_fold_is_raised_not_hung() {
    let temp = tempfile::tempdir().unwrap();
    let streams = many_events(temp.path());
    let _ = fold(
        &streams,
        &SMALL_BLOCKS,
        || 0u64,
        |_, _, _| panic!("boom in add"),
        |a, b| a + b,
    );
}

#[test]
#[should_panic(expected = "boom in map")]
fn a_panic_in_map_is_raised_not_hung() {
    let temp = tempfile::tempdir().unwrap();
    let streams = many_events(temp.path());
    let _ = for_each_ordered(
        &streams,
        &SMALL_BLOCKS,
        |_, _| -> Option<Timestamp> { panic!("boom in map") },
        |_| ControlFlow::Continue(()),
    );
}

#[test]
fn strict_ordered_stops_at_the_first_bad_line() {
    let temp = tempfile::tempdir().unwrap();
    let path = temp.path().join("bad.log");
    let mut text: String = (0..2000).map(|id| event(id) + "\n").collect();
    text.push_str("oops\n");
    text.push_str(&event(2001));
    std::fs::write(&path, text).unwrap();
    let options = ReadOptions {
        strict: true,
        ..SMALL_BLOCKS
    };
    let result = for_each_ordered(
        &plan(&[path]).unwrap(),
        &options,
        |event, _| event.time(),
        |_| ControlFlow::Continue(()),
    );
    match result {
        Err(Error::BadLine { line, reason, .. }) => {
            assert_eq!(line, 2001);
            assert_eq!(reason, "expected value at column 1");
        }
        other => panic!("{other:?}"),
    }
}
