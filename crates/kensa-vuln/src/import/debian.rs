//! The Debian security tracker's JSON
//! (`security-tracker.debian.org/tracker/data/json`):
//! `{source package: {CVE: {description, releases: {codename: {status,
//! fixed_version, urgency, nodsa, nodsa_reason}}}}}`.
//!
//! Codenames map to namespaces by a built-in table (bookworm `debian:12`,
//! trixie `debian:13`, sid `debian:unstable`, ...); releases with other
//! names (experimental) are skipped. Per release:
//!
//! | tracker | fix state |
//! |---|---|
//! | `fixed_version: "0"` (any status) | not_affected |
//! | `resolved` with a version | fixed (affected below it) |
//! | `open` with a version | fixed (the release has the fix queued) |
//! | `open`, urgency `end-of-life` | end_of_life |
//! | `open`, `nodsa_reason: postponed` | fix_deferred |
//! | `open`, `nodsa_reason: ignored` | will_not_fix |
//! | `open` otherwise | affected (every version) |
//! | `undetermined` | unknown (every version) |
//! | `resolved` without a version | skipped (nothing to compare with) |
//!
//! Severity from urgency (a trailing `**`, NVD-derived, is dropped):
//! `unimportant` and `low` LOW, `medium` MEDIUM, `high` HIGH;
//! `not yet assigned`, `end-of-life` and the rest UNKNOWN.

use super::{Records, text};
use crate::error::{Error, Result};
use crate::model::{Advisory, FixState, Range, Severity, Vulnerability};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};

/// The data source name.
pub const DATA_SOURCE: &str = "debian-tracker";

/// Debian release codenames and the version they key by.
pub const CODENAMES: &[(&str, &str)] = &[
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
    ("sid", "unstable"),
    ("unstable", "unstable"),
];

/// Whether a package entry looks like the tracker's: an object of
/// objects keyed like vulnerability IDs.
fn looks_like_package(package: &Value) -> bool {
    package.as_object().is_some_and(|cves| {
        cves.iter().take(8).all(|(id, record)| {
            record.is_object()
                && id.contains('-')
                && id.starts_with(|c: char| c.is_ascii_uppercase())
        })
    })
}

/// Whether a JSON object looks like the tracker's: its values are objects
/// of objects keyed like vulnerability IDs.
pub(crate) fn looks_like(map: &Map<String, Value>) -> bool {
    let mut entries = map.values().take(8).peekable();
    entries.peek().is_some() && entries.all(looks_like_package)
}

/// [`looks_like`] over a top-level object whose values are not parsed
/// yet (the tracker is tens of megabytes: only a few entries are read).
pub(crate) fn looks_like_raw(map: &BTreeMap<String, &RawValue>) -> bool {
    let mut entries = map.values().take(8).peekable();
    entries.peek().is_some()
        && entries.all(|raw| {
            serde_json::from_str::<Value>(raw.get())
                .is_ok_and(|package| looks_like_package(&package))
        })
}

/// Parses the tracker's JSON, one source package at a time.
pub fn parse(bytes: &[u8]) -> Result<Records> {
    let map: BTreeMap<String, &RawValue> = serde_json::from_slice(bytes).map_err(|e| {
        Error::parse(
            format!("line {}", e.line()),
            format!("not a Debian security-tracker file: {e}"),
        )
    })?;
    if !looks_like_raw(&map) {
        return Err(Error::parse("", "not a Debian security-tracker file"));
    }
    Ok(from_raw(map))
}

/// Reads a top-level object whose package entries are parsed one by one,
/// so that memory holds the file and one package, not the whole tree.
pub(crate) fn from_raw(map: BTreeMap<String, &RawValue>) -> Records {
    let mut reader = Reader::default();
    for (package, raw) in map {
        match serde_json::from_str::<Value>(raw.get()) {
            Ok(cves) => reader.package(&package, &cves),
            Err(e) => reader.records.warnings.push(format!("{package}: {e}")),
        }
    }
    reader.records
}

/// Reads already parsed tracker JSON; entries of the wrong shape become
/// warnings.
pub(crate) fn from_json(value: Value) -> Records {
    let mut reader = Reader::default();
    let Value::Object(packages) = value else {
        reader.records.warnings.push("not a JSON object".to_owned());
        return reader.records;
    };
    for (package, cves) in &packages {
        reader.package(package, cves);
    }
    reader.records
}

/// Records read so far, and the IDs already described.
#[derive(Default)]
struct Reader {
    records: Records,
    described: HashSet<String>,
}

impl Reader {
    fn package(&mut self, package: &str, cves: &Value) {
        let records = &mut self.records;
        let Some(cves) = cves.as_object() else {
            records.warnings.push(format!("{package}: not an object"));
            return;
        };
        for (id, record) in cves {
            let place = format!("{package} {id}");
            let releases = match record.get("releases") {
                Some(Value::Object(releases)) => releases,
                // The tracker writes `[]` for a CVE with no release data.
                Some(Value::Array(items)) if items.is_empty() => continue,
                _ => {
                    records
                        .warnings
                        .push(format!("{place}: releases is not an object"));
                    continue;
                }
            };
            for (codename, release) in releases {
                let Some((_, version)) = CODENAMES.iter().find(|(name, _)| name == codename) else {
                    continue;
                };
                let Some(release) = release.as_object() else {
                    records
                        .warnings
                        .push(format!("{place} {codename}: not an object"));
                    continue;
                };
                let Some((ranges, status)) = state(release) else {
                    continue;
                };
                records.advisories.push(Advisory {
                    namespace: format!("debian:{version}"),
                    package: package.to_owned(),
                    vulnerability_id: id.clone(),
                    ranges,
                    versions: Vec::new(),
                    status,
                    severity: urgency(&text(release.get("urgency"))),
                    data_source: DATA_SOURCE.to_owned(),
                });
            }
            if self.described.insert(id.clone()) {
                records.vulnerabilities.push(Vulnerability {
                    id: id.clone(),
                    description: text(record.get("description")),
                    references: vec![format!("https://security-tracker.debian.org/tracker/{id}")],
                    data_source: DATA_SOURCE.to_owned(),
                    ..Default::default()
                });
            }
        }
    }
}

/// A release entry's ranges and fix state (`None`: nothing to record).
fn state(release: &Map<String, Value>) -> Option<(Vec<Range>, FixState)> {
    let status = text(release.get("status"));
    let fixed = text(release.get("fixed_version"));
    let fixed = fixed.trim();
    if fixed == "0" {
        return Some((Vec::new(), FixState::NotAffected));
    }
    if !fixed.is_empty() && status != "undetermined" {
        return Some((vec![Range::fixed_in(fixed)], FixState::Fixed));
    }
    match status.as_str() {
        "open" => {
            let urgency = text(release.get("urgency"));
            let reason = text(release.get("nodsa_reason"));
            let state = if urgency.trim_end_matches('*') == "end-of-life" {
                FixState::EndOfLife
            } else if reason == "postponed" {
                FixState::FixDeferred
            } else if reason == "ignored" {
                FixState::WillNotFix
            } else {
                FixState::Affected
            };
            Some((Vec::new(), state))
        }
        "undetermined" => Some((Vec::new(), FixState::Unknown)),
        _ => None,
    }
}

/// The severity of a tracker urgency.
pub fn urgency(urgency: &str) -> Severity {
    match urgency.trim().trim_end_matches('*') {
        "unimportant" | "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        _ => Severity::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_states_map_to_fix_states() {
        let json = br#"{"openssl": {"CVE-2024-1": {"description": "d", "releases": {
            "bookworm": {"status": "resolved", "fixed_version": "3.0.13-1~deb12u1", "urgency": "medium**"},
            "bullseye": {"status": "open", "urgency": "low", "nodsa": "Minor", "nodsa_reason": "postponed"},
            "buster": {"status": "open", "urgency": "end-of-life"},
            "stretch": {"status": "open", "urgency": "low", "nodsa_reason": "ignored"},
            "trixie": {"status": "resolved", "fixed_version": "0", "urgency": "unimportant"},
            "sid": {"status": "undetermined", "urgency": "not yet assigned"},
            "experimental": {"status": "open"}}}}}"#;
        let records = parse(json).expect("parses");
        let state = |ns: &str| {
            records
                .advisories
                .iter()
                .find(|a| a.namespace == ns)
                .map(|a| (a.status, a.severity, a.fixed_versions()))
        };
        assert_eq!(
            state("debian:12"),
            Some((
                FixState::Fixed,
                Severity::Medium,
                vec!["3.0.13-1~deb12u1".to_owned()]
            ))
        );
        assert_eq!(state("debian:11").map(|s| s.0), Some(FixState::FixDeferred));
        assert_eq!(state("debian:10").map(|s| s.0), Some(FixState::EndOfLife));
        assert_eq!(state("debian:9").map(|s| s.0), Some(FixState::WillNotFix));
        assert_eq!(
            state("debian:13").map(|s| (s.0, s.1)),
            Some((FixState::NotAffected, Severity::Low))
        );
        assert_eq!(
            state("debian:unstable").map(|s| (s.0, s.1)),
            Some((FixState::Unknown, Severity::Unknown))
        );
        assert_eq!(records.advisories.len(), 6);
        assert_eq!(records.vulnerabilities.len(), 1);
    }

    #[test]
    fn a_bad_release_is_a_warning() {
        let json =
            br#"{"a": {"CVE-1-1": {"releases": {"bookworm": 3}}, "CVE-1-2": {"releases": 5}}}"#;
        let records = parse(json).expect("parses");
        assert_eq!(records.warnings.len(), 2, "{:?}", records.warnings);
        assert!(parse(b"[]").is_err());
        assert!(parse(b"{\"a\": 1}").is_err());
    }
}
