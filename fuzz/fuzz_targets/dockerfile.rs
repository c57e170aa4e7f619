//! Any text: the Dockerfile parser and every Dockerfile check must never
//! panic, and lines must be consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let dockerfile = kensa_scan::dockerfile::parse(&text);
    let lines = u32::try_from(text.split('\n').count()).unwrap_or(u32::MAX);
    for instruction in &dockerfile.instructions {
        assert!(instruction.start_line >= 1);
        assert!(instruction.start_line <= instruction.end_line);
        assert!(instruction.end_line <= lines);
        let _ = instruction.shell_text();
        let _ = instruction.commands();
    }
    for stage in &dockerfile.stages {
        assert!(stage.instructions.start < stage.instructions.end);
        assert!(stage.instructions.end <= dockerfile.instructions.len());
    }
    for d in &dockerfile.diagnostics {
        assert!(d.line <= lines, "{d}");
    }
    let (findings, _) = kensa_scan::scan_dockerfile(&dockerfile, &kensa_scan::Selection::default());
    for finding in &findings {
        assert!(finding.hit.start_line <= finding.hit.end_line);
        assert!(finding.hit.end_line <= lines);
    }
});
