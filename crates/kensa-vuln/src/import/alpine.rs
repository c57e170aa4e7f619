//! Alpine, Wolfi and Chainguard security databases ("secdb"), JSON or
//! YAML:
//!
//! ```yaml
//! distroversion: v3.10        # absent or empty for Wolfi and Chainguard
//! reponame: main
//! apkurl: "{{urlprefix}}/..."  # names wolfi / chainguard for those
//! packages:
//!   - pkg:
//!       name: openssl          # the origin (source) package
//!       secfixes:
//!         1.1.1d-r0: [CVE-2019-1547, "CVE-2019-1549 CVE-2019-1563"]
//!         "0": [CVE-2000-1]    # never affected
//! ```
//!
//! Each ID under a version gives a [`FixState::Fixed`] advisory "affected
//! below that version"; under `0` a [`FixState::NotAffected`] one. An ID
//! listed under several versions keeps the lowest (the first fix). An
//! entry may hold several IDs separated by spaces and comments in
//! parentheses; every word that looks like an ID (`CVE-`, `GHSA-`, ...)
//! is taken. Secdb has no severities.

use super::{Records, text};
use crate::error::{Error, Result};
use crate::model::{Advisory, FixState, Range, Vulnerability};
use crate::version::Scheme;
use serde_json::Value;
use std::cmp::Ordering;

/// Parses a secdb (JSON or YAML). `namespace` names the distribution of a
/// secdb without `distroversion` (`wolfi`, `chainguard`); without it one
/// is told from `apkurl`, or the parse fails.
pub fn parse(bytes: &[u8], namespace: Option<&str>) -> Result<Records> {
    parse_with(bytes, namespace)?.ok_or_else(|| {
        Error::parse(
            "",
            "the secdb names no distroversion; pass its namespace (wolfi or chainguard)",
        )
    })
}

/// As [`parse`], with `None` when the namespace cannot be told.
pub(crate) fn parse_with(bytes: &[u8], namespace: Option<&str>) -> Result<Option<Records>> {
    let starts_like_json = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    let value: Value = if starts_like_json {
        serde_json::from_slice(bytes)
            .map_err(|e| Error::parse(format!("line {}", e.line()), e.to_string()))?
    } else {
        serde_saphyr::from_slice(bytes).map_err(|e| Error::parse("", e.to_string()))?
    };
    from_json(value, namespace)
}

/// Reads an already parsed secdb; `None` when the namespace cannot be
/// told.
pub(crate) fn from_json(value: Value, namespace: Option<&str>) -> Result<Option<Records>> {
    let Value::Object(map) = value else {
        return Err(Error::parse("", "a secdb is a mapping"));
    };
    let packages = match map.get("packages") {
        Some(Value::Array(packages)) => packages.as_slice(),
        // A release with no fixes yet writes `packages:` and nothing.
        Some(Value::Null) => &[],
        _ => return Err(Error::parse("", "no packages list")),
    };
    let distroversion = text(map.get("distroversion"));
    let apkurl = text(map.get("apkurl")).to_ascii_lowercase();
    let namespace = match namespace {
        Some(given) => given.trim().to_ascii_lowercase(),
        None if !distroversion.trim().is_empty() => {
            format!("alpine:{}", distroversion.trim().trim_start_matches('v'))
        }
        None if apkurl.contains("wolfi") => "wolfi".to_owned(),
        None if apkurl.contains("chainguard") || apkurl.contains("cgr.dev") => {
            "chainguard".to_owned()
        }
        None => return Ok(None),
    };
    let distribution = namespace.split(':').next().unwrap_or("alpine");
    let data_source = format!("{distribution}-secdb");

    let mut records = Records::default();
    for (index, entry) in packages.iter().enumerate() {
        let place = format!("packages[{index}]");
        let pkg = entry.get("pkg");
        let name = text(pkg.and_then(|p| p.get("name")));
        if name.is_empty() {
            records.warnings.push(format!("{place}: no pkg.name"));
            continue;
        }
        let secfixes = match pkg.and_then(|p| p.get("secfixes")) {
            None | Some(Value::Null) => continue,
            Some(Value::Object(secfixes)) => secfixes,
            Some(_) => {
                records
                    .warnings
                    .push(format!("{place} ({name}): secfixes is not a mapping"));
                continue;
            }
        };
        // (id, lowest fixed version, or None for "never affected").
        let mut fixes: Vec<(String, Option<String>)> = Vec::new();
        for (version, ids) in secfixes {
            let version = version.trim();
            let ids: Vec<String> = match ids {
                Value::Array(items) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .flat_map(ids_in)
                    .collect(),
                Value::String(one) => ids_in(one),
                // `{}` and null: a version with nothing listed.
                _ => Vec::new(),
            };
            let fixed = (version != "0").then(|| version.to_owned());
            for id in ids {
                match fixes.iter_mut().find(|(known, _)| *known == id) {
                    Some((_, kept)) => *kept = lower_fix(kept.take(), fixed.clone()),
                    None => fixes.push((id, fixed.clone())),
                }
            }
        }
        for (id, fixed) in fixes {
            let (ranges, status) = match &fixed {
                Some(version) => (vec![Range::fixed_in(version)], FixState::Fixed),
                None => (Vec::new(), FixState::NotAffected),
            };
            records.advisories.push(Advisory {
                namespace: namespace.clone(),
                package: name.clone(),
                vulnerability_id: id.clone(),
                ranges,
                versions: Vec::new(),
                status,
                severity: Default::default(),
                data_source: data_source.clone(),
            });
            records.vulnerabilities.push(Vulnerability {
                id,
                data_source: data_source.clone(),
                ..Default::default()
            });
        }
    }
    Ok(Some(records))
}

/// The first fix of two; "not affected" (`None`) only when both say so.
fn lower_fix(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if Scheme::Apk.compare(&a, &b) == Ordering::Greater {
            b
        } else {
            a
        }),
        (Some(a), None) => Some(a),
        (None, b) => b,
    }
}

/// The IDs in one secfixes entry: words like `CVE-2019-1`, `GHSA-...`,
/// `XSA-123`, with punctuation around them dropped.
fn ids_in(entry: &str) -> Vec<String> {
    entry
        .split_whitespace()
        .map(|word| word.trim_matches(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|word| {
            let Some((prefix, rest)) = word.split_once('-') else {
                return false;
            };
            !prefix.is_empty()
                && prefix.chars().all(|c| c.is_ascii_uppercase())
                && rest.starts_with(|c: char| c.is_ascii_alphanumeric())
        })
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_ids_and_not_affected_entries() {
        let yaml = "distroversion: v3.19\nreponame: main\npackages:\n  - pkg:\n      name: openssl\n      secfixes:\n        1.1.1d-r0:\n          - CVE-2019-1547\n          - CVE-2019-1549 CVE-2019-1563 (fixed upstream)\n        1.1.1c-r0:\n          - CVE-2019-1549\n        \"0\":\n          - CVE-2000-1\n  - pkg:\n      secfixes: {}\n";
        let records = parse(yaml.as_bytes(), None).expect("parses");
        assert_eq!(records.warnings.len(), 1, "{:?}", records.warnings);
        let find = |id: &str| {
            records
                .advisories
                .iter()
                .find(|a| a.vulnerability_id == id)
                .unwrap_or_else(|| panic!("{id} in {:?}", records.advisories))
        };
        assert_eq!(find("CVE-2019-1547").namespace, "alpine:3.19");
        assert_eq!(find("CVE-2019-1563").fixed_versions(), ["1.1.1d-r0"]);
        assert_eq!(find("CVE-2019-1549").fixed_versions(), ["1.1.1c-r0"]);
        assert_eq!(find("CVE-2000-1").status, FixState::NotAffected);
        assert_eq!(records.advisories.len(), 4);
    }

    #[test]
    fn wolfi_is_told_from_apkurl_or_given() {
        let json =
            br#"{"apkurl": "{{urlprefix}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk",
            "urlprefix": "https://packages.wolfi.dev", "packages": [
            {"pkg": {"name": "glibc", "secfixes": {"2.38-r1": ["CVE-2023-4911"]}}}]}"#;
        assert!(parse(json, None).is_err(), "no wolfi in apkurl itself");
        let records = parse(json, Some("wolfi")).expect("parses");
        assert_eq!(records.advisories[0].namespace, "wolfi");
        let told =
            String::from_utf8_lossy(json).replace("{{urlprefix}}", "https://packages.wolfi.dev/os");
        let records = parse(told.as_bytes(), None).expect("parses");
        assert_eq!(records.advisories[0].namespace, "wolfi");
        assert_eq!(records.advisories[0].data_source, "wolfi-secdb");
    }

    #[test]
    fn not_a_secdb_is_an_error() {
        assert!(parse(b"- a\n- b\n", None).is_err());
        assert!(parse(b"{\"distroversion\": \"v3.1\"}", None).is_err());
        assert!(parse(b"distroversion: [\n", None).is_err());
    }
}
