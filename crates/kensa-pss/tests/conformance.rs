//! Conformance with upstream pod-security-admission: every fixture, every
//! per-check golden, the evaluation order, label parsing and namespace warnings.

mod support;
use support as reference;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kensa_pss::api::{Level, LevelVersion, Policy, Version, policy_to_evaluate};
use kensa_pss::namespace::{self, AdmissionConfig, DryRunLimits, ExistingPod};
use kensa_pss::{Evaluator, checks};
use serde_json::Value;

fn split_pod(pod: &Value) -> (ObjectMeta, PodSpec) {
    let meta = pod
        .get("metadata")
        .cloned()
        .unwrap_or(Value::Object(Default::default()));
    let spec = pod
        .get("spec")
        .cloned()
        .unwrap_or(Value::Object(Default::default()));
    (
        serde_json::from_value(meta).expect("metadata"),
        serde_json::from_value(spec).expect("spec"),
    )
}

fn lv(level: &str, version: &str) -> LevelVersion {
    LevelVersion::new(level.parse().unwrap(), version.parse().unwrap())
}

/// All 4537 fixtures against expectations.json, with exact messages compared to
/// derived_results.json.
#[test]
fn fixtures_match_upstream_expectations_and_messages() {
    let Some(dir) = reference::pss_dir() else {
        return;
    };
    let expectations = reference::read_value(&dir.join("expectations.json"));
    let derived = reference::read_value(&dir.join("derived_results.json"));
    let derived: BTreeMap<&str, &Value> = derived["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["path"].as_str().unwrap(), r))
        .collect();
    let evaluator = Evaluator::global();
    let mut failures = Vec::new();
    let mut count = 0;
    for e in expectations.as_array().unwrap() {
        count += 1;
        let path = e["path"].as_str().unwrap();
        let pod = reference::read_value(&dir.join(path));
        let (meta, mut spec) = split_pod(&pod);
        // Fixtures are what a client sends; the API server defaults them before admission.
        kensa_pss::defaults::apply(&mut spec);
        let result = evaluator.evaluate(
            lv(e["level"].as_str().unwrap(), e["version"].as_str().unwrap()),
            &meta,
            &spec,
        );
        let expect_pass = e["expect"] == "pass";
        if result.allowed() != expect_pass {
            failures.push(format!(
                "{path}: allowed={} but expected {}: {}",
                result.allowed(),
                e["expect"],
                result.forbidden_detail()
            ));
            continue;
        }
        if !expect_pass {
            let needle = e
                .get("expect_error_substring")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .or_else(|| e["check"].as_str())
                .unwrap();
            let ids: Vec<&str> = result.failures.iter().map(|f| f.check.id).collect();
            if !result.enforce_message().contains(needle) && !ids.contains(&needle) {
                failures.push(format!(
                    "{path}: {needle:?} not in {:?}",
                    result.enforce_message()
                ));
            }
        }
        let d = derived[path];
        if d["allowed"].as_bool() != Some(result.allowed()) {
            failures.push(format!("{path}: derived allowed differs"));
            continue;
        }
        if !result.allowed() {
            let ids: Vec<&str> = result.failures.iter().map(|f| f.check.id).collect();
            let want_ids: Vec<&str> = d["failed_checks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            for (field, got) in [
                ("forbidden_reason", result.forbidden_reason()),
                ("forbidden_detail", result.forbidden_detail()),
                ("enforce_message", result.enforce_message()),
            ] {
                if d[field].as_str() != Some(got.as_str()) {
                    failures.push(format!(
                        "{path}: {field}\n  got  {got}\n  want {}",
                        d[field]
                    ));
                }
            }
            if ids != want_ids {
                failures.push(format!(
                    "{path}: failed checks {ids:?}, derived {want_ids:?}"
                ));
            }
        }
    }
    assert_eq!(count, 4537, "fixture count");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Adds required fields that upstream's Go unit tests leave out (Go zero values),
/// so the partial pods deserialize into k8s-openapi types.
fn fill_required(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if let ("httpGet" | "tcpSocket", Value::Object(action)) =
                    (key.as_str(), &mut *child)
                {
                    action.entry("port").or_insert(Value::from(0));
                }
                if let ("sysctls", Value::Array(items)) = (key.as_str(), &mut *child) {
                    for item in items.iter_mut().filter_map(Value::as_object_mut) {
                        item.entry("value").or_insert(Value::from(""));
                    }
                }
                if let ("seccompProfile" | "appArmorProfile", Value::Object(profile)) =
                    (key.as_str(), &mut *child)
                {
                    profile.entry("type").or_insert(Value::from(""));
                }
                fill_required(child);
            }
            if let Some(Value::Object(spec)) = map.get_mut("spec") {
                spec.entry("containers").or_insert(Value::Array(Vec::new()));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(fill_required),
        _ => {}
    }
}

/// The 95 per-check results from upstream's check_*_test.go.
#[test]
fn per_check_goldens() {
    let Some(dir) = reference::pss_dir() else {
        return;
    };
    let cases = reference::read_value(&dir.join("golden/check_results.yaml"));
    let mut failures = Vec::new();
    let cases = cases.as_array().unwrap();
    for case in cases {
        let id = case["check"].as_str().unwrap();
        let version: Version = case["impl_version"].as_str().unwrap().parse().unwrap();
        let check = checks::by_id(id).unwrap_or_else(|| panic!("unknown check {id}"));
        let implementation = check.at(version.effective_minor()).unwrap();
        let mut pod = case["pod"].clone();
        fill_required(&mut pod);
        pod.as_object_mut()
            .unwrap()
            .entry("spec")
            .or_insert(serde_json::json!({"containers": []}));
        let (meta, spec) = split_pod(&pod);
        let got = (implementation.evaluate)(&meta, &spec);
        let want = &case["expect"];
        let name = case["name"].as_str().unwrap();
        match (&got, want["allowed"].as_bool().unwrap()) {
            (None, true) => {}
            (Some(f), false) => {
                if want["reason"].as_str() != Some(&*f.reason)
                    || want["detail"].as_str() != Some(&f.detail)
                {
                    failures.push(format!(
                        "{id} {name}: got {:?} / {:?}, want {} / {}",
                        f.reason, f.detail, want["reason"], want["detail"]
                    ));
                }
            }
            (got, _) => failures.push(format!("{id} {name}: got {got:?}, want {want}")),
        }
    }
    assert_eq!(cases.len(), 95);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The derived evaluation order for every level and version.
#[test]
fn evaluation_order() {
    let Some(dir) = reference::pss_dir() else {
        return;
    };
    let doc = reference::read_value(&dir.join("evaluation_order.json"));
    for (key, want) in doc["order"].as_object().unwrap() {
        let (level, version) = key.split_once(':').unwrap();
        let got: Vec<(String, String)> = Evaluator::global()
            .checks_for(lv(level, version))
            .map(|(id, v)| (id.to_owned(), v.to_string()))
            .collect();
        let want: Vec<(String, String)> = want
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| {
                (
                    pair[0].as_str().unwrap().to_owned(),
                    pair[1].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(got, want, "{key}");
    }
}

fn labels(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn label_parsing_goldens() {
    let Some(dir) = reference::pss_dir() else {
        return;
    };
    let doc = reference::read_value(&dir.join("golden/label_parsing.yaml"));
    for (text, canonical) in doc["parse_version"]["ok"].as_object().unwrap() {
        assert_eq!(
            text.parse::<Version>().unwrap().to_string(),
            canonical.as_str().unwrap()
        );
    }
    for bad in doc["parse_version"]["error"].as_array().unwrap() {
        assert!(bad.as_str().unwrap().parse::<Version>().is_err(), "{bad}");
    }
    for case in doc["policy_to_evaluate"].as_array().unwrap() {
        let (policy, errors) = policy_to_evaluate(&labels(&case["labels"]), &Policy::default());
        let expect = &case["expect"];
        for (mode, got) in [
            ("enforce", policy.enforce),
            ("warn", policy.warn),
            ("audit", policy.audit),
        ] {
            assert_eq!(
                got.to_string(),
                expect[mode].as_str().unwrap(),
                "{} {mode}",
                case["desc"]
            );
        }
        assert_eq!(
            !errors.is_empty(),
            case["expect_error"].as_bool().unwrap_or(false),
            "{}",
            case["desc"]
        );
    }
}

struct GoldenPod {
    name: String,
    error: Option<String>,
    runtime_class: Option<String>,
    controller_uid: Option<String>,
}

impl ExistingPod for GoldenPod {
    fn name(&self) -> &str {
        &self.name
    }
    fn controller_uid(&self) -> Option<&str> {
        self.controller_uid.as_deref()
    }
    fn runtime_class_name(&self) -> Option<&str> {
        self.runtime_class.as_deref()
    }
}

fn default_policy(text: &str) -> Policy {
    // e.g. "restricted:latest" or "baseline:v1.23 for all modes"
    let first = text.split_whitespace().next().unwrap();
    let (level, version) = first.split_once(':').unwrap();
    Policy::all(lv(level, version))
}

/// upstream TestValidateNamespace, with its fake evaluator (a pod's reason is its
/// "error" annotation) and its limits (4 pods, 1 s budget).
#[test]
fn namespace_validation_goldens() {
    let Some(dir) = reference::pss_dir() else {
        return;
    };
    let doc = reference::read_value(&dir.join("golden/namespace_validate.yaml"));
    let default_pods = || {
        vec![
            GoldenPod {
                name: "noruntimeclasspod".into(),
                error: Some("message".into()),
                runtime_class: None,
                controller_uid: None,
            },
            GoldenPod {
                name: "runtimeclass1pod".into(),
                error: Some("message".into()),
                runtime_class: Some("runtimeclass1".into()),
                controller_uid: None,
            },
            GoldenPod {
                name: "runtimeclass2pod".into(),
                error: Some("message".into()),
                runtime_class: Some("runtimeclass2".into()),
                controller_uid: None,
            },
            GoldenPod {
                name: "runtimeclass3pod".into(),
                error: Some("message, message2".into()),
                runtime_class: None,
                controller_uid: None,
            },
        ]
    };
    for case in doc["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let mut config = AdmissionConfig::default();
        if let Some(p) = case["defaultPolicy"].as_object() {
            config.defaults = default_policy(p["enforce"].as_str().unwrap());
        }
        config.exemptions.namespaces =
            serde_json::from_value(case["exemptNamespaces"].clone()).unwrap_or_default();
        config.exemptions.runtime_classes =
            serde_json::from_value(case["exemptRuntimeClasses"].clone()).unwrap_or_default();
        let pods: Vec<GoldenPod> = match case["pods"].as_array() {
            Some(list) => list
                .iter()
                .map(|p| GoldenPod {
                    name: p["name"].as_str().unwrap().into(),
                    error: p["error"].as_str().map(Into::into),
                    runtime_class: p["runtimeClassName"].as_str().map(Into::into),
                    controller_uid: p["controllerUID"].as_str().map(Into::into),
                })
                .collect(),
            None => default_pods(),
        };
        // The harness delays: listing longer than the 1 s budget fails the list;
        // 0.55 s per evaluation runs out of time after the second pod.
        let list_fails = case.get("delayList").is_some();
        let per_pod_delay_ms: u64 = case["delayEvaluation"].as_str().map_or(0, |s| {
            (s.split('s').next().unwrap().parse::<f64>().unwrap() * 1000.0) as u64
        });
        let old = case.get("oldLabels").map(labels);
        let mut listed = false;
        let decision = namespace::validate_namespace(
            &config,
            "test",
            &labels(&case["newLabels"]),
            old.as_ref(),
            |enforce| {
                listed = true;
                let mut elapsed = 0;
                namespace::evaluate_pods_in_namespace(
                    "test",
                    enforce,
                    if list_fails { Err(()) } else { Ok(&pods) },
                    &config,
                    DryRunLimits { max_pods: 4 },
                    |p| p.error.clone(),
                    || {
                        elapsed += per_pod_delay_ms;
                        elapsed > 1000
                    },
                )
            },
        );
        assert_eq!(
            decision.allowed,
            case["expectAllowed"].as_bool().unwrap(),
            "{name}"
        );
        assert_eq!(
            listed,
            case["expectListPods"].as_bool().unwrap_or(false),
            "{name}: listed pods"
        );
        let want: Vec<String> =
            serde_json::from_value(case["expectWarnings"].clone()).unwrap_or_default();
        assert_eq!(decision.warnings, want, "{name}");
        if let Some(text) = case["expectErrorContains"].as_str() {
            assert!(
                decision.errors.iter().any(|e| e.to_string().contains(text)),
                "{name}: {:?}",
                decision.errors
            );
        }
    }

    for case in doc["exempt_namespace_warning_cases"]["cases"]
        .as_array()
        .unwrap()
    {
        let mut config = AdmissionConfig::default();
        if let Some(p) = case["defaultPolicy"].as_str() {
            config.defaults = default_policy(p);
        }
        let l = labels(&case["labels"]);
        let (policy, _) = policy_to_evaluate(&l, &config.defaults);
        let warning = config.exempt_namespace_warning("test", &policy, &l);
        assert_eq!(
            warning.is_some(),
            case["expectWarning"].as_bool().unwrap(),
            "{}",
            case["name"]
        );
        if let Some(text) = case["expectWarningContains"].as_str() {
            assert!(warning.unwrap().contains(text), "{}", case["name"]);
        }
    }
    let _ = Level::Baseline;
}
