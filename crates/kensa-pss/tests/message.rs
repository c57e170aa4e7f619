//! `message::parse_message` is the exact inverse of how `Evaluation` writes
//! its messages: for every conformance fixture, evaluated at its own level and
//! version and at `restricted:latest`, both the enforce and the warn message
//! parse back into the evaluation's failures.

mod support;
use support as reference;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kensa_pss::Evaluator;
use kensa_pss::api::{Level, LevelVersion, Version};
use kensa_pss::message::{Mode, Violation, parse_message};
use serde_json::Value;

fn split_pod(pod: &Value) -> (ObjectMeta, PodSpec) {
    let part = |key| {
        pod.get(key)
            .cloned()
            .unwrap_or(Value::Object(Default::default()))
    };
    (
        serde_json::from_value(part("metadata")).expect("metadata"),
        serde_json::from_value(part("spec")).expect("spec"),
    )
}

#[test]
fn every_fixture_message_parses_back_into_its_failures() {
    let Some(dir) = reference::pss_dir() else {
        return;
    };
    let expectations = reference::read_value(&dir.join("expectations.json"));
    let evaluator = Evaluator::global();
    let restricted = LevelVersion::new(Level::Restricted, Version::Latest);
    let mut messages = 0;
    let mut violations = 0;
    let mut mismatches = Vec::new();
    for e in expectations.as_array().unwrap() {
        let path = e["path"].as_str().unwrap();
        let (meta, mut spec) = split_pod(&reference::read_value(&dir.join(path)));
        kensa_pss::defaults::apply(&mut spec);
        let own = LevelVersion::new(
            e["level"].as_str().unwrap().parse().unwrap(),
            e["version"].as_str().unwrap().parse().unwrap(),
        );
        for lv in [own, restricted] {
            let result = evaluator.evaluate(lv, &meta, &spec);
            if result.allowed() {
                continue;
            }
            let want: Vec<Violation> = result
                .failures
                .iter()
                .map(|f| Violation {
                    reason: f.forbidden.reason.to_string(),
                    detail: (!f.forbidden.detail.is_empty()).then(|| f.forbidden.detail.clone()),
                })
                .collect();
            let name = path.rsplit('/').next().unwrap_or(path);
            for (mode, text) in [
                (
                    Mode::Enforce,
                    format!("pods \"{name}\" is forbidden: {}", result.enforce_message()),
                ),
                (Mode::Warn, result.warning_message()),
            ] {
                messages += 1;
                match parse_message(&text) {
                    Some(parsed)
                        if parsed.mode == mode
                            && parsed.level_version == lv
                            && parsed.violations == want => {}
                    other => mismatches.push(format!("{path} at {lv}: {text}\n  parsed {other:?}")),
                }
            }
            violations += want.len();
        }
    }
    eprintln!("{messages} messages with {violations} violations parsed back");
    assert!(messages > 4000, "only {messages} messages");
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
