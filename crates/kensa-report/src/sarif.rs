//! SARIF 2.1.0, as GitHub code scanning reads it.
//!
//! One run; `tool.driver.rules` lists the report's rules (and a rule made
//! from the first finding of any rule id the report does not list), each with
//! `properties.security-severity` (9.0 critical, 7.0 high, 4.0 medium,
//! 2.0 low; none for unknown). Every result has one location with the
//! resource as a logical location (`Kind/namespace/name`) and, when the
//! resource was read from a file, a physical location (the path as given,
//! with forward slashes, and a region when the line is known); a
//! `partialFingerprints["kensa/v1"]` from [`Finding::fingerprint`]; and the
//! finding's aliases, remediation and field-level remedies in `properties`.
//!
//! The log is built with the typed model of the `serde-sarif` crate.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use serde_json::{Value, json};
use serde_sarif::sarif as s;

use crate::{Finding, Report, Result, Rule, Severity};

/// The JSON schema of SARIF 2.1.0, written as `$schema`.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The SARIF version written.
pub const VERSION: &str = "2.1.0";
/// The key of kensa's fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "kensa/v1";

/// Writes `report` as a pretty-printed SARIF 2.1.0 log, followed by a newline.
pub fn render(report: &Report, out: &mut dyn Write) -> Result<()> {
    crate::json::render(&to_sarif(report), out)
}

/// The SARIF `level` of a severity: critical and high are `error`, medium is
/// `warning`, low and unknown are `note`.
pub fn level(sev: Severity) -> s::ResultLevel {
    match sev {
        Severity::Critical | Severity::High => s::ResultLevel::Error,
        Severity::Medium => s::ResultLevel::Warning,
        Severity::Low | Severity::Unknown => s::ResultLevel::Note,
    }
}

/// GitHub's `security-severity` of a severity (`None` for unknown).
pub fn security_severity(sev: Severity) -> Option<&'static str> {
    match sev {
        Severity::Critical => Some("9.0"),
        Severity::High => Some("7.0"),
        Severity::Medium => Some("4.0"),
        Severity::Low => Some("2.0"),
        Severity::Unknown => None,
    }
}

/// The SARIF artifact URI of a file name as the user gave it: back slashes
/// become forward slashes, a leading `./` goes, standard input (`-` or
/// `<stdin>`) is `stdin`, absolute paths become `file://` URIs, and
/// characters that URIs do not allow are percent-encoded.
pub fn artifact_uri(file: &str) -> String {
    if file == "-" || file == "<stdin>" {
        return "stdin".to_owned();
    }
    let path = file.replace('\\', "/");
    let mut path = path.as_str();
    while let Some(rest) = path.strip_prefix("./") {
        path = rest;
    }
    let windows_drive = path.len() >= 3
        && path.as_bytes()[0].is_ascii_alphabetic()
        && path.as_bytes()[1] == b':'
        && path.as_bytes()[2] == b'/';
    let prefix = if path.starts_with('/') {
        "file://"
    } else if windows_drive {
        "file:///"
    } else {
        ""
    };
    let mut uri = String::with_capacity(prefix.len() + path.len());
    uri.push_str(prefix);
    for &b in path.as_bytes() {
        // RFC 3986 unreserved and sub-delims, plus the path's ':', '@', '/'.
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

/// The report as a typed SARIF log.
pub fn to_sarif(report: &Report) -> s::Sarif {
    let rules = rules(report);
    let index: HashMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let descriptors: Vec<s::ReportingDescriptor> = rules.iter().map(descriptor).collect();
    let results: Vec<s::Result> = report
        .findings
        .iter()
        .map(|f| result(f, index[f.rule_id.as_str()]))
        .collect();

    let driver = s::ToolComponent::builder()
        .name(report.tool.name)
        .version(report.tool.version)
        .information_uri(report.tool.information_uri)
        .rules(descriptors)
        .build();
    let run = s::Run::builder()
        .tool(s::Tool::builder().driver(driver).build())
        .results(results)
        .build();
    s::Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!(VERSION))
        .runs(vec![run])
        .build()
}

/// The report's rules (first of each id), then a rule for each rule id that
/// only findings name.
fn rules(report: &Report) -> Vec<Rule> {
    let mut rules: Vec<Rule> = Vec::with_capacity(report.rules.len());
    let mut seen = std::collections::HashSet::new();
    for r in &report.rules {
        if seen.insert(r.id.as_str()) {
            rules.push(r.clone());
        }
    }
    for f in &report.findings {
        if seen.insert(f.rule_id.as_str()) {
            rules.push(Rule {
                id: f.rule_id.clone(),
                title: f.title.clone(),
                description: f.title.clone(),
                severity: f.severity,
                help_uri: f.help_uri.clone(),
            });
        }
    }
    rules
}

fn text(t: &str) -> s::MultiformatMessageString {
    s::MultiformatMessageString::builder().text(t).build()
}

fn descriptor(rule: &Rule) -> s::ReportingDescriptor {
    let mut props = BTreeMap::new();
    if let Some(score) = security_severity(rule.severity) {
        props.insert("security-severity".to_owned(), json!(score));
    }
    let mut d = s::ReportingDescriptor::builder()
        .id(&rule.id)
        .name(&rule.title)
        .short_description(text(&rule.title))
        .full_description(text(&rule.description))
        .default_configuration(s::ReportingConfiguration {
            level: Some(json!(level(rule.severity))),
            ..Default::default()
        })
        .properties(s::PropertyBag {
            tags: Some(vec!["security".to_owned(), "kubernetes".to_owned()]),
            additional_properties: props,
        })
        .build();
    d.help_uri.clone_from(&rule.help_uri);
    d
}

fn result(f: &Finding, rule_index: usize) -> s::Result {
    let r = &f.resource;
    let physical = r.location.as_ref().map(|loc| s::PhysicalLocation {
        artifact_location: Some(s::ArtifactLocation {
            uri: Some(artifact_uri(&loc.file)),
            ..Default::default()
        }),
        region: (loc.line > 0).then(|| s::Region {
            start_line: Some(i64::from(loc.line)),
            start_column: (loc.column > 0).then_some(i64::from(loc.column)),
            ..Default::default()
        }),
        ..Default::default()
    });
    let location = s::Location {
        physical_location: physical,
        logical_locations: Some(vec![s::LogicalLocation {
            fully_qualified_name: Some(r.qualified_name()),
            name: Some(r.name.clone()),
            kind: Some("resource".to_owned()),
            ..Default::default()
        }]),
        ..Default::default()
    };

    let mut props: BTreeMap<String, Value> = BTreeMap::new();
    if !f.aliases.is_empty() {
        props.insert("aliases".to_owned(), json!(f.aliases));
    }
    if let Some(remediation) = &f.remediation {
        props.insert("remediation".to_owned(), json!(remediation));
    }
    if !f.remedies.is_empty() {
        props.insert("remedies".to_owned(), json!(f.remedies));
    }

    let mut result = s::Result::builder()
        .rule_id(&f.rule_id)
        // A rule list longer than i64::MAX cannot exist in memory.
        .rule_index(i64::try_from(rule_index).unwrap_or(i64::MAX))
        .level(level(f.severity))
        .message(s::Message {
            text: Some(f.message.clone()),
            ..Default::default()
        })
        .locations(vec![location])
        .partial_fingerprints(BTreeMap::from([(
            FINGERPRINT_KEY.to_owned(),
            f.fingerprint(),
        )]))
        .build();
    if !props.is_empty() {
        result.properties = Some(s::PropertyBag {
            tags: None,
            additional_properties: props,
        });
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil;

    fn render_value(report: &Report) -> Value {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        assert!(out.ends_with(b"}\n"));
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn log_header_and_driver() {
        let v = render_value(&testutil::report());
        assert_eq!(v["$schema"], SCHEMA_URI);
        assert_eq!(v["version"], "2.1.0");
        assert_eq!(v["runs"].as_array().unwrap().len(), 1);
        let driver = &v["runs"][0]["tool"]["driver"];
        assert_eq!(driver["name"], "kensa");
        assert_eq!(driver["version"], "0.1.0");
        assert_eq!(driver["informationUri"], "https://example.invalid/kensa");
    }

    /// A golden check of every field of one rule and one result.
    #[test]
    fn golden_rule_and_result() {
        let report = testutil::report();
        let v = render_value(&report);
        let run = &v["runs"][0];
        assert_eq!(
            run["tool"]["driver"]["rules"][0],
            json!({
                "id": "pss/baseline/privileged",
                "name": "Privileged containers",
                "shortDescription": {"text": "Privileged containers"},
                "fullDescription": {"text": "Privileged Pods disable most security mechanisms."},
                "helpUri": "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["security", "kubernetes"], "security-severity": "9.0"}
            })
        );
        assert_eq!(
            run["tool"]["driver"]["rules"][1],
            json!({
                "id": "pss/restricted/allowPrivilegeEscalation",
                "name": "Privilege escalation",
                "shortDescription": {"text": "Privilege escalation"},
                "fullDescription": {"text": "Privilege escalation must not be allowed."},
                "defaultConfiguration": {"level": "warning"},
                "properties": {"tags": ["security", "kubernetes"], "security-severity": "4.0"}
            })
        );
        let fp = report.findings[0].fingerprint();
        assert_eq!(
            run["results"][0],
            json!({
                "ruleId": "pss/restricted/allowPrivilegeEscalation",
                "ruleIndex": 1,
                "level": "warning",
                "message": {"text": report.findings[0].message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": "deploy/web.yaml"},
                        "region": {"startLine": 1, "startColumn": 1}
                    },
                    "logicalLocations": [{
                        "fullyQualifiedName": "Deployment/shop/web",
                        "name": "web",
                        "kind": "resource"
                    }]
                }],
                "partialFingerprints": {"kensa/v1": fp},
                "properties": {
                    "aliases": ["KSV001", "AVD-KSV-0001"],
                    "remediation": "Set allowPrivilegeEscalation to false.",
                    "remedies": [{
                        "path": "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
                        "action": "set false"
                    }]
                }
            })
        );
        // No properties at all when there is nothing to say.
        assert_eq!(run["results"][2].get("properties"), None);
        assert_eq!(run["results"][2]["ruleIndex"], 0);
        assert_eq!(run["results"][2]["level"], "error");
    }

    /// The structure SARIF 2.1.0 requires (and GitHub reads), checked on
    /// every rule and result.
    #[test]
    fn structure_is_valid_sarif() {
        let mut report = testutil::report();
        // A finding whose rule the report does not list, of every severity.
        for sev in Severity::DESCENDING {
            let mut f = report.findings[0].clone();
            f.rule_id = format!("extra/{sev}");
            f.severity = sev;
            report.findings.push(f);
        }
        let v = render_value(&report);
        let run = &v["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 2 + 5);
        let levels = ["none", "note", "warning", "error"];
        for rule in rules {
            assert!(rule["id"].is_string(), "{rule}");
            assert!(rule["shortDescription"]["text"].is_string(), "{rule}");
            assert!(rule["fullDescription"]["text"].is_string(), "{rule}");
            let level = rule["defaultConfiguration"]["level"].as_str().unwrap();
            assert!(levels.contains(&level), "{rule}");
            if let Some(score) = rule["properties"].get("security-severity") {
                let score: f64 = score.as_str().unwrap().parse().unwrap();
                assert!((0.0..=10.0).contains(&score), "{rule}");
            }
        }
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), report.findings.len());
        for (res, f) in results.iter().zip(&report.findings) {
            let idx = usize::try_from(res["ruleIndex"].as_u64().unwrap()).unwrap();
            assert_eq!(rules[idx]["id"], res["ruleId"], "{res}");
            assert_eq!(res["ruleId"], f.rule_id.as_str());
            assert!(levels.contains(&res["level"].as_str().unwrap()), "{res}");
            assert!(res["message"]["text"].is_string(), "{res}");
            let locations = res["locations"].as_array().unwrap();
            assert_eq!(locations.len(), 1);
            for loc in locations {
                let ll = &loc["logicalLocations"][0];
                assert_eq!(ll["kind"], "resource");
                assert!(ll["fullyQualifiedName"].is_string());
                if let Some(pl) = loc.get("physicalLocation") {
                    assert!(pl["artifactLocation"]["uri"].is_string(), "{res}");
                    if let Some(region) = pl.get("region") {
                        assert!(region["startLine"].as_u64().unwrap() >= 1, "{res}");
                    }
                }
            }
            let fp = res["partialFingerprints"]["kensa/v1"].as_str().unwrap();
            assert_eq!(fp.len(), 16);
        }
        // Rules made from findings take the finding's severity.
        let extra_critical = rules.iter().find(|r| r["id"] == "extra/CRITICAL").unwrap();
        assert_eq!(extra_critical["properties"]["security-severity"], "9.0");
        let extra_unknown = rules.iter().find(|r| r["id"] == "extra/UNKNOWN").unwrap();
        assert_eq!(extra_unknown["defaultConfiguration"]["level"], "note");
        assert_eq!(extra_unknown["properties"].get("security-severity"), None);
    }

    #[test]
    fn levels_and_scores() {
        let lv = |s| serde_json::to_value(level(s)).unwrap();
        assert_eq!(lv(Severity::Critical), "error");
        assert_eq!(lv(Severity::High), "error");
        assert_eq!(lv(Severity::Medium), "warning");
        assert_eq!(lv(Severity::Low), "note");
        assert_eq!(lv(Severity::Unknown), "note");
        assert_eq!(security_severity(Severity::High), Some("7.0"));
        assert_eq!(security_severity(Severity::Low), Some("2.0"));
    }

    #[test]
    fn locations_without_line_or_file() {
        let mut report = testutil::report();
        report.findings[0].resource.location.as_mut().unwrap().line = 0;
        report.findings[1]
            .resource
            .location
            .as_mut()
            .unwrap()
            .column = 0;
        report.findings[2].resource.location = None;
        report.findings[2].resource.namespace = None;
        let v = render_value(&report);
        let results = &v["runs"][0]["results"];
        let pl0 = &results[0]["locations"][0]["physicalLocation"];
        assert_eq!(pl0["artifactLocation"]["uri"], "deploy/web.yaml");
        assert_eq!(pl0.get("region"), None);
        assert_eq!(
            results[1]["locations"][0]["physicalLocation"]["region"],
            json!({"startLine": 1})
        );
        let loc2 = &results[2]["locations"][0];
        assert_eq!(loc2.get("physicalLocation"), None);
        assert_eq!(
            loc2["logicalLocations"][0]["fullyQualifiedName"],
            "StatefulSet/db"
        );
    }

    #[test]
    fn artifact_uris() {
        assert_eq!(artifact_uri("deploy/web.yaml"), "deploy/web.yaml");
        assert_eq!(artifact_uri("./deploy/web.yaml"), "deploy/web.yaml");
        assert_eq!(artifact_uri(r"deploy\web.yaml"), "deploy/web.yaml");
        assert_eq!(artifact_uri("<stdin>"), "stdin");
        assert_eq!(artifact_uri("-"), "stdin");
        assert_eq!(artifact_uri("/tmp/a b.yaml"), "file:///tmp/a%20b.yaml");
        assert_eq!(artifact_uri(r"C:\k8s\x.yaml"), "file:///C:/k8s/x.yaml");
        assert_eq!(artifact_uri("a#1%?.yaml"), "a%231%25%3F.yaml");
        assert_eq!(artifact_uri("ü.yaml"), "%C3%BC.yaml");
    }

    #[test]
    fn empty_report_is_valid() {
        let mut report = testutil::report();
        report.findings.clear();
        report.rules.clear();
        let v = render_value(&report);
        assert_eq!(v["runs"][0]["results"], json!([]));
        assert_eq!(v["runs"][0]["tool"]["driver"]["rules"], json!([]));
    }

    #[test]
    fn typed_log_round_trips() {
        let mut out = Vec::new();
        render(&testutil::report(), &mut out).unwrap();
        let log: s::Sarif = serde_json::from_slice(&out).unwrap();
        assert_eq!(log.runs[0].results.as_ref().unwrap().len(), 3);
    }
}
