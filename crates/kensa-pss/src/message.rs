//! Reading Pod Security Admission messages back: the inverse of
//! [`Evaluation::enforce_message`](crate::Evaluation::enforce_message) and
//! [`Evaluation::warning_message`](crate::Evaluation::warning_message).
//!
//! Audit logs carry these messages as text only (the
//! `pod-security.kubernetes.io/audit-violations` annotation, the `Warning`
//! headers, and the `responseStatus.message` of enforce denials), so tools that
//! report on them need the structure back: the level and version, and each
//! failed check's reason and detail.
//!
//! ```
//! use kensa_pss::message::{Mode, parse_message};
//!
//! let parsed = parse_message(
//!     r#"pods "x" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true, hostPID=true), privileged (container "app" must not set securityContext.privileged=true)"#,
//! )
//! .unwrap();
//! assert_eq!(parsed.mode, Mode::Enforce);
//! assert_eq!(parsed.level_version.to_string(), "baseline:latest");
//! assert_eq!(parsed.violations[0].reason, "host namespaces");
//! assert_eq!(parsed.violations[0].detail.as_deref(), Some("hostNetwork=true, hostPID=true"));
//! assert_eq!(parsed.violations[1].reason, "privileged");
//! ```

use serde::Serialize;

use crate::api::{Level, LevelVersion, Version};

/// Which kind of message it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// `violates PodSecurity ...`: the request was rejected.
    Enforce,
    /// `would violate PodSecurity ...`: the warn and audit form; the request
    /// went through (or was rejected for another reason).
    Warn,
}

/// One failed check, as its reason and detail appear in a message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Violation {
    /// The check's short reason, e.g. `allowPrivilegeEscalation != false`.
    pub reason: String,
    /// The text in parentheses after the reason, absent when the check gave none.
    pub detail: Option<String>,
}

/// A Pod Security Admission message, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParsedMessage {
    /// Enforce (`violates`) or warn/audit (`would violate`).
    pub mode: Mode,
    /// The level and version evaluated, e.g. `restricted:latest`.
    pub level_version: LevelVersion,
    /// The failed checks, in the order written (upstream's evaluation order).
    pub violations: Vec<Violation>,
}

const ENFORCE: &str = "violates PodSecurity \"";
const WARN: &str = "would violate PodSecurity \"";

/// Parses a PodSecurity message, tolerating any text before it (such as the
/// API server's `pods "x" is forbidden: `). `None` when the text holds no
/// PodSecurity message or its level or version is not valid.
pub fn parse_message(text: &str) -> Option<ParsedMessage> {
    // "would violate" contains "violate", not "violates", so look for the
    // warn form first and fall back to the enforce form.
    let (mode, rest) = match text.find(WARN) {
        Some(at) => (Mode::Warn, &text[at + WARN.len()..]),
        None => {
            let at = text.find(ENFORCE)?;
            (Mode::Enforce, &text[at + ENFORCE.len()..])
        }
    };
    let (lv, rest) = rest.split_once("\": ")?;
    let (level, version) = lv.split_once(':')?;
    let level: Level = level.parse().ok()?;
    let version: Version = version.parse().ok()?;
    Some(ParsedMessage {
        mode,
        level_version: LevelVersion::new(level, version),
        violations: split_violations(rest),
    })
}

/// Splits `reason (detail), reason (detail), ...` into violations.
///
/// Details contain `, ` themselves (`hostNetwork=true, hostPID=true`,
/// `containers "a", "b"`), so the list is split only outside parentheses and
/// outside Go-quoted strings (whose `\"` escapes are honoured). If the
/// parentheses do not balance (an unquoted value with a stray parenthesis,
/// e.g. a sysctl name), the split falls back to boundaries where a detail's
/// `)` is followed by `, ` and a reason that kensa knows.
fn split_violations(text: &str) -> Vec<Violation> {
    match split_balanced(text) {
        Some(items) => items.into_iter().map(violation).collect(),
        None => split_on_known_reasons(text)
            .into_iter()
            .map(violation)
            .collect(),
    }
}

fn split_balanced(text: &str) -> Option<Vec<&str>> {
    let bytes = text.as_bytes();
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut in_quote = false;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_quote {
            match b {
                b'\\' => i += 1,
                b'"' => in_quote = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_quote = true,
                b'(' => depth += 1,
                b')' => depth = depth.checked_sub(1)?,
                b',' if depth == 0 && bytes.get(i + 1) == Some(&b' ') => {
                    items.push(&text[start..i]);
                    start = i + 2;
                    i += 1;
                }
                _ => {}
            }
        }
        i += 1;
    }
    if depth != 0 || in_quote {
        return None;
    }
    if start < text.len() || !items.is_empty() {
        items.push(&text[start..]);
    }
    Some(items)
}

/// Every reason the checks in [`crate::checks::ALL`] write.
const KNOWN_REASONS: &[&str] = &[
    "allowPrivilegeEscalation != false",
    "forbidden AppArmor profile",
    "forbidden AppArmor profiles",
    "non-default capabilities",
    "unrestricted capabilities",
    "host namespaces",
    "hostPath volumes",
    "hostPort",
    "probe or lifecycle host",
    "privileged",
    "procMount",
    "restricted volume types",
    "runAsNonRoot != true",
    "runAsUser=0",
    "seLinuxOptions",
    "seccompProfile",
    "forbidden sysctls",
    "hostProcess",
];

fn split_on_known_reasons(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut start = 0;
    let mut search = 0;
    while let Some(offset) = text[search..].find(", ") {
        let at = search + offset;
        let next = &text[at + 2..];
        let boundary =
            (at == 0 || text.as_bytes()[at - 1] == b')' || !text[start..at].contains(" ("))
                && KNOWN_REASONS.iter().any(|reason| {
                    next.strip_prefix(reason).is_some_and(|after| {
                        after.is_empty() || after.starts_with(" (") || after.starts_with(", ")
                    })
                });
        if boundary {
            items.push(&text[start..at]);
            start = at + 2;
        }
        search = at + 2;
    }
    items.push(&text[start..]);
    items
}

fn violation(item: &str) -> Violation {
    match item.split_once(" (") {
        Some((reason, rest)) if rest.ends_with(')') => Violation {
            reason: reason.to_owned(),
            detail: Some(rest[..rest.len() - 1].to_owned()),
        },
        _ => Violation {
            reason: item.to_owned(),
            detail: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(reason: &str, detail: Option<&str>) -> Violation {
        Violation {
            reason: reason.into(),
            detail: detail.map(Into::into),
        }
    }

    #[test]
    fn parses_an_audit_annotation() {
        let text = r#"would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#;
        let parsed = parse_message(text).unwrap();
        assert_eq!(parsed.mode, Mode::Warn);
        assert_eq!(parsed.level_version.to_string(), "restricted:latest");
        assert_eq!(parsed.violations.len(), 4);
        assert_eq!(
            parsed.violations[1],
            v(
                "unrestricted capabilities",
                Some(r#"container "app" must set securityContext.capabilities.drop=["ALL"]"#)
            )
        );
        assert_eq!(
            parsed.violations[3].detail.as_deref(),
            Some(
                r#"pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#
            )
        );
    }

    #[test]
    fn tolerates_a_prefix_and_a_version() {
        let parsed =
            parse_message(r#"pods "x" is forbidden: violates PodSecurity "baseline:v1.29": hostPort (container "a" uses hostPort 80)"#)
                .unwrap();
        assert_eq!(parsed.mode, Mode::Enforce);
        assert_eq!(parsed.level_version.version, Version::V1(29));
        assert_eq!(
            parsed.violations,
            [v("hostPort", Some(r#"container "a" uses hostPort 80"#))]
        );
    }

    #[test]
    fn commas_inside_quotes_and_parentheses_do_not_split() {
        let parsed = parse_message(
            r#"violates PodSecurity "baseline:latest": privileged (containers "a, (b", "c\", d" must not set securityContext.privileged=true), forbidden sysctls (kernel.x, kernel.y)"#,
        )
        .unwrap();
        assert_eq!(parsed.violations.len(), 2);
        assert_eq!(
            parsed.violations[0].detail.as_deref(),
            Some(r#"containers "a, (b", "c\", d" must not set securityContext.privileged=true"#)
        );
        assert_eq!(
            parsed.violations[1],
            v("forbidden sysctls", Some("kernel.x, kernel.y"))
        );
    }

    #[test]
    fn unbalanced_details_fall_back_to_known_reasons() {
        let parsed = parse_message(
            r#"violates PodSecurity "baseline:latest": forbidden sysctls (a(b, c), hostPort (container "a" uses hostPort 80)"#,
        )
        .unwrap();
        assert_eq!(
            parsed.violations,
            [
                v("forbidden sysctls", Some("a(b, c")),
                v("hostPort", Some(r#"container "a" uses hostPort 80"#)),
            ]
        );
    }

    #[test]
    fn reasons_without_detail() {
        let parsed =
            parse_message(r#"violates PodSecurity "restricted:latest": privileged, hostPort"#)
                .unwrap();
        assert_eq!(
            parsed.violations,
            [v("privileged", None), v("hostPort", None)]
        );
    }

    #[test]
    fn rejects_what_is_not_a_message() {
        assert!(parse_message("Unauthorized").is_none());
        assert!(parse_message(r#"violates PodSecurity "superuser:latest": x"#).is_none());
        assert!(parse_message(r#"violates PodSecurity "baseline:v2": x"#).is_none());
        assert!(parse_message(r#"violates PodSecurity "baseline"#).is_none());
    }
}
