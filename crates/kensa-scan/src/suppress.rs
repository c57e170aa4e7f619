//! Suppressions: findings a team has decided to accept.
//!
//! Two sources, both naming checks by kensa id or any alias:
//!
//! - the annotation `kensa.dev/ignore` on the object or on its pod template,
//!   a comma-separated list of `ID` or `ID=reason`:
//!   `kensa.dev/ignore: "KSV-0001,KSV-0012=runs as root until #123 lands"`;
//! - an ignore file (`.kensaignore.yaml`) with entries of `id`, optional
//!   `paths` (globs over the file path: `*` within a segment, `**` across
//!   segments, `?`), `reason` and `expires` (`YYYY-MM-DD`; an expired entry
//!   no longer suppresses, and the scan warns about it). Trivy's
//!   `.trivyignore.yaml` key names (`misconfigurations`, `statement`,
//!   `expired_at`) are accepted too, to ease migration.

use serde::Deserialize;

use crate::check::Check;
use crate::error::{Error, Result};
use kensa_k8s::Object;

/// The annotation that suppresses checks on one object.
pub const ANNOTATION: &str = "kensa.dev/ignore";

/// Why a finding was suppressed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "by", rename_all = "camelCase")]
pub enum Suppression {
    /// The `kensa.dev/ignore` annotation.
    Annotation {
        /// The reason given after `=`, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// An ignore-file entry.
    IgnoreFile {
        /// The ignore file.
        file: String,
        /// The entry's reason, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// The entry's expiry, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        expires: Option<String>,
    },
}

impl Suppression {
    /// A one-line description, e.g. `annotation kensa.dev/ignore: reason`.
    pub fn describe(&self) -> String {
        match self {
            Suppression::Annotation { reason } => match reason {
                Some(reason) => format!("{ANNOTATION} annotation: {reason}"),
                None => format!("{ANNOTATION} annotation"),
            },
            Suppression::IgnoreFile { file, reason, .. } => match reason {
                Some(reason) => format!("{file}: {reason}"),
                None => file.clone(),
            },
        }
    }
}

/// The checks an object's annotations suppress: `(name, reason)` pairs from
/// the object's own metadata and from its pod template's.
pub fn inline_ignores(object: &Object) -> Vec<(String, Option<String>)> {
    let template = object.pod.as_ref().map(|pod| &pod.metadata);
    [Some(&object.metadata), template]
        .into_iter()
        .flatten()
        .filter_map(|meta| meta.annotations.as_ref()?.get(ANNOTATION))
        .flat_map(|value| parse_annotation(value))
        .collect()
}

/// Parses `KSV-0001,KSV-0012=reason` into `(id, reason)` pairs. Empty items
/// are skipped; a reason runs to the next comma.
pub fn parse_annotation(value: &str) -> Vec<(String, Option<String>)> {
    value
        .split(',')
        .filter_map(|item| {
            let (id, reason) = match item.split_once('=') {
                Some((id, reason)) => (id.trim(), Some(reason.trim().to_owned())),
                None => (item.trim(), None),
            };
            (!id.is_empty()).then(|| (id.to_owned(), reason.filter(|r| !r.is_empty())))
        })
        .collect()
}

/// Whether an object's annotations suppress `check`, and with what reason.
pub fn suppressed_inline(
    ignores: &[(String, Option<String>)],
    check: &Check,
) -> Option<Suppression> {
    ignores
        .iter()
        .find(|(name, _)| check.is_named(name))
        .map(|(_, reason)| Suppression::Annotation {
            reason: reason.clone(),
        })
}

/// A date, for expiries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day, 1 to 31.
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.trim().splitn(3, '-');
        let year = parts.next()?.parse().ok()?;
        let month = parts.next()?.parse().ok()?;
        let day = parts.next()?.get(..2)?.parse().ok()?;
        ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some(Date { year, month, day })
    }

    /// Today in UTC.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days_since_epoch((secs / 86_400) as i64)
    }

    /// The civil date of a day count since 1970-01-01 (proleptic Gregorian).
    pub fn from_days_since_epoch(days: i64) -> Date {
        // Howard Hinnant's days-to-civil algorithm, in eras of 400 years.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One entry of an ignore file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreEntry {
    /// A check id or alias.
    pub id: String,
    /// Path globs; empty means everywhere.
    pub paths: Vec<String>,
    /// Why.
    pub reason: Option<String>,
    /// When the entry stops applying.
    pub expires: Option<Date>,
}

/// A parsed ignore file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreFile {
    /// The file's name, for messages.
    pub source: String,
    /// Its entries, in file order.
    pub entries: Vec<IgnoreEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnoreFile {
    #[serde(default, alias = "misconfigurations")]
    ignores: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: String,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default, alias = "statement")]
    reason: Option<String>,
    #[serde(default, alias = "expired_at")]
    expires: Option<String>,
}

impl IgnoreFile {
    /// Parses an ignore file:
    ///
    /// ```yaml
    /// ignores:
    ///   - id: KSV-0014
    ///     paths: ["deploy/legacy/**"]
    ///     reason: legacy app writes to /var/lib/app; tracked in OPS-42
    ///     expires: 2027-03-31
    /// ```
    pub fn parse(source: &str, text: &str) -> Result<IgnoreFile> {
        let error = |message: String| Error::Parse {
            source_name: source.to_owned(),
            line: 0,
            column: 0,
            message,
        };
        let raw: RawIgnoreFile = if text.trim().is_empty() {
            RawIgnoreFile {
                ignores: Vec::new(),
            }
        } else {
            serde_saphyr::from_str(text).map_err(|e| error(e.to_string()))?
        };
        let mut entries = Vec::with_capacity(raw.ignores.len());
        for (index, entry) in raw.ignores.into_iter().enumerate() {
            let expires = match entry.expires.as_deref() {
                None => None,
                Some(text) => Some(Date::parse(text).ok_or_else(|| {
                    error(format!(
                        "entry {} ({}): expires {text:?} is not a date (YYYY-MM-DD)",
                        index + 1,
                        entry.id
                    ))
                })?),
            };
            entries.push(IgnoreEntry {
                id: entry.id.trim().to_owned(),
                paths: entry.paths,
                reason: entry.reason,
                expires,
            });
        }
        Ok(IgnoreFile {
            source: source.to_owned(),
            entries,
        })
    }

    /// The entry that suppresses `check` on `path` on `today`, if any.
    /// Expired entries never match.
    pub fn matching(&self, check: &Check, path: &str, today: Date) -> Option<Suppression> {
        self.entries
            .iter()
            .filter(|entry| entry.expires.is_none_or(|expires| expires >= today))
            .find(|entry| {
                check.is_named(&entry.id)
                    && (entry.paths.is_empty()
                        || entry.paths.iter().any(|glob| glob_matches(glob, path)))
            })
            .map(|entry| Suppression::IgnoreFile {
                file: self.source.clone(),
                reason: entry.reason.clone(),
                expires: entry.expires.map(|d| d.to_string()),
            })
    }

    /// The entries that have expired by `today`.
    pub fn expired(&self, today: Date) -> impl Iterator<Item = &IgnoreEntry> {
        self.entries
            .iter()
            .filter(move |entry| entry.expires.is_some_and(|expires| expires < today))
    }
}

/// Matches a path against a glob: `*` and `?` stay within a path segment,
/// `**` spans segments. A leading `./` on either side is ignored.
pub fn glob_matches(glob: &str, path: &str) -> bool {
    let glob = glob.strip_prefix("./").unwrap_or(glob);
    let path = path.strip_prefix("./").unwrap_or(path);
    matches_from(glob.as_bytes(), path.as_bytes())
}

fn matches_from(glob: &[u8], path: &[u8]) -> bool {
    match glob {
        [] => path.is_empty(),
        [b'*', b'*', rest @ ..] => {
            let rest = rest.strip_prefix(b"/").unwrap_or(rest);
            (0..=path.len()).any(|i| matches_from(rest, &path[i..]))
        }
        [b'*', rest @ ..] => {
            let segment = path.iter().position(|&b| b == b'/').unwrap_or(path.len());
            (0..=segment).any(|i| matches_from(rest, &path[i..]))
        }
        [b'?', rest @ ..] => {
            path.first().is_some_and(|&b| b != b'/') && matches_from(rest, &path[1..])
        }
        [c, rest @ ..] => path.first() == Some(c) && matches_from(rest, &path[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks;

    #[test]
    fn annotation_lists_ids_with_optional_reasons() {
        assert_eq!(
            parse_annotation("KSV-0001, KSV-0012=runs as root until #123 ,,"),
            [
                ("KSV-0001".to_owned(), None),
                (
                    "KSV-0012".to_owned(),
                    Some("runs as root until #123".to_owned())
                )
            ]
        );
    }

    #[test]
    fn annotations_on_object_and_pod_template_both_count() {
        let objects = crate::testing::objects(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations: {kensa.dev/ignore: "KSV-0001=reviewed"}
spec:
  template:
    metadata:
      annotations: {kensa.dev/ignore: "KSV012"}
    spec:
      containers: [{name: app, image: nginx}]
"#,
        );
        let ignores = inline_ignores(&objects[0]);
        let privesc = checks::by_name("KSV-0001").unwrap();
        assert_eq!(
            suppressed_inline(&ignores, privesc),
            Some(Suppression::Annotation {
                reason: Some("reviewed".to_owned())
            })
        );
        assert_eq!(ignores.len(), 2);
    }

    #[test]
    fn ignore_file_matches_ids_paths_and_expiry() {
        let file = IgnoreFile::parse(
            ".kensaignore.yaml",
            r#"
ignores:
  - id: KSV001
    paths: ["deploy/**/legacy-*.yaml"]
    reason: legacy
    expires: 2027-01-31
  - id: container-privilege-escalation
    paths: ["old/*.yaml"]
    expires: 2020-01-01
"#,
        )
        .unwrap();
        let check = checks::by_name("KSV-0001").unwrap();
        let today = Date::parse("2026-11-28").unwrap();
        assert!(
            file.matching(check, "deploy/a/b/legacy-web.yaml", today)
                .is_some()
        );
        assert!(file.matching(check, "deploy/web.yaml", today).is_none());
        assert!(
            file.matching(check, "old/web.yaml", today).is_none(),
            "expired"
        );
        assert_eq!(file.expired(today).count(), 1);
        let later = Date::parse("2027-02-01").unwrap();
        assert!(
            file.matching(check, "deploy/legacy-web.yaml", later)
                .is_none()
        );
    }

    #[test]
    fn trivy_ignore_file_keys_are_accepted() {
        let file = IgnoreFile::parse(
            ".trivyignore.yaml",
            "misconfigurations:\n  - id: KSV-0001\n    statement: accepted\n    expired_at: 2030-01-01\n",
        )
        .unwrap();
        assert_eq!(file.entries[0].reason.as_deref(), Some("accepted"));
    }

    #[test]
    fn bad_ignore_files_are_errors_naming_the_problem() {
        let error = IgnoreFile::parse("x.yaml", "ignores:\n  - id: A\n    expires: soon\n")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("x.yaml") && error.contains("soon"),
            "{error}"
        );
        assert!(IgnoreFile::parse("x.yaml", "ignores:\n  - idd: A\n").is_err());
    }

    #[test]
    fn globs() {
        assert!(glob_matches("*.yaml", "a.yaml"));
        assert!(!glob_matches("*.yaml", "d/a.yaml"));
        assert!(glob_matches("**/*.yaml", "d/e/a.yaml"));
        assert!(glob_matches("**/*.yaml", "a.yaml"));
        assert!(glob_matches("./d/?.yaml", "d/a.yaml"));
        assert!(glob_matches("d/**", "d/x/y"));
    }

    #[test]
    fn civil_dates() {
        assert_eq!(Date::from_days_since_epoch(0).to_string(), "1970-01-01");
        assert_eq!(
            Date::from_days_since_epoch(20_785).to_string(),
            "2026-11-28"
        );
        assert_eq!(
            Date::from_days_since_epoch(11_016).to_string(),
            "2000-02-29"
        );
    }
}
