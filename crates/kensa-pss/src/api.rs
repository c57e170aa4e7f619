//! Levels, versions and namespace policies, as `k8s.io/pod-security-admission/api` defines them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Error;

/// The newest policy version whose checks kensa knows. `latest`, and any newer
/// `v1.N`, evaluate with the checks of this version (as upstream does).
pub const LATEST_MINOR: u32 = 37;

/// Label keys on a namespace.
pub mod labels {
    /// `pod-security.kubernetes.io/enforce`
    pub const ENFORCE_LEVEL: &str = "pod-security.kubernetes.io/enforce";
    /// `pod-security.kubernetes.io/enforce-version`
    pub const ENFORCE_VERSION: &str = "pod-security.kubernetes.io/enforce-version";
    /// `pod-security.kubernetes.io/audit`
    pub const AUDIT_LEVEL: &str = "pod-security.kubernetes.io/audit";
    /// `pod-security.kubernetes.io/audit-version`
    pub const AUDIT_VERSION: &str = "pod-security.kubernetes.io/audit-version";
    /// `pod-security.kubernetes.io/warn`
    pub const WARN_LEVEL: &str = "pod-security.kubernetes.io/warn";
    /// `pod-security.kubernetes.io/warn-version`
    pub const WARN_VERSION: &str = "pod-security.kubernetes.io/warn-version";
}

/// A Pod Security Standards level. Ordered from least to most strict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// No restrictions.
    Privileged,
    /// Prevents known privilege escalations.
    Baseline,
    /// Current pod-hardening best practice.
    Restricted,
}

impl Level {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The upstream message for an invalid level.
pub const INVALID_LEVEL_MESSAGE: &str = "must be one of privileged, baseline, restricted";
/// The upstream message for an invalid version.
pub const INVALID_VERSION_MESSAGE: &str = "must be \"latest\" or \"v1.x\"";

impl FromStr for Level {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "privileged" => Ok(Level::Privileged),
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            _ => Err(Error::InvalidLevel(s.to_owned())),
        }
    }
}

/// A policy version: `latest` or `v1.N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Version {
    /// The newest version known (evaluates as `v1.LATEST_MINOR`).
    #[default]
    Latest,
    /// `v1.N`.
    V1(u32),
}

impl Version {
    /// The minor version whose checks apply: `latest` and anything newer than
    /// kensa knows map to [`LATEST_MINOR`].
    pub fn effective_minor(self) -> u32 {
        match self {
            Version::Latest => LATEST_MINOR,
            Version::V1(minor) => minor.min(LATEST_MINOR),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Latest => f.write_str("latest"),
            Version::V1(minor) => write!(f, "v1.{minor}"),
        }
    }
}

impl FromStr for Version {
    type Err = Error;
    /// Accepts what upstream's `ParseVersion` accepts: `latest` or `^v1\.([0-9]|[1-9][0-9]*)$`.
    fn from_str(s: &str) -> Result<Self, Error> {
        if s == "latest" {
            return Ok(Version::Latest);
        }
        let invalid = || Error::InvalidVersion(s.to_owned());
        let digits = s.strip_prefix("v1.").ok_or_else(invalid)?;
        let canonical = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits.len() == 1 || !digits.starts_with('0'));
        if !canonical {
            return Err(invalid());
        }
        // Numbers too large for u32 are far past any real version: treat them as
        // "newer than known", which is what they mean.
        Ok(Version::V1(digits.parse().unwrap_or(u32::MAX)))
    }
}

impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A level at a version, printed as `restricted:latest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LevelVersion {
    /// The level.
    pub level: Level,
    /// The version.
    pub version: Version,
}

impl LevelVersion {
    /// `privileged:latest`, the API server's default for every mode.
    pub const PRIVILEGED_LATEST: LevelVersion = LevelVersion {
        level: Level::Privileged,
        version: Version::Latest,
    };

    /// Builds a level-version pair.
    pub fn new(level: Level, version: Version) -> Self {
        LevelVersion { level, version }
    }
}

impl fmt::Display for LevelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

/// The policy of a namespace: one level-version per mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Violations reject pods.
    pub enforce: LevelVersion,
    /// Violations are recorded in the audit log.
    pub audit: LevelVersion,
    /// Violations are returned as warnings.
    pub warn: LevelVersion,
}

impl Default for Policy {
    fn default() -> Self {
        Policy::all(LevelVersion::PRIVILEGED_LATEST)
    }
}

impl Policy {
    /// The same level-version for all three modes.
    pub fn all(lv: LevelVersion) -> Self {
        Policy {
            enforce: lv,
            audit: lv,
            warn: lv,
        }
    }

    /// True when every mode is privileged (nothing to evaluate).
    pub fn fully_privileged(&self) -> bool {
        [self.enforce, self.audit, self.warn]
            .iter()
            .all(|lv| lv.level == Level::Privileged)
    }

    /// Equivalent policies evaluate the same way: equal levels, and equal
    /// versions wherever the level is not privileged (upstream `Policy.Equivalent`).
    pub fn equivalent(&self, other: &Policy) -> bool {
        let same = |a: LevelVersion, b: LevelVersion| {
            a.level == b.level && (a.level == Level::Privileged || a.version == b.version)
        };
        same(self.enforce, other.enforce)
            && same(self.audit, other.audit)
            && same(self.warn, other.warn)
    }
}

/// A rejected namespace label, formatted as the API server's field error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelError {
    /// The label key.
    pub label: String,
    /// The rejected value.
    pub value: String,
    /// Why it was rejected.
    pub message: &'static str,
}

impl fmt::Display for LabelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Go's field errors quote the value with strconv.Quote.
        write!(
            f,
            "metadata.labels[{}]: Invalid value: {}: {}",
            self.label,
            crate::checks::go_quote(&self.value),
            self.message
        )
    }
}

/// The effective policy of a namespace from its labels and the configured
/// defaults, with the label errors (upstream `PolicyToEvaluate`).
///
/// A bad enforce level fails closed to `restricted`; bad audit or warn levels
/// fall back to `privileged`; a bad version falls back to `latest`. Warn follows
/// an explicitly set enforce level when warn is not set and is less strict.
pub fn policy_to_evaluate(
    labels: &BTreeMap<String, String>,
    defaults: &Policy,
) -> (Policy, Vec<LabelError>) {
    let mut policy = *defaults;
    let mut errors = Vec::new();
    if labels.is_empty() {
        return (policy, errors);
    }
    let level = |key: &str, target: &mut Level, on_error: Level, errors: &mut Vec<LabelError>| {
        labels.get(key).map(|value| match value.parse() {
            Ok(parsed) => {
                *target = parsed;
                true
            }
            Err(_) => {
                *target = on_error;
                errors.push(LabelError {
                    label: key.to_owned(),
                    value: value.clone(),
                    message: INVALID_LEVEL_MESSAGE,
                });
                false
            }
        })
    };
    let enforce_level_ok = level(
        labels::ENFORCE_LEVEL,
        &mut policy.enforce.level,
        Level::Restricted,
        &mut errors,
    );
    let version = |key: &str, target: &mut Version, errors: &mut Vec<LabelError>| {
        if let Some(value) = labels.get(key) {
            *target = value.parse().unwrap_or_else(|_| {
                errors.push(LabelError {
                    label: key.to_owned(),
                    value: value.clone(),
                    message: INVALID_VERSION_MESSAGE,
                });
                Version::Latest
            });
        }
    };
    version(
        labels::ENFORCE_VERSION,
        &mut policy.enforce.version,
        &mut errors,
    );
    level(
        labels::AUDIT_LEVEL,
        &mut policy.audit.level,
        Level::Privileged,
        &mut errors,
    );
    version(
        labels::AUDIT_VERSION,
        &mut policy.audit.version,
        &mut errors,
    );
    let has_warn_level = level(
        labels::WARN_LEVEL,
        &mut policy.warn.level,
        Level::Privileged,
        &mut errors,
    )
    .is_some();
    let has_warn_version = labels.contains_key(labels::WARN_VERSION);
    version(labels::WARN_VERSION, &mut policy.warn.version, &mut errors);

    if !has_warn_level && enforce_level_ok == Some(true) && policy.enforce.level > policy.warn.level
    {
        policy.warn.level = policy.enforce.level;
        if !has_warn_version {
            policy.warn.version = policy.enforce.version;
        }
    }
    (policy, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions_like_upstream() {
        for ok in ["latest", "v1.0", "v1.1", "v1.20", "v1.10000"] {
            assert_eq!(ok.parse::<Version>().unwrap().to_string(), ok);
        }
        for bad in ["foo", "", "v2.0", "v1", "1.1", "v1.01", "v1.-1", "v1.1a"] {
            assert!(bad.parse::<Version>().is_err(), "{bad}");
        }
    }

    #[test]
    fn versions_newer_than_known_evaluate_as_latest() {
        assert_eq!(Version::V1(99).effective_minor(), LATEST_MINOR);
        assert_eq!(Version::V1(3).effective_minor(), 3);
    }

    #[test]
    fn warn_follows_enforce() {
        let labels = BTreeMap::from([(labels::ENFORCE_LEVEL.to_owned(), "baseline".to_owned())]);
        let (p, errs) = policy_to_evaluate(&labels, &Policy::default());
        assert!(errs.is_empty());
        assert_eq!(p.warn.to_string(), "baseline:latest");
        assert_eq!(p.audit.to_string(), "privileged:latest");
    }

    #[test]
    fn label_error_text() {
        let labels = BTreeMap::from([(labels::ENFORCE_LEVEL.to_owned(), "foo".to_owned())]);
        let (p, errs) = policy_to_evaluate(&labels, &Policy::default());
        assert_eq!(p.enforce.level, Level::Restricted);
        assert_eq!(
            errs[0].to_string(),
            "metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"foo\": must be one of privileged, baseline, restricted"
        );
    }
}
