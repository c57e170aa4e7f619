//! The generator's output: every line an event, the mix as documented.

use std::collections::HashMap;

use kensa_audit::event::{Event, Level, Stage};
use kensa_audit::generate::{GenerateOptions, generate};

#[test]
fn every_line_parses_and_the_mix_is_realistic() {
    let options = GenerateOptions {
        seed: 42,
        target_bytes: 6 << 20,
        // Slow traffic, so that exec sessions and watches end within the log.
        requests_per_second: 5,
        ..GenerateOptions::default()
    };
    let mut out = Vec::new();
    let stats = generate(&options, &mut out).unwrap();
    assert_eq!(stats.bytes, out.len() as u64);
    let text = std::str::from_utf8(&out).expect("UTF-8");
    assert!(text.ends_with('\n'));

    let mut lines = 0u64;
    let mut last = None;
    let mut levels: HashMap<Level, u64> = HashMap::new();
    let mut stages: HashMap<Stage, u64> = HashMap::new();
    let mut codes: HashMap<i32, u64> = HashMap::new();
    let (mut pod_creates, mut execs, mut secret_reads, mut oidc, mut violations, mut impersonated) =
        (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut sizes = Vec::new();
    for line in text.split('\n').filter(|l| !l.is_empty()) {
        let event = Event::from_json(line.as_bytes())
            .unwrap_or_else(|e| panic!("{e}: {}", &line[..line.len().min(300)]));
        assert!(event.looks_like_event());
        assert_eq!(event.api_version.as_deref(), Some("audit.k8s.io/v1"));
        lines += 1;
        sizes.push(line.len());
        let time = event.time().expect("stageTimestamp");
        assert!(event.received_time().unwrap() <= time);
        if let Some(previous) = last {
            assert!(time >= previous, "lines in stageTimestamp order");
        }
        last = Some(time);
        *levels.entry(event.level.unwrap()).or_default() += 1;
        *stages.entry(event.stage.unwrap()).or_default() += 1;
        if let Some(code) = event.code() {
            *codes.entry(code).or_default() += 1;
        }
        *ids.entry(event.audit_id.to_string()).or_default() += 1;
        let id = event.audit_id.as_bytes();
        assert!(id.len() == 36 && id[14] == b'4' && matches!(id[19], b'8' | b'9' | b'a' | b'b'));
        if event.verb == "create"
            && event.resource() == Some("pods")
            && event.subresource().is_none()
        {
            pod_creates += 1;
            let body = event
                .request_object
                .expect("pod creates carry the spec")
                .get();
            assert!(body.contains("\"containers\""));
            assert!(
                (3_000..6_500).contains(&line.len()),
                "pod create of {} bytes",
                line.len()
            );
        }
        if event.subresource() == Some("exec") {
            execs += 1;
        }
        if event.verb == "get" && event.resource() == Some("secrets") {
            secret_reads += 1;
        }
        if event.user.username.starts_with("oidc:") {
            oidc += 1;
        }
        if event
            .annotation("pod-security.kubernetes.io/audit-violations")
            .is_some()
        {
            violations += 1;
        }
        if event.impersonated_user.is_some() {
            impersonated += 1;
        }
    }
    assert_eq!(lines, stats.lines);
    let fraction = |n: u64| n as f64 / lines as f64;
    println!(
        "lines {lines}, pod creates {:.4}, metadata {:.3}, exec {execs}, secrets {secret_reads}, oidc {oidc}, violations {violations}, codes {codes:?}, stages {stages:?}",
        fraction(pod_creates),
        fraction(levels[&Level::Metadata])
    );
    assert!((0.008..0.025).contains(&fraction(pod_creates)));
    assert!((0.5..0.85).contains(&fraction(levels[&Level::Metadata])));
    assert!(fraction(levels[&Level::Request]) > 0.05);
    assert!(fraction(levels[&Level::RequestResponse]) > 0.02);
    assert!(fraction(codes[&200]) > 0.8);
    for code in [101, 201, 401, 403, 404, 409, 422] {
        assert!(codes.get(&code).copied().unwrap_or(0) > 0, "no {code}");
    }
    assert!(fraction(codes[&404]) < 0.03);
    assert!(stages[&Stage::ResponseStarted] > 0 && stages[&Stage::RequestReceived] > 0);
    assert!(fraction(stages[&Stage::ResponseComplete]) > 0.9);
    assert!(ids.values().any(|&n| n == 3), "exec writes three stages");
    assert!(ids.values().any(|&n| n == 2), "watches write two stages");
    assert!(ids.values().all(|&n| n <= 3));
    assert!(execs > 0 && secret_reads > 0 && oidc > 0 && violations > 0 && impersonated > 0);
    sizes.sort_unstable();
    let median = sizes[sizes.len() / 2];
    assert!((600..1_200).contains(&median), "median {median}");
}

#[test]
fn big_lines_are_rare_but_present() {
    let options = GenerateOptions {
        seed: 3,
        target_bytes: 40 << 20,
        ..GenerateOptions::default()
    };
    let stats = generate(&options, &mut std::io::sink()).unwrap();
    println!("{stats:?}");
    assert!(stats.big_lines >= 1);
    assert!((stats.big_lines as f64) < stats.lines as f64 * 0.001);
    // 500 requests a second on average.
    let seconds = (stats.last.0 - options.start.0) as f64 / 1e6;
    let rate = stats.requests as f64 / seconds;
    assert!((400.0..600.0).contains(&rate), "{rate}");
}

/// The generation speed, to a file: `cargo test --release -p kensa-audit
/// --test generate_mix -- --ignored --nocapture` (set `KENSA_GENERATE_BYTES`
/// and `KENSA_GENERATE_PATH` to change the size and the file).
#[test]
#[ignore = "writes a gigabyte; run by hand in release"]
fn generation_speed() {
    let bytes = std::env::var("KENSA_GENERATE_BYTES")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(1u64 << 30);
    let path = std::env::var("KENSA_GENERATE_PATH")
        .unwrap_or_else(|_| "/tmp/kensa-generate-speed.log".to_string());
    let options = GenerateOptions {
        target_bytes: bytes,
        ..GenerateOptions::default()
    };
    let file = std::fs::File::create(&path).unwrap();
    let mut file = std::io::BufWriter::with_capacity(1 << 20, file);
    let start = std::time::Instant::now();
    let stats = generate(&options, &mut file).unwrap();
    std::io::Write::flush(&mut file).unwrap();
    drop(file);
    let to_file = start.elapsed().as_secs_f64();
    std::fs::remove_file(&path).unwrap();
    let start = std::time::Instant::now();
    generate(&options, &mut std::io::sink()).unwrap();
    let to_sink = start.elapsed().as_secs_f64();
    let mb = stats.bytes as f64 / 1e6;
    println!(
        "{stats:?}\n{mb:.0} MB: to {path} in {to_file:.2} s ({:.0} MB/s), to a sink in {to_sink:.2} s ({:.0} MB/s)",
        mb / to_file,
        mb / to_sink
    );
}
