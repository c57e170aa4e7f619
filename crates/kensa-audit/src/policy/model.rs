//! The `Policy` document: parsing from YAML or JSON, validation, and the
//! typed rules the evaluator and the linter work on.
//!
//! Decoding follows the API server's loader (`LoadPolicyFromBytes`): it tries
//! strict decoding and, when the only problem is unknown or duplicated fields,
//! falls back to lenient decoding with a warning. So a policy with an unknown
//! field (a typo such as `userGroup:`) is *accepted* here too, exactly as the
//! server would start with it, and the field is recorded in
//! [`Policy::unknown_fields`] for the linter to report: a typo in a rule's
//! condition silently widens that rule, which is worth a loud warning but is
//! not what the server refuses. Everything the server's validation refuses
//! (bad levels or stages, a rule mixing `resources` and `nonResourceURLs`,
//! `resourceNames` without resources, a malformed URL pattern, no rules) is
//! an [`Error::BadPolicy`] with its line and column.

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::event::{Level, Stage};
use crate::{Error, Result};

/// A parsed audit policy (`audit.k8s.io/v1`, also `v1beta1` and `v1alpha1`,
/// which have the same fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The `apiVersion` as written.
    pub api_version: String,
    /// Stages never written, for every rule and for requests no rule matches.
    pub omit_stages: Vec<Stage>,
    /// The default for leaving `managedFields` out of bodies.
    pub omit_managed_fields: bool,
    /// The rules, in order: the first that matches decides.
    pub rules: Vec<PolicyRule>,
    /// Fields the strict decoder would refuse and the server ignores (it
    /// logs a warning and decodes leniently): dotted paths such as
    /// `rules[2].userGroup`.
    pub unknown_fields: Vec<UnknownField>,
}

/// A field the API server ignores (with a warning) when it loads the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownField {
    /// Where it is, e.g. `rules[2].userGroup`.
    pub path: String,
    /// The rule it is in, when it is in one.
    pub rule_index: Option<usize>,
}

/// One rule of a policy. Empty lists mean "any".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRule {
    /// The level recorded for requests this rule matches.
    pub level: Level,
    /// User names, exact (no wildcards).
    pub users: Vec<String>,
    /// Groups: the rule matches when the user is in any of them.
    pub user_groups: Vec<String>,
    /// Verbs, exact.
    pub verbs: Vec<String>,
    /// Resources by API group.
    pub resources: Vec<GroupResources>,
    /// Namespaces; `""` selects cluster-scoped requests.
    pub namespaces: Vec<String>,
    /// Paths of non-resource requests: exact, `*`, or a `prefix*`.
    pub non_resource_urls: Vec<String>,
    /// Stages this rule leaves out (the policy's are added by the evaluator).
    pub omit_stages: Vec<Stage>,
    /// Overrides the policy's `omitManagedFields` when set.
    pub omit_managed_fields: Option<bool>,
    /// The 1-based line the rule starts on in its source, 0 when unknown.
    pub line: usize,
}

/// Resources of one API group, as a rule names them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupResources {
    /// The group: `""` is the core group, `"*"` every group.
    pub group: String,
    /// Resources: `pods`, `pods/log`, `pods/*`, `*/scale`, `*`; empty for all.
    pub resources: Vec<String>,
    /// Object names; empty for any.
    pub resource_names: Vec<String>,
}

impl PolicyRule {
    /// Whether the rule selects resource requests only (it names resources
    /// or namespaces), as the evaluator decides it.
    pub fn is_resource_rule(&self) -> bool {
        !self.resources.is_empty() || !self.namespaces.is_empty()
    }

    /// Whether the rule selects non-resource requests only.
    pub fn is_non_resource_rule(&self) -> bool {
        !self.is_resource_rule() && !self.non_resource_urls.is_empty()
    }

    /// Whether the rule matches every request whatever it is.
    pub fn is_catch_all(&self) -> bool {
        self.users.is_empty()
            && self.user_groups.is_empty()
            && self.verbs.is_empty()
            && !self.is_resource_rule()
            && self.non_resource_urls.is_empty()
    }
}

// --- the document as written ------------------------------------------------

type Text = Spanned<String>;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPolicy {
    #[serde(default)]
    api_version: Option<Text>,
    #[serde(default)]
    kind: Option<Text>,
    #[serde(default)]
    #[allow(dead_code)]
    metadata: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    omit_stages: Option<Vec<Text>>,
    #[serde(default)]
    omit_managed_fields: Option<bool>,
    #[serde(default)]
    rules: Option<Vec<Spanned<RawRule>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRule {
    #[serde(default)]
    level: Option<Text>,
    #[serde(default)]
    users: Option<Vec<String>>,
    #[serde(default)]
    user_groups: Option<Vec<String>>,
    #[serde(default)]
    verbs: Option<Vec<String>>,
    #[serde(default)]
    resources: Option<Vec<Spanned<RawGroupResources>>>,
    #[serde(default)]
    namespaces: Option<Vec<String>>,
    #[serde(default, rename = "nonResourceURLs")]
    non_resource_urls: Option<Vec<Text>>,
    #[serde(default)]
    omit_stages: Option<Vec<Text>>,
    #[serde(default)]
    omit_managed_fields: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawGroupResources {
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    resources: Option<Vec<String>>,
    #[serde(default)]
    resource_names: Option<Vec<String>>,
}

/// The API versions the policy kind has had; the fields did not change.
const API_VERSIONS: [&str; 3] = [
    "audit.k8s.io/v1",
    "audit.k8s.io/v1beta1",
    "audit.k8s.io/v1alpha1",
];

fn bad(line: u64, column: u64, reason: impl Into<String>) -> Error {
    Error::BadPolicy {
        line: line as usize,
        column: column as usize,
        reason: reason.into(),
    }
}

fn bad_at(text: &Text, reason: impl Into<String>) -> Error {
    bad(text.referenced.line(), text.referenced.column(), reason)
}

fn stages(list: Option<Vec<Text>>) -> Result<Vec<Stage>> {
    let mut out = Vec::new();
    for text in list.unwrap_or_default() {
        let stage = Stage::parse(&text.value).ok_or_else(|| {
            bad_at(
                &text,
                format!(
                    "unknown stage {:?}: expected RequestReceived, ResponseStarted, ResponseComplete or Panic",
                    text.value
                ),
            )
        })?;
        if !out.contains(&stage) {
            out.push(stage);
        }
    }
    Ok(out)
}

impl Policy {
    /// Parses a policy from YAML or JSON (JSON is YAML), checking it the way
    /// the API server does when it loads `--audit-policy-file`.
    pub fn from_yaml(text: &str) -> Result<Policy> {
        let raw: RawPolicy = serde_saphyr::from_str(text).map_err(|err| {
            let (line, column) = err
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((0, 0));
            bad(line, column, saphyr_reason(&err))
        })?;

        let api_version = match raw.api_version {
            Some(v) if API_VERSIONS.contains(&v.value.as_str()) => v.value,
            Some(v) => {
                return Err(bad_at(
                    &v,
                    format!(
                        "apiVersion {:?} is not an audit policy version: expected audit.k8s.io/v1",
                        v.value
                    ),
                ));
            }
            None => return Err(bad(1, 1, "no apiVersion: expected audit.k8s.io/v1")),
        };
        match raw.kind {
            Some(k) if k.value == "Policy" => {}
            Some(k) => {
                return Err(bad_at(&k, format!("kind {:?} is not Policy", k.value)));
            }
            None => return Err(bad(1, 1, "no kind: expected Policy")),
        }

        let omit_stages = stages(raw.omit_stages)?;
        let raw_rules = raw.rules.unwrap_or_default();
        if raw_rules.is_empty() {
            return Err(bad(
                1,
                1,
                "the policy has no rules (the API server refuses to load it)",
            ));
        }
        let mut rules = Vec::with_capacity(raw_rules.len());
        for (index, spanned) in raw_rules.into_iter().enumerate() {
            let line = spanned.referenced.line();
            let column = spanned.referenced.column();
            rules.push(rule(index, spanned.value, line, column)?);
        }

        let unknown_fields = unknown_fields(text);

        Ok(Policy {
            api_version,
            omit_stages,
            omit_managed_fields: raw.omit_managed_fields.unwrap_or(false),
            rules,
            unknown_fields,
        })
    }
}

const POLICY_FIELDS: [&str; 6] = [
    "apiVersion",
    "kind",
    "metadata",
    "omitStages",
    "omitManagedFields",
    "rules",
];
const RULE_FIELDS: [&str; 9] = [
    "level",
    "users",
    "userGroups",
    "verbs",
    "resources",
    "namespaces",
    "nonResourceURLs",
    "omitStages",
    "omitManagedFields",
];
const GROUP_RESOURCES_FIELDS: [&str; 3] = ["group", "resources", "resourceNames"];

/// The fields the typed decoding skipped. Found on a second, untyped pass
/// because the span-keeping decoding cannot report what it skips; a
/// document the untyped pass cannot read (non-string keys) reports none.
fn unknown_fields(text: &str) -> Vec<UnknownField> {
    let Ok(serde_json::Value::Object(top)) = serde_saphyr::from_str::<serde_json::Value>(text)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let unknown = |map: &serde_json::Map<String, serde_json::Value>, known: &[&str]| {
        map.keys()
            .filter(|k| !known.contains(&k.as_str()))
            .cloned()
            .collect::<Vec<_>>()
    };
    for key in unknown(&top, &POLICY_FIELDS) {
        out.push(UnknownField {
            path: key,
            rule_index: None,
        });
    }
    let rules = top.get("rules").and_then(|r| r.as_array());
    for (index, rule) in rules.into_iter().flatten().enumerate() {
        let Some(rule) = rule.as_object() else {
            continue;
        };
        for key in unknown(rule, &RULE_FIELDS) {
            out.push(UnknownField {
                path: format!("rules[{index}].{key}"),
                rule_index: Some(index),
            });
        }
        let resources = rule.get("resources").and_then(|r| r.as_array());
        for (n, gr) in resources.into_iter().flatten().enumerate() {
            let Some(gr) = gr.as_object() else {
                continue;
            };
            for key in unknown(gr, &GROUP_RESOURCES_FIELDS) {
                out.push(UnknownField {
                    path: format!("rules[{index}].resources[{n}].{key}"),
                    rule_index: Some(index),
                });
            }
        }
    }
    out
}

/// The parser's message without its rendered snippet and position (the
/// position is carried by the error's own fields).
fn saphyr_reason(err: &serde_saphyr::Error) -> String {
    let text = err.without_snippet().to_string();
    let first = text.lines().next().unwrap_or("").trim();
    // The rendering ends in "at line L, column C"; the caller reports those.
    let reason = match first.rfind(" at line ") {
        Some(at) => &first[..at],
        None => first,
    };
    if reason.is_empty() {
        "not a valid policy document".to_string()
    } else if reason == "expected sequence start" {
        // The usual slip: `verbs: get` for `verbs: [get]`.
        "expected a list, e.g. [get, list] or lines starting with '- '".to_string()
    } else {
        reason.to_string()
    }
}

fn rule(index: usize, raw: RawRule, line: u64, column: u64) -> Result<PolicyRule> {
    let level = match raw.level {
        Some(text) => Level::parse(&text.value).ok_or_else(|| {
            bad_at(
                &text,
                format!(
                    "rule {index}: unknown level {:?}: expected None, Metadata, Request or RequestResponse",
                    text.value
                ),
            )
        })?,
        None => {
            return Err(bad(
                line,
                column,
                format!("rule {index} has no level (it is required)"),
            ));
        }
    };

    let mut resources = Vec::new();
    for spanned in raw.resources.unwrap_or_default() {
        let gr = spanned.value;
        let group = gr.group.unwrap_or_default();
        let names = gr.resource_names.unwrap_or_default();
        let list = gr.resources.unwrap_or_default();
        let (l, c) = (spanned.referenced.line(), spanned.referenced.column());
        if group.contains('/') {
            return Err(bad(
                l,
                c,
                format!(
                    "rule {index}: group {group:?} has a '/': write the group without its version"
                ),
            ));
        }
        if !names.is_empty() && list.is_empty() {
            return Err(bad(
                l,
                c,
                format!("rule {index}: resourceNames need resources to be named too"),
            ));
        }
        resources.push(GroupResources {
            group,
            resources: list,
            resource_names: names,
        });
    }

    let namespaces = raw.namespaces.unwrap_or_default();
    let mut urls = Vec::new();
    for text in raw.non_resource_urls.unwrap_or_default() {
        let url = text.value.as_str();
        if url != "*" && !url.starts_with('/') {
            return Err(bad_at(
                &text,
                format!("rule {index}: non-resource URL {url:?} must start with '/' (or be '*')"),
            ));
        }
        let body = url.strip_suffix('*').unwrap_or(url);
        if body.contains('*') {
            return Err(bad_at(
                &text,
                format!("rule {index}: non-resource URL {url:?}: '*' is only allowed at the end"),
            ));
        }
        urls.push(text.value);
    }
    if !urls.is_empty() && (!resources.is_empty() || !namespaces.is_empty()) {
        return Err(bad(
            line,
            column,
            format!(
                "rule {index}: a rule applies to resources (resources, namespaces) or to non-resource URLs, not both"
            ),
        ));
    }

    Ok(PolicyRule {
        level,
        users: raw.users.unwrap_or_default(),
        user_groups: raw.user_groups.unwrap_or_default(),
        verbs: raw.verbs.unwrap_or_default(),
        resources,
        namespaces,
        non_resource_urls: urls,
        omit_stages: stages(raw.omit_stages)?,
        omit_managed_fields: raw.omit_managed_fields,
        line: line as usize,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> (usize, usize, String) {
        match Policy::from_yaml(text) {
            Err(Error::BadPolicy {
                line,
                column,
                reason,
            }) => (line, column, reason),
            other => panic!("expected BadPolicy, got {other:?}"),
        }
    }

    const HEAD: &str = "apiVersion: audit.k8s.io/v1\nkind: Policy\n";

    #[test]
    fn rules_carry_their_lines() {
        let text = format!(
            "{HEAD}omitStages: [RequestReceived]\nrules:\n  # drop\n  - level: None\n    users: [a]\n  - users: [b]\n    level: Metadata\n"
        );
        let policy = Policy::from_yaml(&text).unwrap();
        let lines: Vec<usize> = policy.rules.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![6, 8]);
        assert_eq!(policy.omit_stages, vec![Stage::RequestReceived]);
        assert!(policy.unknown_fields.is_empty());
    }

    #[test]
    fn json_is_accepted() {
        let text = r#"{"apiVersion":"audit.k8s.io/v1beta1","kind":"Policy","omitManagedFields":true,
"rules":[{"level":"Metadata","resources":[{"group":"","resources":["pods/log"]}],"omitManagedFields":false}]}"#;
        let policy = Policy::from_yaml(text).unwrap();
        assert_eq!(policy.api_version, "audit.k8s.io/v1beta1");
        assert!(policy.omit_managed_fields);
        assert_eq!(policy.rules[0].omit_managed_fields, Some(false));
        assert_eq!(policy.rules[0].line, 2);
    }

    #[test]
    fn errors_name_line_and_column() {
        let (line, column, reason) = err(&format!("{HEAD}rules:\n  - level: Verbose\n"));
        assert_eq!((line, column), (4, 12));
        assert!(reason.contains("unknown level \"Verbose\""), "{reason}");

        let (line, _, reason) = err(&format!(
            "{HEAD}rules:\n  - level: None\n    omitStages: [Done]\n"
        ));
        assert_eq!(line, 5);
        assert!(reason.contains("unknown stage"), "{reason}");

        let (line, _, reason) = err(&format!(
            "{HEAD}rules:\n  - level: None\n    nonResourceURLs: [healthz]\n"
        ));
        assert_eq!(line, 5);
        assert!(reason.contains("must start with '/'"), "{reason}");

        let (line, _, reason) = err(&format!(
            "{HEAD}rules:\n  - level: None\n    nonResourceURLs: [\"/a*b\"]\n"
        ));
        assert_eq!(line, 5);
        assert!(reason.contains("only allowed at the end"), "{reason}");

        let (line, _, reason) = err(&format!(
            "{HEAD}rules:\n  - level: None\n    namespaces: [a]\n    nonResourceURLs: [/x]\n"
        ));
        assert_eq!(line, 4);
        assert!(reason.contains("not both"), "{reason}");

        let (line, _, reason) = err(&format!(
            "{HEAD}rules:\n  - level: None\n    resources:\n      - group: \"\"\n        resourceNames: [x]\n"
        ));
        assert_eq!(line, 6);
        assert!(reason.contains("resourceNames"), "{reason}");

        let (line, _, reason) = err(&format!("{HEAD}rules:\n  - users: [a]\n"));
        assert_eq!(line, 4);
        assert!(reason.contains("no level"), "{reason}");

        let (_, _, reason) = err(&format!("{HEAD}rules: []\n"));
        assert!(reason.contains("no rules"), "{reason}");

        let (line, _, reason) =
            err("apiVersion: audit.k8s.io/v2\nkind: Policy\nrules:\n- level: None\n");
        assert_eq!(line, 1);
        assert!(reason.contains("apiVersion"), "{reason}");

        let (line, _, reason) = err("apiVersion: audit.k8s.io/v1\nkind: Pod\n");
        assert_eq!(line, 2);
        assert!(reason.contains("Pod"), "{reason}");

        let (line, column, reason) =
            err(&format!("{HEAD}rules:\n  - level: None\n    users: a: b\n"));
        assert_eq!(line, 5, "{column} {reason}");
        assert!(!reason.is_empty());

        let (line, _, reason) = err(&format!(
            "{HEAD}rules:\n  - level: None\n    nonResourceURLs: [\"/é**\"]\n"
        ));
        assert_eq!(line, 5);
        assert!(reason.contains("only allowed at the end"), "{reason}");
        assert!(
            Policy::from_yaml(&format!(
                "{HEAD}rules:\n  - level: None\n    nonResourceURLs: [\"/é\", \"/é*\", \"*\"]\n"
            ))
            .is_ok()
        );

        let (line, _, reason) = err(&format!("{HEAD}rules:\n  - level: None\n    verbs: get\n"));
        assert_eq!(line, 5, "{reason}");
    }

    #[test]
    fn unknown_fields_are_kept_like_the_api_server_does() {
        let text = format!(
            "{HEAD}omitstages: [RequestReceived]\nrules:\n  - level: None\n    userGroup: [x]\n    resources:\n      - group: \"\"\n        resource: [pods]\n"
        );
        let policy = Policy::from_yaml(&text).unwrap();
        let paths: Vec<(&str, Option<usize>)> = policy
            .unknown_fields
            .iter()
            .map(|f| (f.path.as_str(), f.rule_index))
            .collect();
        assert_eq!(
            paths,
            vec![
                ("omitstages", None),
                ("rules[0].userGroup", Some(0)),
                ("rules[0].resources[0].resource", Some(0))
            ]
        );
        // The misspelt condition is gone: the rule matches everyone.
        assert!(policy.rules[0].user_groups.is_empty());
    }
}
