//! Encoding one kprobe event (a process in a pod with its parent, a file
//! argument): the per-event work of `kensa runtime run -o json|compact` and
//! of the agent's event socket. `cargo bench -p kensa-runtime --bench events`

use std::collections::BTreeMap;

use kensa_runtime::events::{self, Arg, Event, EventKind, Pod, Process};

fn main() {
    divan::main();
}

fn process(pid: u32, binary: &str) -> Process {
    Process {
        exec_id: "a2luZDpjb250cm9sLXBsYW5lOjEyMzQ1Njc4OTA6NDI=".into(),
        pid,
        uid: 0,
        cwd: "/srv/app".into(),
        binary: binary.into(),
        arguments: "--config /etc/app/config.yaml --verbose".into(),
        start_time: "2026-11-29T09:41:40.123456789Z".into(),
        pod: Some(Pod {
            namespace: "shop".into(),
            name: "web-7d9f8b6c5-x2x4z".into(),
            container_name: Some("app".into()),
            labels: BTreeMap::from([
                ("app".into(), "web".into()),
                ("pod-template-hash".into(), "7d9f8b6c5".into()),
            ]),
        }),
        parent_exec_id: "a2luZDpjb250cm9sLXBsYW5lOjEyMzQ1Njc4OTA6NDE=".into(),
    }
}

fn kprobe() -> Event {
    Event {
        node_name: "node-1".into(),
        time: "2026-11-29T09:41:41.000000001Z".into(),
        kind: EventKind::Kprobe {
            process: process(4242, "/usr/bin/cat"),
            parent: Some(process(4241, "/usr/bin/bash")),
            function_name: "security_file_permission".into(),
            args: vec![
                Arg::File {
                    path: "/var/lib/app/data/records.db".into(),
                    permission: None,
                },
                Arg::Int(4),
            ],
            action: "KPROBE_ACTION_POST".into(),
            policy_name: "file-monitoring".into(),
            return_value: None,
        },
    }
}

#[divan::bench]
fn json_through_value(bencher: divan::Bencher) {
    let event = kprobe();
    let mut line = Vec::with_capacity(2048);
    bencher.bench_local(|| {
        line.clear();
        serde_json::to_writer(&mut line, &events::to_json(&event)).unwrap();
        divan::black_box(line.len())
    });
}

#[divan::bench]
fn json_written_directly(bencher: divan::Bencher) {
    let event = kprobe();
    let mut line = Vec::with_capacity(2048);
    bencher.bench_local(|| {
        line.clear();
        events::write_json(&event, &mut line);
        divan::black_box(line.len())
    });
}

#[divan::bench]
fn compact(bencher: divan::Bencher) {
    let event = kprobe();
    bencher.bench_local(|| divan::black_box(events::to_compact(&event)));
}

#[divan::bench]
fn clone_event(bencher: divan::Bencher) {
    let event = kprobe();
    bencher.bench_local(|| divan::black_box(event.clone()));
}
