//! The finding model shared by every kensa scanner.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Error;

/// How bad a finding is. Ordered: `Unknown < Low < Medium < High < Critical`.
///
/// Parses case-insensitively (`"high"`, `"HIGH"`) and displays in upper case,
/// as it serialises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Not rated.
    Unknown,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// All severities, from the most severe to the least.
    pub const DESCENDING: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Unknown,
    ];

    /// The upper-case name, as displayed and serialised.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "UNKNOWN",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::DESCENDING
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| Error::UnknownSeverity(s.to_owned()))
    }
}

/// A place in a file: 1-based line and column; line 0 means unknown.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Location {
    /// The file as the user gave it (`"-"` or `"<stdin>"` for standard input).
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: u32,
    /// 1-based column, 0 when unknown.
    pub column: u32,
}

impl fmt::Display for Location {
    /// `file:line`, or just `file` when the line is unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.file)
        } else {
            write!(f, "{}:{}", self.file, self.line)
        }
    }
}

/// A Kubernetes object that was checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// `apps/v1`, `v1`, ... when known.
    pub api_version: Option<String>,
    /// `Deployment`, `Pod`, ...
    pub kind: String,
    /// The namespace; `None` for cluster-scoped objects or when not set.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
    /// Where the object was read from, if from a file.
    pub location: Option<Location>,
}

impl Resource {
    /// `"Deployment shop/web"`, or `"Deployment web"` without a namespace.
    pub fn display_name(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {}/{}", self.kind, ns, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }

    /// `"Deployment/shop/web"`, or `"Deployment/web"` without a namespace
    /// (SARIF's logical location).
    pub fn qualified_name(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{}/{}", self.kind, ns, self.name),
            None => format!("{}/{}", self.kind, self.name),
        }
    }
}

/// A field-level fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Remedy {
    /// The field, e.g. `spec.containers[0].securityContext.privileged`.
    pub path: String,
    /// What to do with it, e.g. `set false`.
    pub action: String,
}

/// One problem found in one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// kensa's own rule id, e.g. `pss/restricted/allowPrivilegeEscalation`.
    pub rule_id: String,
    /// Other tools' ids for the same rule, e.g. `["KSV001", "AVD-KSV-0001"]`.
    pub aliases: Vec<String>,
    /// The rule's short title.
    pub title: String,
    /// How bad it is.
    pub severity: Severity,
    /// The resource the finding is about.
    pub resource: Resource,
    /// The full message.
    pub message: String,
    /// How to fix it, in prose.
    pub remediation: Option<String>,
    /// Field-level fixes.
    pub remedies: Vec<Remedy>,
    /// A page that explains the rule.
    pub help_uri: Option<String>,
}

impl Finding {
    /// A stable fingerprint of rule id, kind, namespace and name: 16 hex
    /// digits of FNV-1a 64. It does not change when the object moves in its
    /// file, so it can identify a finding across runs.
    pub fn fingerprint(&self) -> String {
        let r = &self.resource;
        let mut h = Fnv1a64::new();
        for part in [
            self.rule_id.as_str(),
            r.kind.as_str(),
            r.namespace.as_deref().unwrap_or(""),
            r.name.as_str(),
        ] {
            h.write(part.as_bytes());
            // A separator that cannot occur in the parts keeps
            // ("a", "bc") and ("ab", "c") apart.
            h.write(&[0]);
        }
        format!("{:016x}", h.finish())
    }
}

/// FNV-1a, 64 bits: small, stable across Rust versions and platforms.
struct Fnv1a64(u64);

impl Fnv1a64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Fnv1a64(Self::OFFSET)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// What a rule checks, for renderers that list rules (SARIF).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// kensa's rule id, as in [`Finding::rule_id`].
    pub id: String,
    /// Short title.
    pub title: String,
    /// What the rule checks and why.
    pub description: String,
    /// The default severity of its findings.
    pub severity: Severity,
    /// A page that explains the rule.
    pub help_uri: Option<String>,
}

/// The tool that produced a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolInfo {
    /// `kensa`.
    pub name: &'static str,
    /// The tool's version, e.g. `env!("CARGO_PKG_VERSION")`.
    pub version: &'static str,
    /// The tool's home page.
    pub information_uri: &'static str,
}

/// A scan's results, with the checked resources (so JUnit can show passing ones).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The tool that produced it.
    pub tool: ToolInfo,
    /// The rules that were run. Rules of findings missing here are derived
    /// from the findings by the renderers that need them.
    pub rules: Vec<Rule>,
    /// What was found.
    pub findings: Vec<Finding>,
    /// Every resource that was checked, with or without findings.
    pub checked: Vec<Resource>,
    /// The name of the test suite in JUnit output, e.g. `"pss restricted"`.
    pub suite_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_parses_and_displays() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Unknown);
        assert_eq!("high".parse::<Severity>().unwrap(), Severity::High);
        assert_eq!("CrItIcAl".parse::<Severity>().unwrap(), Severity::Critical);
        assert_eq!(" low ".parse::<Severity>().unwrap(), Severity::Low);
        assert!(matches!(
            "severe".parse::<Severity>(),
            Err(Error::UnknownSeverity(s)) if s == "severe"
        ));
        assert_eq!(Severity::Medium.to_string(), "MEDIUM");
        assert_eq!(format!("{:<8}|", Severity::Low), "LOW     |");
        assert_eq!(serde_json::to_value(Severity::High).unwrap(), "HIGH");
        assert_eq!(
            serde_json::from_value::<Severity>("UNKNOWN".into()).unwrap(),
            Severity::Unknown
        );
    }

    #[test]
    fn display_names() {
        let mut r = Resource {
            kind: "Deployment".into(),
            namespace: Some("shop".into()),
            name: "web".into(),
            ..Resource::default()
        };
        assert_eq!(r.display_name(), "Deployment shop/web");
        assert_eq!(r.qualified_name(), "Deployment/shop/web");
        r.namespace = None;
        assert_eq!(r.display_name(), "Deployment web");
        assert_eq!(r.qualified_name(), "Deployment/web");
    }

    #[test]
    fn location_display() {
        let mut l = Location {
            file: "a.yaml".into(),
            line: 3,
            column: 5,
        };
        assert_eq!(l.to_string(), "a.yaml:3");
        l.line = 0;
        assert_eq!(l.to_string(), "a.yaml");
    }

    #[test]
    fn fnv1a64_known_vectors() {
        let hash = |s: &[u8]| {
            let mut h = Fnv1a64::new();
            h.write(s);
            h.finish()
        };
        assert_eq!(hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hash(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn fingerprint_is_stable_and_ignores_location() {
        let report = crate::testutil::report();
        let mut f = report.findings[0].clone();
        let fp = f.fingerprint();
        assert_eq!(fp.len(), 16);
        assert!(fp.bytes().all(|b| b.is_ascii_hexdigit()));
        f.resource.location = None;
        f.message = "other".into();
        assert_eq!(f.fingerprint(), fp);
        f.resource.namespace = None;
        assert_ne!(f.fingerprint(), fp);
        // Differs per rule on the same resource.
        assert_ne!(report.findings[1].fingerprint(), fp);
    }

    #[test]
    fn finding_json_is_camel_case() {
        let v = serde_json::to_value(&crate::testutil::report().findings[0]).unwrap();
        assert_eq!(v["ruleId"], "pss/restricted/allowPrivilegeEscalation");
        assert_eq!(v["severity"], "MEDIUM");
        assert_eq!(v["resource"]["apiVersion"], "apps/v1");
        assert_eq!(v["resource"]["location"]["line"], 1);
        assert_eq!(v["helpUri"], serde_json::Value::Null);
        let back: Finding = serde_json::from_value(v).unwrap();
        assert_eq!(back, crate::testutil::report().findings[0]);
    }
}
