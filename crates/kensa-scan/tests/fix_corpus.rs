//! `kensa fix` on the shared manifest corpus: every YAML file is fixed to
//! restricted, and the result must
//!
//! 1. load at least as well as the input did,
//! 2. pass restricted for every workload whose fix left nothing manual,
//! 3. keep every comment line and lose no more lines than it made changes,
//! 4. be a fixed point (fixing it again changes nothing).
//!
//! The corpus is `$KENSA_REFERENCE/../corpus` (or `../shared/corpus` next to
//! the workspace). Absent corpus is a skip locally and a failure under `CI=true`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kensa_pss::Evaluator;
use kensa_pss::api::{Level, LevelVersion, Version};
use kensa_scan::fix::{FixOptions, fix_yaml, unified_diff};

fn corpus_dir() -> Option<PathBuf> {
    kensa_reference::dir("../corpus", "")
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

fn error_count(loaded: &kensa_k8s::Loaded) -> usize {
    loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity == kensa_k8s::Severity::Error)
        .count()
}

/// The first of `needles` that does not appear in `haystack` in order, if any.
fn in_order<'a>(mut needles: impl Iterator<Item = &'a str>, haystack: &str) -> Option<&'a str> {
    let mut rest = haystack.lines();
    needles.find(|needle| !rest.any(|l| l == *needle))
}

#[test]
fn fixes_the_corpus() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let mut files = Vec::new();
    yaml_files(&dir, &mut files);
    assert!(!files.is_empty(), "no YAML files under {}", dir.display());
    let mut failures = check_corpus(&files, &FixOptions::default(), "restricted");
    let read_only = FixOptions {
        read_only_root: true,
        ..FixOptions::default()
    };
    failures.extend(check_corpus(
        &files,
        &read_only,
        "restricted + read-only root",
    ));
    if !failures.is_empty() {
        for failure in failures.iter().take(20) {
            eprintln!("{failure}\n");
        }
        panic!("{} corpus failures (first 20 above)", failures.len());
    }
}

/// Fixes every file with `options`; returns the failures.
fn check_corpus(files: &[PathBuf], options: &FixOptions, label: &str) -> Vec<String> {
    let restricted = LevelVersion::new(Level::Restricted, Version::Latest);
    let mut fix_time = Duration::ZERO;
    let (mut fixed_files, mut error_files) = (0, 0);
    let (mut workloads, mut changed, mut with_manual, mut passing) = (0, 0, 0, 0);
    let mut failures = Vec::new();

    for path in files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let name = path.display().to_string();
        let started = Instant::now();
        let outcome = fix_yaml(&name, &text, options);
        fix_time += started.elapsed();
        if !outcome.errors.is_empty() {
            error_files += 1;
            assert_eq!(outcome.text, text, "{name}: text changed despite errors");
        }
        if outcome.changed {
            fixed_files += 1;
        }

        // (1) Loads at least as well as before.
        let before = kensa_k8s::parse_bytes(&name, text.as_bytes());
        let after = kensa_k8s::parse_bytes(&name, outcome.text.as_bytes());
        if error_count(&after) > error_count(&before) || after.objects.len() < before.objects.len()
        {
            failures.push(format!(
                "{name}: loads worse after the fix: {:?}",
                after
                    .diagnostics
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
            ));
            continue;
        }

        // (2) Workloads with nothing manual pass restricted.
        let mut unused: Vec<&kensa_scan::fix::WorkloadFix> = outcome.workloads.iter().collect();
        for object in &after.objects {
            let Some(pod) = &object.pod else {
                continue;
            };
            let found = unused.iter().position(|w| {
                w.kind == object.kind
                    && w.name == object.name()
                    && w.namespace.as_deref() == object.namespace()
            });
            let Some(at) = found else {
                failures.push(format!(
                    "{name}: {} {} has no WorkloadFix",
                    object.kind,
                    object.name()
                ));
                continue;
            };
            let workload = unused.remove(at);
            workloads += 1;
            if !workload.changes.is_empty() {
                changed += 1;
            }
            if !workload.manual.is_empty() {
                with_manual += 1;
                continue;
            }
            let mut spec = pod.spec.clone();
            kensa_pss::defaults::apply(&mut spec);
            let evaluation = Evaluator::global().evaluate(restricted, &pod.metadata, &spec);
            if evaluation.allowed() {
                passing += 1;
            } else {
                failures.push(format!(
                    "{name}: {} still fails restricted: {}",
                    workload.display_name(),
                    evaluation.forbidden_detail()
                ));
            }
        }

        // (3) Comments kept; no more lines lost than changes made.
        let comments = text.lines().filter(|l| l.trim_start().starts_with('#'));
        if let Some(lost) = in_order(comments, &outcome.text) {
            failures.push(format!("{name}: comment line lost: {lost:?}"));
        }
        let diff = unified_diff("a", "b", &text, &outcome.text);
        let removed = diff
            .lines()
            .filter(|l| l.starts_with('-') && !l.starts_with("---"))
            .count();
        let change_count: usize = outcome.workloads.iter().map(|w| w.changes.len()).sum();
        if removed > 2 * change_count {
            failures.push(format!(
                "{name}: {removed} lines removed or rewritten for {change_count} changes:\n{diff}"
            ));
        }

        // (4) A fixed point.
        let again = fix_yaml(&name, &outcome.text, options);
        if again.text != outcome.text || again.workloads.iter().any(|w| !w.changes.is_empty()) {
            failures.push(format!(
                "{name}: fixing twice changes more:\n{}",
                unified_diff("once", "twice", &outcome.text, &again.text)
            ));
        }
    }

    eprintln!(
        "fix corpus ({label}): {} files ({fixed_files} changed, {error_files} not fixable as YAML), \
         {workloads} workloads ({changed} changed, {with_manual} with manual items, \
         {passing} passing restricted after the fix); fix_yaml took {:.0?} in total",
        files.len(),
        fix_time
    );
    failures
}
