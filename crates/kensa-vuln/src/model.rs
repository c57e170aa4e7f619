//! The records the importers produce, the database stores and the matcher
//! reads.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How severe a vulnerability is, in the four-level scale scanners share.
/// Ordered: `Unknown < Low < Medium < High < Critical`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    /// Not rated.
    #[default]
    Unknown,
    /// Low.
    Low,
    /// Medium (GitHub's "moderate").
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Unknown,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The upper-case name (`UNKNOWN`, `LOW`, ...), as Trivy prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "UNKNOWN",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }

    /// Reads a severity name in any case; `moderate` is medium, `important`
    /// (Red Hat) high, `negligible` low. `None` for anything else.
    pub fn parse(text: &str) -> Option<Severity> {
        match text.trim().to_ascii_lowercase().as_str() {
            "unknown" | "none" | "not yet assigned" => Some(Severity::Unknown),
            "low" | "negligible" | "unimportant" => Some(Severity::Low),
            "medium" | "moderate" => Some(Severity::Medium),
            "high" | "important" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether and how a vulnerability is fixed for a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FixState {
    /// A fixed version exists.
    Fixed,
    /// Affected, no fix yet.
    Affected,
    /// The distribution will not fix it (Debian `<ignored>`).
    WillNotFix,
    /// The fix is postponed to a later point release (Debian `<postponed>`).
    FixDeferred,
    /// The release is out of support for this package.
    EndOfLife,
    /// Not affected (not a finding).
    NotAffected,
    /// The source does not say.
    #[default]
    Unknown,
}

impl FixState {
    /// The snake-case name used in reports (`fixed`, `will_not_fix`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            FixState::Fixed => "fixed",
            FixState::Affected => "affected",
            FixState::WillNotFix => "will_not_fix",
            FixState::FixDeferred => "fix_deferred",
            FixState::EndOfLife => "end_of_life",
            FixState::NotAffected => "not_affected",
            FixState::Unknown => "unknown",
        }
    }

    /// Reads the snake-case name.
    pub fn parse(text: &str) -> Option<FixState> {
        [
            FixState::Fixed,
            FixState::Affected,
            FixState::WillNotFix,
            FixState::FixDeferred,
            FixState::EndOfLife,
            FixState::NotAffected,
            FixState::Unknown,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

impl fmt::Display for FixState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One OSV range event. Versions are in the ecosystem's own syntax; `"0"`
/// as `Introduced` means "since the first version".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Affected from this version on.
    Introduced(String),
    /// Not affected from this version on.
    Fixed(String),
    /// Affected up to and including this version.
    LastAffected(String),
    /// Not affected from this version on, and no fix known.
    Limit(String),
}

/// A list of events read as OSV does: sorted by the ecosystem's order,
/// each `Introduced` opens an affected interval, the next `Fixed`,
/// `LastAffected` or `Limit` closes it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Range {
    /// The events, as the source lists them.
    pub events: Vec<Event>,
}

impl Range {
    /// "Every version before `fixed`", the one range secdb and tracker
    /// advisories have.
    pub fn fixed_in(fixed: &str) -> Range {
        Range {
            events: vec![
                Event::Introduced("0".to_owned()),
                Event::Fixed(fixed.to_owned()),
            ],
        }
    }
}

/// What one source says about one vulnerability in one package of one
/// namespace (a distribution release or a language ecosystem).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Advisory {
    /// `debian:12`, `alpine:3.19`, `wolfi`, `go`, `pypi`, ...
    /// (see [`crate::namespace`]).
    pub namespace: String,
    /// The package as the namespace names it: the source package for
    /// distributions, the normalised name for language ecosystems.
    pub package: String,
    /// The vulnerability (CVE, GHSA, GO-..., ...).
    pub vulnerability_id: String,
    /// Affected ranges. With no ranges and no versions every version is
    /// affected (an open distribution advisory).
    pub ranges: Vec<Range>,
    /// Affected versions listed one by one.
    pub versions: Vec<String>,
    /// The state for an affected version: [`FixState::Fixed`] when ranges
    /// carry fixes, [`FixState::NotAffected`] when no version is affected.
    pub status: FixState,
    /// The source's own rating for this package (Debian urgency), if any.
    pub severity: Severity,
    /// The data source (`osv`, `alpine-secdb`, `debian-tracker`, ...).
    pub data_source: String,
}

impl Advisory {
    /// Every fixed version its ranges name.
    pub fn fixed_versions(&self) -> Vec<String> {
        self.ranges
            .iter()
            .flat_map(|range| &range.events)
            .filter_map(|event| match event {
                Event::Fixed(version) => Some(version.clone()),
                _ => None,
            })
            .collect()
    }
}

/// A CVSS vector and the base score computed from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cvss {
    /// `CVSS_V3`, `CVSS_V4`, `CVSS_V2`.
    pub kind: String,
    /// The vector as given.
    pub vector: String,
    /// Its base score, when kensa could compute it.
    pub score: Option<f64>,
}

/// What is known about a vulnerability, whatever package it affects.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Vulnerability {
    /// Its ID.
    pub id: String,
    /// Other IDs for the same vulnerability (CVE for a GHSA, ...).
    pub aliases: Vec<String>,
    /// A one-line summary.
    pub title: String,
    /// The longer description.
    pub description: String,
    /// The overall severity (from CVSS or the source's rating).
    pub severity: Severity,
    /// CVSS vectors and scores.
    pub cvss: Vec<Cvss>,
    /// Reference URLs, advisories first.
    pub references: Vec<String>,
    /// When it was published (RFC 3339), if known.
    pub published: Option<String>,
    /// When it was last modified (RFC 3339), if known.
    pub modified: Option<String>,
    /// The data source it came from.
    pub data_source: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_serialise_as_reports_print_them() {
        for severity in Severity::ALL {
            assert_eq!(Severity::parse(severity.as_str()), Some(severity));
            let json = serde_json::to_string(&severity).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", severity.as_str()));
        }
        for state in [
            FixState::Fixed,
            FixState::WillNotFix,
            FixState::FixDeferred,
            FixState::EndOfLife,
        ] {
            assert_eq!(FixState::parse(state.as_str()), Some(state));
            let json = serde_json::to_string(&state).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", state.as_str()));
        }
        assert_eq!(Severity::parse("Moderate"), Some(Severity::Medium));
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Unknown);
    }
}
