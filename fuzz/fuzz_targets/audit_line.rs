//! Any bytes: decoding a line of an audit log never panics, events' raw
//! JSON stays within the line, block cuts fall after a newline, and a block
//! decoder counts every line once.
#![no_main]

use std::ops::ControlFlow;

use kensa_audit::event::Event;
use kensa_audit::line::{Decoder, LineKind, cut_block, decode_line, minify_json};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
    let _ = decoder.block(1, &data[..cut], false, &mut emit);
    let _ = decoder.block(1, &data[cut..], true, &mut emit);
    let lines = if data.is_empty() {
        0
    } else {
        data.split(|&b| b == b'\n').count() as u64 - u64::from(data.ends_with(b"\n"))
    };
    assert_eq!(decoder.stats.lines, lines);
    assert_eq!(decoder.stats.bytes, data.len() as u64);
    assert_eq!(decoder.stats.events, events);
    assert!(minify_json(data).len() <= data.len());
});
