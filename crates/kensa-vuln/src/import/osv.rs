//! OSV records (<https://ossf.github.io/osv-schema/>), every ecosystem.
//!
//! - `affected[].package.ecosystem` gives the namespace
//!   ([`crate::namespace::of_ecosystem`]), `name` the package (PyPI names
//!   normalised).
//! - `ECOSYSTEM` and `SEMVER` ranges keep their events (`introduced`,
//!   `fixed`, `last_affected`, `limit`); `versions[]` is kept as listed.
//!   `GIT` ranges name commits, not versions, and are counted and dropped;
//!   an `affected` entry left with neither ranges nor versions is dropped
//!   too, since it would otherwise read as "every version".
//! - Withdrawn records are skipped and counted.
//! - Severity: the highest CVSS v3/v4 base score among `severity[]` (of
//!   the record and of each `affected`) and RustSec's
//!   `database_specific.cvss`; else a rating in `database_specific.severity`
//!   (GitHub's `MODERATE` is medium) or an `Ubuntu`-type severity.
//! - Status: fixed when a range has a `fixed` event, else affected.
//!
//! `upstream[]` IDs are kept with the aliases, so that a VEX statement or
//! ignore rule naming the CVE finds a Chainguard `CGA-` record.

use super::{Records, strings, text};
use crate::error::{Error, Result};
use crate::model::{Advisory, Cvss, Event, FixState, Range, Severity, Vulnerability};
use crate::{namespace, score};
use serde_json::{Map, Value};

/// Whether a JSON value has the shape of an OSV record.
pub fn looks_like(value: &Value) -> bool {
    value.as_object().is_some_and(|map| {
        map.get("id").is_some_and(Value::is_string)
            && (map.contains_key("affected") || map.contains_key("modified"))
    })
}

/// Parses an OSV record, or a JSON array of them.
pub fn parse(bytes: &[u8]) -> Result<Records> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| Error::parse(format!("line {}", e.line()), e.to_string()))?;
    if !(value.is_array() || looks_like(&value)) {
        return Err(Error::parse("", "not an OSV record (no id and affected)"));
    }
    Ok(from_json(value))
}

/// Reads an already parsed record or array of records; records that are
/// not OSV become warnings.
pub fn from_json(value: Value) -> Records {
    let mut records = Records::default();
    match value {
        Value::Array(items) => {
            for (index, item) in items.into_iter().enumerate() {
                read_record(item, &format!("record {index}"), &mut records);
            }
        }
        other => read_record(other, "record", &mut records),
    }
    records
}

fn read_record(value: Value, location: &str, records: &mut Records) {
    let Value::Object(map) = value else {
        records
            .warnings
            .push(format!("{location}: not a JSON object"));
        return;
    };
    let Some(id) = map.get("id").and_then(Value::as_str).map(str::to_owned) else {
        records.warnings.push(format!("{location}: no id"));
        return;
    };
    if map
        .get("withdrawn")
        .is_some_and(|w| w.as_str().is_some_and(|s| !s.is_empty()))
    {
        records.withdrawn_skipped += 1;
        return;
    }
    let affected = match map.get("affected") {
        None | Some(Value::Null) => &Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => {
            records
                .warnings
                .push(format!("{location} {id}: affected is not an array"));
            return;
        }
    };

    let mut cvss: Vec<Cvss> = severity_vectors(map.get("severity"));
    let mut rating = map
        .get("database_specific")
        .and_then(|d| d.get("severity"))
        .and_then(Value::as_str)
        .and_then(Severity::parse);
    let mut advisories: Vec<Advisory> = Vec::new();
    for (index, entry) in affected.iter().enumerate() {
        let place = format!("{location} {id}: affected[{index}]");
        let Some(entry) = entry.as_object() else {
            records.warnings.push(format!("{place}: not an object"));
            continue;
        };
        let package = entry.get("package");
        let ecosystem = text(package.and_then(|p| p.get("ecosystem")));
        let name = text(package.and_then(|p| p.get("name")));
        if ecosystem.is_empty() || name.is_empty() {
            // OSV allows a package-less entry with only GIT ranges.
            let ranges = entry.get("ranges").and_then(Value::as_array);
            let git_ranges = ranges.map_or(0, |ranges| {
                ranges
                    .iter()
                    .filter(|range| range.get("type").and_then(Value::as_str) == Some("GIT"))
                    .count()
            });
            if git_ranges > 0 && ranges.map_or(0, Vec::len) == git_ranges {
                records.git_ranges_ignored += git_ranges;
            } else {
                records
                    .warnings
                    .push(format!("{place}: no package ecosystem or name"));
            }
            continue;
        }
        let entry_cvss = severity_vectors(entry.get("severity"));
        let mut entry_rating = rating_of(entry);
        if let Some(vector) = entry
            .get("database_specific")
            .and_then(|d| d.get("cvss"))
            .and_then(Value::as_str)
        {
            cvss.push(score::cvss("CVSS_V3", vector));
        }
        if entry_rating.is_none() {
            entry_rating =
                Some(score::severity_of(&entry_cvss)).filter(|s| *s != Severity::Unknown);
        }
        rating = rating.or(entry_rating);
        cvss.extend(entry_cvss);

        let mut ranges = Vec::new();
        for (range_index, range) in entry
            .get("ranges")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            match text(range.get("type")).as_str() {
                "GIT" => records.git_ranges_ignored += 1,
                "ECOSYSTEM" | "SEMVER" => match events(range.get("events")) {
                    Ok(events) if !events.is_empty() => ranges.push(Range { events }),
                    Ok(_) => {}
                    Err(message) => records
                        .warnings
                        .push(format!("{place}: ranges[{range_index}]: {message}")),
                },
                other => records.warnings.push(format!(
                    "{place}: ranges[{range_index}]: unknown range type {other:?}"
                )),
            }
        }
        let versions = strings(entry.get("versions"));
        if ranges.is_empty() && versions.is_empty() {
            continue;
        }
        let namespace = namespace::of_ecosystem(&ecosystem);
        let package = namespace::package_name(&namespace, &name);
        let severity = entry_rating.unwrap_or_default();
        match advisories
            .iter_mut()
            .find(|a| a.namespace == namespace && a.package == package)
        {
            Some(existing) => {
                existing.ranges.extend(ranges);
                existing.versions.extend(versions);
                existing.severity = existing.severity.max(severity);
            }
            None => advisories.push(Advisory {
                namespace,
                package,
                vulnerability_id: id.clone(),
                ranges,
                versions,
                status: FixState::Affected,
                severity,
                data_source: super::Format::Osv.as_str().to_owned(),
            }),
        }
    }
    for advisory in &mut advisories {
        if !advisory.fixed_versions().is_empty() {
            advisory.status = FixState::Fixed;
        }
    }

    let mut aliases = strings(map.get("aliases"));
    for upstream in strings(map.get("upstream")) {
        if !aliases.contains(&upstream) && upstream != id {
            aliases.push(upstream);
        }
    }
    let severity = match score::severity_of(&cvss) {
        Severity::Unknown => rating.unwrap_or_default(),
        scored => scored,
    };
    records.vulnerabilities.push(Vulnerability {
        id,
        aliases,
        title: text(map.get("summary")),
        description: text(map.get("details")),
        severity,
        cvss,
        references: references(&map),
        published: map
            .get("published")
            .and_then(Value::as_str)
            .map(str::to_owned),
        modified: map
            .get("modified")
            .and_then(Value::as_str)
            .map(str::to_owned),
        data_source: super::Format::Osv.as_str().to_owned(),
    });
    records.advisories.extend(advisories);
}

/// `severity[]` entries with CVSS vectors.
fn severity_vectors(value: Option<&Value>) -> Vec<Cvss> {
    value
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|entry| {
            let kind = entry.get("type")?.as_str()?;
            let vector = entry.get("score")?.as_str()?;
            kind.starts_with("CVSS").then(|| score::cvss(kind, vector))
        })
        .collect()
}

/// A rating word in `database_specific`, `ecosystem_specific` or an
/// `Ubuntu`-type `severity[]` entry.
fn rating_of(entry: &Map<String, Value>) -> Option<Severity> {
    let word = |key: &str| {
        entry
            .get(key)
            .and_then(|d| d.get("severity"))
            .and_then(Value::as_str)
            .and_then(Severity::parse)
    };
    word("database_specific")
        .or_else(|| word("ecosystem_specific"))
        .or_else(|| {
            entry
                .get("severity")
                .and_then(Value::as_array)?
                .iter()
                .filter(|s| s.get("type").and_then(Value::as_str) == Some("Ubuntu"))
                .find_map(|s| {
                    s.get("score")
                        .and_then(Value::as_str)
                        .and_then(Severity::parse)
                })
        })
}

/// A range's events; each event object must have exactly one known key.
fn events(value: Option<&Value>) -> std::result::Result<Vec<Event>, String> {
    let Some(items) = value.and_then(Value::as_array) else {
        return Err("no events".to_owned());
    };
    let mut events = Vec::with_capacity(items.len());
    for item in items {
        let Some(object) = item.as_object().filter(|o| o.len() == 1) else {
            return Err("an event must have exactly one key".to_owned());
        };
        let Some((key, version)) = object.iter().next() else {
            continue;
        };
        let Some(version) = version.as_str().map(str::to_owned) else {
            return Err(format!("event {key} is not a string"));
        };
        events.push(match key.as_str() {
            "introduced" => Event::Introduced(version),
            "fixed" => Event::Fixed(version),
            "last_affected" => Event::LastAffected(version),
            "limit" => Event::Limit(version),
            other => return Err(format!("unknown event {other:?}")),
        });
    }
    Ok(events)
}

/// Reference URLs, advisories first (the first is a finding's primary
/// URL).
fn references(map: &Map<String, Value>) -> Vec<String> {
    let mut refs: Vec<(bool, String)> = map
        .get("references")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| {
            let url = r.get("url")?.as_str()?.to_owned();
            let advisory = r.get("type").and_then(Value::as_str) == Some("ADVISORY");
            Some((!advisory, url))
        })
        .collect();
    // Stable: advisories keep their order, then the rest keep theirs.
    refs.sort_by_key(|(not_advisory, _)| *not_advisory);
    let mut urls: Vec<String> = Vec::with_capacity(refs.len());
    for (_, url) in refs {
        if !urls.contains(&url) {
            urls.push(url);
        }
    }
    urls
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"{
      "id": "GHSA-test-0001", "modified": "2024-01-02T00:00:00Z",
      "aliases": ["CVE-2024-0001"], "summary": "bad thing",
      "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
      "affected": [
        {"package": {"ecosystem": "PyPI", "name": "Foo_Bar"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "1.2"}]},
                    {"type": "GIT", "repo": "x", "events": [{"introduced": "abc"}]}],
         "versions": ["1.0", "1.1"]},
        {"package": {"ecosystem": "Go", "name": "example.com/mod"},
         "ranges": [{"type": "GIT", "repo": "x", "events": [{"introduced": "0"}]}]}
      ],
      "references": [{"type": "WEB", "url": "https://w"}, {"type": "ADVISORY", "url": "https://a"}]
    }"#;

    #[test]
    fn a_record_gives_its_advisories_and_details() {
        let records = parse(RECORD.as_bytes()).expect("parses");
        assert_eq!(records.advisories.len(), 1, "{:?}", records.advisories);
        let advisory = &records.advisories[0];
        assert_eq!(advisory.namespace, "pypi");
        assert_eq!(advisory.package, "foo-bar");
        assert_eq!(advisory.status, FixState::Fixed);
        assert_eq!(advisory.fixed_versions(), ["1.2"]);
        assert_eq!(advisory.versions, ["1.0", "1.1"]);
        assert_eq!(records.git_ranges_ignored, 2);
        let vulnerability = &records.vulnerabilities[0];
        assert_eq!(vulnerability.severity, Severity::Critical);
        assert_eq!(vulnerability.references, ["https://a", "https://w"]);
        assert_eq!(vulnerability.aliases, ["CVE-2024-0001"]);
    }

    #[test]
    fn withdrawn_records_are_skipped() {
        let text = RECORD.replacen(
            "\"modified\"",
            "\"withdrawn\": \"2024-02-01T00:00:00Z\", \"modified\"",
            1,
        );
        let records = parse(text.as_bytes()).expect("parses");
        assert!(records.advisories.is_empty());
        assert_eq!(records.withdrawn_skipped, 1);
    }

    #[test]
    fn a_bad_event_is_a_warning_not_an_error() {
        let text = r#"[{"id": "X-1", "modified": "m", "affected": [
            {"package": {"ecosystem": "npm", "name": "a"},
             "ranges": [{"type": "SEMVER", "events": [{"introduced": "0", "fixed": "1"}]}]}]},
            {"id": "X-2", "modified": "m", "database_specific": {"severity": "MODERATE"}, "affected": [
            {"package": {"ecosystem": "npm", "name": "b"},
             "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"last_affected": "2.0.0"}]}]}]}]"#;
        let records = parse(text.as_bytes()).expect("parses");
        assert_eq!(records.warnings.len(), 1, "{:?}", records.warnings);
        assert!(
            records.warnings[0].contains("X-1"),
            "{:?}",
            records.warnings
        );
        assert_eq!(records.advisories.len(), 1);
        assert_eq!(records.advisories[0].status, FixState::Affected);
        assert_eq!(records.vulnerabilities[1].severity, Severity::Medium);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(b"{not json").is_err());
        assert!(parse(b"{\"a\": 1}").is_err());
        assert!(parse(b"[1, 2]").is_ok_and(|r| r.warnings.len() == 2));
    }
}
