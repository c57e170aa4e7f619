//! The fields of an event that `--where`, `--fields` and `--by` name.

use std::borrow::Cow;

use crate::event::Event;
use crate::{Error, Result};

/// A field of an audit event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    /// `user.username`.
    User,
    /// Any of `user.groups`.
    Group,
    /// `impersonatedUser.username`.
    Impersonated,
    /// `verb`.
    Verb,
    /// `objectRef.resource`.
    Resource,
    /// `objectRef.subresource`.
    Subresource,
    /// `resource/subresource` (or the resource alone): for display.
    Target,
    /// `objectRef.namespace`.
    Namespace,
    /// `objectRef.name`.
    Name,
    /// `objectRef.apiGroup` (`""` is the core group).
    ApiGroup,
    /// `stage`.
    Stage,
    /// `level`.
    Level,
    /// `responseStatus.code`.
    Code,
    /// The `authorization.k8s.io/decision` annotation.
    Decision,
    /// The `authorization.k8s.io/reason` annotation.
    Reason,
    /// Any of `sourceIPs`.
    SourceIp,
    /// `userAgent`.
    UserAgent,
    /// `requestURI`.
    Uri,
    /// `auditID`.
    AuditId,
    /// The event's time (`stageTimestamp`, or the older fields).
    Time,
    /// An annotation's value.
    Annotation(String),
}

/// Every field name, as shown in help and errors.
pub const FIELD_NAMES: &[&str] = &[
    "user",
    "group",
    "impersonated",
    "verb",
    "resource",
    "subresource",
    "target",
    "namespace",
    "name",
    "apigroup",
    "stage",
    "level",
    "code",
    "decision",
    "reason",
    "ip",
    "useragent",
    "uri",
    "auditid",
    "time",
    "annotation.KEY",
];

/// The values of a field in one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Values<'e> {
    /// Absent.
    None,
    /// One value.
    One(Cow<'e, str>),
    /// Several (groups, source IPs).
    Many(Vec<&'e str>),
}

impl<'e> Values<'e> {
    /// Whether `test` holds for any value (false when absent).
    pub fn any(&self, mut test: impl FnMut(&str) -> bool) -> bool {
        match self {
            Values::None => false,
            Values::One(value) => test(value),
            Values::Many(values) => values.iter().any(|value| test(value)),
        }
    }

    /// Whether there is no value, or only empty ones.
    pub fn is_empty(&self) -> bool {
        match self {
            Values::None => true,
            Values::One(value) => value.is_empty(),
            Values::Many(values) => values.iter().all(|v| v.is_empty()),
        }
    }

    /// The values joined with `,` for display; empty when absent.
    pub fn joined(&self) -> String {
        match self {
            Values::None => String::new(),
            Values::One(value) => value.to_string(),
            Values::Many(values) => values.join(","),
        }
    }
}

fn one<'e>(value: Option<&'e str>) -> Values<'e> {
    value.map_or(Values::None, |v| Values::One(Cow::Borrowed(v)))
}

impl Field {
    /// Parses a field name (case-insensitive; a few aliases).
    pub fn parse(name: &str) -> Result<Field> {
        let trimmed = name.trim();
        if let Some(key) = trimmed
            .strip_prefix("annotation.")
            .or_else(|| trimmed.strip_prefix("annotations."))
        {
            if key.is_empty() {
                return Err(Error::BadQuery {
                    expr: name.to_string(),
                    reason:
                        "annotation. needs a key, e.g. annotation.authorization.k8s.io/decision"
                            .to_string(),
                });
            }
            return Ok(Field::Annotation(key.to_string()));
        }
        let lower = trimmed.to_ascii_lowercase();
        Ok(match lower.as_str() {
            "user" | "username" | "user.username" => Field::User,
            "group" | "groups" | "usergroup" | "user.groups" => Field::Group,
            "impersonated" | "impersonateduser" | "as" => Field::Impersonated,
            "verb" => Field::Verb,
            "resource" | "objectref.resource" => Field::Resource,
            "subresource" | "objectref.subresource" => Field::Subresource,
            "target" => Field::Target,
            "namespace" | "ns" | "objectref.namespace" => Field::Namespace,
            "name" | "objectref.name" => Field::Name,
            "apigroup" | "group.api" | "objectref.apigroup" => Field::ApiGroup,
            "stage" => Field::Stage,
            "level" => Field::Level,
            "code" | "status" | "responsecode" | "responsestatus.code" => Field::Code,
            "decision" => Field::Decision,
            "reason" => Field::Reason,
            "ip" | "sourceip" | "sourceips" | "source" => Field::SourceIp,
            "useragent" | "ua" | "agent" => Field::UserAgent,
            "uri" | "requesturi" | "url" => Field::Uri,
            "auditid" | "id" => Field::AuditId,
            "time" | "timestamp" | "stagetimestamp" => Field::Time,
            _ => {
                return Err(Error::BadQuery {
                    expr: name.to_string(),
                    reason: unknown_field_reason(trimmed),
                });
            }
        })
    }

    /// The name used in headings and JSON keys.
    pub fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Field::User => "user",
            Field::Group => "group",
            Field::Impersonated => "impersonated",
            Field::Verb => "verb",
            Field::Resource => "resource",
            Field::Subresource => "subresource",
            Field::Target => "resource",
            Field::Namespace => "namespace",
            Field::Name => "name",
            Field::ApiGroup => "apigroup",
            Field::Stage => "stage",
            Field::Level => "level",
            Field::Code => "code",
            Field::Decision => "decision",
            Field::Reason => "reason",
            Field::SourceIp => "ip",
            Field::UserAgent => "useragent",
            Field::Uri => "uri",
            Field::AuditId => "auditid",
            Field::Time => "time",
            Field::Annotation(key) => return Cow::Owned(format!("annotation.{key}")),
        })
    }

    /// Whether values compare without regard to case (their spelling is
    /// fixed by Kubernetes: verbs, stages, levels, decisions).
    pub fn case_insensitive(&self) -> bool {
        matches!(
            self,
            Field::Verb | Field::Stage | Field::Level | Field::Decision
        )
    }

    /// The field's values in `event`.
    pub fn values<'e>(&self, event: &'e Event<'_>) -> Values<'e> {
        match self {
            Field::User => one(Some(event.user.username.as_ref())),
            Field::Group => Values::Many(event.user.groups.iter().map(|g| g.as_ref()).collect()),
            Field::Impersonated => one(event
                .impersonated_user
                .as_ref()
                .map(|u| u.username.as_ref())),
            Field::Verb => one(Some(event.verb.as_ref())),
            Field::Resource => one(event.resource()),
            Field::Subresource => one(event.subresource()),
            Field::Target => match (event.resource(), event.subresource()) {
                (Some(resource), Some(sub)) => Values::One(Cow::Owned(format!("{resource}/{sub}"))),
                (Some(resource), None) => one(Some(resource)),
                (None, _) => one(None),
            },
            Field::Namespace => one(event.namespace()),
            Field::Name => one(event.name()),
            Field::ApiGroup => one(event.api_group()),
            Field::Stage => one(event.stage.map(|s| s.as_str())),
            Field::Level => one(event.level.map(|l| l.as_str())),
            Field::Code => match event.code() {
                Some(code) => Values::One(Cow::Owned(code.to_string())),
                None => Values::None,
            },
            Field::Decision => one(event.decision()),
            Field::Reason => one(event.annotation("authorization.k8s.io/reason")),
            Field::SourceIp => {
                Values::Many(event.source_ips.iter().map(|ip| ip.as_ref()).collect())
            }
            Field::UserAgent => one(event.user_agent.as_deref()),
            Field::Uri => one(Some(event.request_uri.as_ref())),
            Field::AuditId => one(Some(event.audit_id.as_ref())),
            Field::Time => match event.time() {
                Some(time) => Values::One(Cow::Owned(time.to_string())),
                None => Values::None,
            },
            Field::Annotation(key) => one(event.annotation(key)),
        }
    }
}

fn unknown_field_reason(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let suggestion = FIELD_NAMES
        .iter()
        .filter(|candidate| !candidate.contains('.'))
        .map(|candidate| (edit_distance(&lower, candidate), candidate))
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map(|(_, candidate)| format!(" (did you mean {candidate:?}?)"))
        .unwrap_or_default();
    format!(
        "unknown field {name:?}{suggestion}; fields: {}",
        FIELD_NAMES.join(", ")
    )
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_aliases_and_annotations() {
        assert_eq!(Field::parse("USER").unwrap(), Field::User);
        assert_eq!(Field::parse("ns").unwrap(), Field::Namespace);
        assert_eq!(Field::parse("sourceIP").unwrap(), Field::SourceIp);
        assert_eq!(
            Field::parse("annotation.pod-security.kubernetes.io/audit-violations").unwrap(),
            Field::Annotation("pod-security.kubernetes.io/audit-violations".into())
        );
        let err = Field::parse("vrb").unwrap_err().to_string();
        assert!(err.contains("did you mean \"verb\""), "{err}");
        assert!(err.contains("fields: user, group"), "{err}");
    }

    #[test]
    fn reads_values() {
        let line = br#"{"verb":"get","auditID":"a","user":{"username":"u","groups":["g1","g2"]},"sourceIPs":["1.1.1.1"],"objectRef":{"resource":"pods","subresource":"log","namespace":"web"},"responseStatus":{"code":200}}"#;
        let event = Event::from_json(line).unwrap();
        assert_eq!(Field::Group.values(&event), Values::Many(vec!["g1", "g2"]));
        assert_eq!(Field::Target.values(&event).joined(), "pods/log");
        assert_eq!(Field::Code.values(&event).joined(), "200");
        assert_eq!(Field::Name.values(&event), Values::None);
    }
}
