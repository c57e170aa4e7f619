//! Throughput, run by hand on a big log (release build):
//!
//! ```text
//! KENSA_BIG_LOG=/tmp/big.jsonl cargo test --release -p kensa-audit \
//!     --test throughput -- --ignored --nocapture
//! ```
//!
//! The log is made by repeating `samples/synthetic/mini.jsonl` to about
//! 1 GB when the file does not exist yet (delete it afterwards).

use std::io::Write;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Instant;

use kensa_audit::read::{ReadOptions, fold, for_each_ordered, plan};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn big_log() -> PathBuf {
    let path = PathBuf::from(
        std::env::var_os("KENSA_BIG_LOG").unwrap_or_else(|| "/tmp/kensa-big.jsonl".into()),
    );
    if !path.exists() {
        let reference = kensa_reference::root();
        let mini = std::fs::read(reference.join("audit/samples/synthetic/mini.jsonl")).unwrap();
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let target: usize = std::env::var("KENSA_BIG_LOG_BYTES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_000_000_000);
        for _ in 0..target.div_ceil(mini.len()) {
            out.write_all(&mini).unwrap();
        }
        out.flush().unwrap();
    }
    path
}

fn report(what: &str, bytes: u64, start: Instant, extra: &str) {
    let seconds = start.elapsed().as_secs_f64();
    eprintln!(
        "{what}: {:.1} MB in {seconds:.2} s = {:.0} MB/s {extra}",
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / seconds
    );
}

#[test]
#[ignore = "a benchmark: run by hand with --release"]
fn full_parse_fold() {
    let streams = plan(&[big_log()]).unwrap();
    for _ in 0..3 {
        let start = Instant::now();
        let (events, stats) = fold(
            &streams,
            &ReadOptions::default(),
            || 0u64,
            |n, event, _| *n += u64::from(!event.verb.is_empty()),
            |a, b| a + b,
        )
        .unwrap();
        report(
            "fold, full parse",
            stats.bytes,
            start,
            &format!("({events} events)"),
        );
    }
}

#[test]
#[ignore = "a benchmark: run by hand with --release"]
fn prefiltered_ordered() {
    let streams = plan(&[big_log()]).unwrap();
    let finder = memchr::memmem::Finder::new(br#""verb":"create""#);
    let keep = |line: &[u8]| finder.find(line).is_some();
    for _ in 0..3 {
        let options = ReadOptions {
            prefilter: Some(&keep),
            ..ReadOptions::default()
        };
        let start = Instant::now();
        let mut matched = 0u64;
        let stats = for_each_ordered(
            &streams,
            &options,
            |event, _| (event.verb == "create").then(|| event.time()),
            |_| {
                matched += 1;
                ControlFlow::Continue(())
            },
        )
        .unwrap();
        report(
            "ordered, prefiltered",
            stats.bytes,
            start,
            &format!("({matched} of {} lines parsed+matched)", stats.lines),
        );
    }
}

#[test]
#[ignore = "a benchmark: run by hand with --release"]
fn ordered_every_event() {
    let streams = plan(&[big_log()]).unwrap();
    for _ in 0..3 {
        let start = Instant::now();
        let mut seen = 0u64;
        let stats = for_each_ordered(
            &streams,
            &ReadOptions::default(),
            |event, _| Some(event.time()),
            |_| {
                seen += 1;
                ControlFlow::Continue(())
            },
        )
        .unwrap();
        report(
            "ordered, every event",
            stats.bytes,
            start,
            &format!("({seen} events)"),
        );
    }
}

/// Set `KENSA_BIG_GZ` to a gzip file (e.g. `gzip -1k` of the big log).
#[test]
#[ignore = "a benchmark: run by hand with --release"]
fn gzip_fold() {
    let Some(path) = std::env::var_os("KENSA_BIG_GZ") else {
        eprintln!("SKIP: set KENSA_BIG_GZ");
        return;
    };
    let streams = plan(&[PathBuf::from(path)]).unwrap();
    let start = Instant::now();
    let (events, stats) = fold(
        &streams,
        &ReadOptions::default(),
        || 0u64,
        |n, _, _| *n += 1,
        |a, b| a + b,
    )
    .unwrap();
    report(
        "gzip fold, full parse",
        stats.bytes,
        start,
        &format!("({events} events)"),
    );
}
