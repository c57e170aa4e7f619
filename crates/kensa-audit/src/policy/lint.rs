//! Checks for audit policies that load fine and still do the wrong thing.
//!
//! | code  | severity | what |
//! |-------|----------|------|
//! | KA001 | warning  | a rule no request can reach: an earlier rule matches everything it matches |
//! | KA002 | error    | secret material in the log: bodies of `secrets`, `configmaps`, `tokenreviews` or `serviceaccounts/token` |
//! | KA003 | warning  | `RequestReceived` not omitted: a second event per request with nothing the final one lacks |
//! | KA004 | warning  | no catch-all: requests no rule matches get level None and are not logged at all |
//! | KA005 | warning  | `RequestResponse` on lists of big or busy resources, or on everything: huge events |
//! | KA006 | info     | routine system traffic (kube-proxy watches, kubelet node reads and lease renewals, health checks) logged |
//! | KA007 | warning  | a field the API server ignores (it only warns), often a typo that widens a rule |
//! | KA008 | warning  | a `*` in users, userGroups, verbs, namespaces or resourceNames, where it is a literal |
//! | KA009 | warning  | `resourceNames` on a rule whose verbs never carry a name (list, watch, create, deletecollection) |
//!
//! KA002, KA005 and KA006 are decided by asking the policy itself about
//! concrete requests (built from every user, group, namespace and name the
//! policy mentions, plus generic ones), so they report only the rule that
//! really decides such a request, after all the rules before it. KA001 only
//! reports a rule when one earlier rule alone covers it, so it never reports
//! a reachable rule (it can miss a rule covered by several earlier ones).

use serde::Serialize;

use crate::event::{Level, Stage};
use crate::policy::eval::{Request, ResourceRequest};
use crate::policy::model::{GroupResources, Policy, PolicyRule};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; often deliberate.
    Info,
    /// Probably a mistake, or costly.
    Warning,
    /// Harmful: fix it.
    Error,
}

impl Severity {
    /// `info`, `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One finding about a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Lint {
    /// How bad.
    pub severity: Severity,
    /// The rule (0-based) it is about, if any.
    pub rule_index: Option<usize>,
    /// The 1-based line in the source, when known.
    pub line: Option<usize>,
    /// `KA001` ...
    pub code: &'static str,
    /// What is wrong and what to do.
    pub message: String,
}

/// Lints a policy; `source` is the text it was parsed from (used for lines
/// the parser did not record). Findings come sorted by line, then code.
pub fn lint(policy: &Policy, source: &str) -> Vec<Lint> {
    let lines = rule_lines(source);
    let line_of = |index: usize| -> Option<usize> {
        let rule = policy.rules.get(index)?;
        if rule.line > 0 {
            Some(rule.line)
        } else {
            lines.get(index).copied()
        }
    };
    let mut out = Vec::new();
    let mut push = |severity, rule_index: Option<usize>, code, message: String| {
        out.push(Lint {
            severity,
            rule_index,
            line: rule_index.and_then(line_of),
            code,
            message,
        });
    };

    let unreachable = unreachable_rules(policy);
    for (index, by) in &unreachable {
        let message = if policy.rules[*by].is_catch_all() {
            format!("rule {index} is never used: rule {by} before it matches every request")
        } else {
            format!(
                "rule {index} is never used: rule {by} before it matches every request it would match"
            )
        };
        push(Severity::Warning, Some(*index), "KA001", message);
    }

    let probes = Probes::new(policy);
    for finding in sensitive_bodies(policy, &probes) {
        push(Severity::Error, Some(finding.0), "KA002", finding.1);
    }

    for (index, rule) in policy.rules.iter().enumerate() {
        if rule.level == Level::None || unreachable.iter().any(|(i, _)| *i == index) {
            continue;
        }
        if !policy.omit_stages.contains(&Stage::RequestReceived)
            && !rule.omit_stages.contains(&Stage::RequestReceived)
        {
            push(
                Severity::Warning,
                Some(index),
                "KA003",
                format!(
                    "rule {index} ({}) keeps the RequestReceived stage: every request it matches is written twice, and the first event has nothing the last one lacks; add `omitStages: [RequestReceived]` to the rule or to the policy",
                    rule.level.as_str()
                ),
            );
        }
    }

    if !has_catch_all(policy) {
        push(
            Severity::Warning,
            None,
            "KA004",
            "no rule matches every request: requests no rule matches get level None and are not logged at all, which is easy to miss when new APIs or users appear; end the policy with a catch-all such as `- level: Metadata` (or `- level: None` to make dropping the rest explicit)".to_string(),
        );
    }

    for (index, message) in huge_events(policy, &probes) {
        push(Severity::Warning, Some(index), "KA005", message);
    }

    for (index, message) in noise(policy) {
        push(Severity::Info, Some(index), "KA006", message);
    }

    for field in &policy.unknown_fields {
        let line = match field.rule_index {
            Some(i) => line_of(i),
            None => top_level_key_line(source, &field.path),
        };
        out.push(Lint {
            severity: Severity::Warning,
            rule_index: field.rule_index,
            line,
            code: "KA007",
            message: format!(
                "unknown field `{}`: the API server ignores it (with only a warning in its log); if it is a typo, the condition it was meant to add is missing",
                field.path
            ),
        });
    }

    for (index, rule) in policy.rules.iter().enumerate() {
        let lists: [(&str, Vec<&String>); 5] = [
            ("users", rule.users.iter().collect()),
            ("userGroups", rule.user_groups.iter().collect()),
            ("verbs", rule.verbs.iter().collect()),
            ("namespaces", rule.namespaces.iter().collect()),
            (
                "resourceNames",
                rule.resources
                    .iter()
                    .flat_map(|gr| gr.resource_names.iter())
                    .collect(),
            ),
        ];
        for (field, values) in lists {
            for value in values.into_iter().filter(|v| v.contains('*')) {
                out.push(Lint {
                    severity: Severity::Warning,
                    rule_index: Some(index),
                    line: line_of(index),
                    code: "KA008",
                    message: format!(
                        "rule {index}: {field} entry {value:?} is compared literally: audit policies have no wildcards in {field}, so it only matches the exact string"
                    ),
                });
            }
        }
    }

    for (index, rule) in policy.rules.iter().enumerate() {
        let named = rule
            .resources
            .iter()
            .any(|gr| !gr.resource_names.is_empty());
        let nameless =
            |v: &String| matches!(v.as_str(), "list" | "watch" | "create" | "deletecollection");
        if named && !rule.verbs.is_empty() && rule.verbs.iter().all(nameless) {
            out.push(Lint {
                severity: Severity::Warning,
                rule_index: Some(index),
                line: line_of(index),
                code: "KA009",
                message: format!(
                    "rule {index} names objects (resourceNames) but only for {}: these requests carry no object name, so the names never match",
                    rule.verbs.join(", ")
                ),
            });
        }
    }

    out.sort_by(|a, b| {
        (a.line.unwrap_or(usize::MAX), a.code, a.rule_index).cmp(&(
            b.line.unwrap_or(usize::MAX),
            b.code,
            b.rule_index,
        ))
    });
    out
}

// --- KA001: shadowed rules ---------------------------------------------------

/// Rules that earlier rules cover, each with the earliest rule that covers
/// part of it (the one named in the message).
///
/// A rule is split into pieces, one per resource pattern (or per URL): a
/// piece is covered when one earlier rule matches all of it; the rule is
/// unreachable when every piece is. The other conditions (users, groups,
/// verbs, namespaces) must be covered by that same earlier rule: unions
/// across them are not tried, so some unreachable rules go unreported, but
/// a reachable one never is.
fn unreachable_rules(policy: &Policy) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (j, later) in policy.rules.iter().enumerate() {
        let mut first: Option<usize> = None;
        let all_covered = pieces(later).iter().all(|piece| {
            match policy.rules[..j]
                .iter()
                .position(|earlier| rule_covers(earlier, piece))
            {
                Some(i) => {
                    first = Some(first.map_or(i, |f| f.min(i)));
                    true
                }
                None => false,
            }
        });
        if let (true, Some(i)) = (all_covered, first) {
            out.push((j, i));
        }
    }
    out
}

/// A rule split into rules that each name one resource pattern or one URL;
/// together they match exactly what the rule matches.
fn pieces(rule: &PolicyRule) -> Vec<PolicyRule> {
    let mut out = Vec::new();
    if rule.is_resource_rule() && !rule.resources.is_empty() {
        for gr in &rule.resources {
            let patterns: Vec<Vec<String>> = if gr.resources.is_empty() {
                vec![Vec::new()]
            } else {
                gr.resources.iter().map(|r| vec![r.clone()]).collect()
            };
            for resources in patterns {
                out.push(PolicyRule {
                    resources: vec![GroupResources {
                        group: gr.group.clone(),
                        resources,
                        resource_names: gr.resource_names.clone(),
                    }],
                    ..rule.clone()
                });
            }
        }
    } else if rule.is_non_resource_rule() {
        for url in &rule.non_resource_urls {
            out.push(PolicyRule {
                non_resource_urls: vec![url.clone()],
                ..rule.clone()
            });
        }
    } else {
        out.push(rule.clone());
    }
    out
}

/// Whether every request `b` matches is matched by `a`.
fn rule_covers(a: &PolicyRule, b: &PolicyRule) -> bool {
    list_covers(&a.users, &b.users)
        && list_covers(&a.user_groups, &b.user_groups)
        && list_covers(&a.verbs, &b.verbs)
        && scope_covers(a, b)
}

/// An exact-match list: empty means any.
fn list_covers(a: &[String], b: &[String]) -> bool {
    a.is_empty() || (!b.is_empty() && b.iter().all(|x| a.contains(x)))
}

fn scope_covers(a: &PolicyRule, b: &PolicyRule) -> bool {
    if a.is_resource_rule() {
        if !b.is_resource_rule() || !list_covers(&a.namespaces, &b.namespaces) {
            return false;
        }
        if a.resources.is_empty() {
            return true;
        }
        let all = [GroupResources {
            group: "*".into(),
            ..GroupResources::default()
        }];
        let b_resources: &[GroupResources] = if b.resources.is_empty() {
            &all
        } else {
            &b.resources
        };
        b_resources
            .iter()
            .all(|g| a.resources.iter().any(|h| group_resources_cover(h, g)))
    } else if !a.non_resource_urls.is_empty() {
        b.is_non_resource_rule()
            && b.non_resource_urls
                .iter()
                .all(|u| a.non_resource_urls.iter().any(|s| url_covers(s, u)))
    } else {
        true
    }
}

fn url_covers(spec: &str, url: &str) -> bool {
    spec == "*"
        || spec == url
        || (spec.ends_with('*')
            && url != "*"
            && url
                .trim_end_matches('*')
                .starts_with(spec.trim_end_matches('*')))
}

fn group_resources_cover(h: &GroupResources, g: &GroupResources) -> bool {
    if h.group != "*" && h.group != g.group {
        return false;
    }
    if h.resources.is_empty() {
        return true;
    }
    if g.resources.is_empty() {
        return h.resource_names.is_empty() && h.resources.iter().any(|p| p == "*");
    }
    list_covers(&h.resource_names, &g.resource_names)
        && g.resources
            .iter()
            .all(|r| h.resources.iter().any(|p| pattern_covers(p, r)))
}

/// Whether resource pattern `p` matches every request pattern `r` matches.
fn pattern_covers(p: &str, r: &str) -> bool {
    if p == "*" || p == r {
        return true;
    }
    if r == "*" {
        return false;
    }
    if let Some(resource) = p.strip_suffix("/*") {
        return r == resource
            || r.strip_prefix(resource)
                .is_some_and(|rest| rest.starts_with('/'));
    }
    if let Some(sub) = p.strip_prefix("*/") {
        return r
            .split_once('/')
            .is_some_and(|(res, s)| res != "*" && s == sub);
    }
    false
}

// --- KA004 -------------------------------------------------------------------

fn has_catch_all(policy: &Policy) -> bool {
    let unconditional =
        |r: &PolicyRule| r.users.is_empty() && r.user_groups.is_empty() && r.verbs.is_empty();
    if policy.rules.iter().any(|r| r.is_catch_all()) {
        return true;
    }
    let all_resources = policy.rules.iter().any(|r| {
        unconditional(r)
            && r.namespaces.is_empty()
            && r.resources.iter().any(|gr| {
                gr.group == "*"
                    && (gr.resources.is_empty()
                        || (gr.resource_names.is_empty() && gr.resources.iter().any(|p| p == "*")))
            })
    });
    let all_paths = policy.rules.iter().any(|r| {
        unconditional(r) && r.is_non_resource_rule() && r.non_resource_urls.iter().any(|u| u == "*")
    });
    all_resources && all_paths
}

// --- probes: KA002, KA005 ----------------------------------------------------

/// Who and where to ask the policy about: every user, group, namespace and
/// object name the policy mentions, plus generic ones.
struct Probes {
    identities: Vec<(String, Vec<String>)>,
    namespaces: Vec<String>,
    names: Vec<String>,
}

const AUTHENTICATED: &str = "system:authenticated";

impl Probes {
    fn new(policy: &Policy) -> Probes {
        let mut users = vec!["kensa:probe-user".to_string()];
        let mut groups: Vec<String> = Vec::new();
        let mut namespaces = vec!["default".to_string(), String::new()];
        let mut names = vec!["kensa-probe".to_string()];
        let add = |list: &mut Vec<String>, value: &String| {
            if !list.contains(value) {
                list.push(value.clone());
            }
        };
        for rule in &policy.rules {
            rule.users.iter().for_each(|u| add(&mut users, u));
            rule.user_groups.iter().for_each(|g| add(&mut groups, g));
            rule.namespaces.iter().for_each(|n| add(&mut namespaces, n));
            for gr in &rule.resources {
                gr.resource_names.iter().for_each(|n| add(&mut names, n));
            }
        }
        let mut group_sets = vec![vec![AUTHENTICATED.to_string()]];
        for g in groups.iter().filter(|g| *g != AUTHENTICATED) {
            group_sets.push(vec![g.clone(), AUTHENTICATED.to_string()]);
        }
        let identities = users
            .iter()
            .flat_map(|u| group_sets.iter().map(move |gs| (u.clone(), gs.clone())))
            .collect();
        Probes {
            identities,
            namespaces,
            names,
        }
    }

    /// Calls `f` with each probe request for this resource and verb and the
    /// rule that decides it.
    fn each(
        &self,
        policy: &Policy,
        (group, resource, subresource): (&str, &str, &str),
        verb: &str,
        mut f: impl FnMut(usize, &str, &str, &[String]),
    ) {
        let nameless = matches!(verb, "list" | "watch" | "create" | "deletecollection")
            && subresource.is_empty();
        let empty = [String::new()];
        let names: &[String] = if nameless { &empty } else { &self.names };
        for (user, groups) in &self.identities {
            for namespace in &self.namespaces {
                for name in names {
                    let request = Request {
                        user: Some(user),
                        groups: groups.as_slice(),
                        verb,
                        resource: Some(ResourceRequest {
                            group,
                            resource,
                            subresource,
                            namespace,
                            name,
                        }),
                        path: "",
                    };
                    if let Some(index) = policy.first_match(&request) {
                        f(index, user, namespace, groups);
                    }
                }
            }
        }
    }
}

fn kubectl_form((group, resource, subresource): (&str, &str, &str)) -> String {
    let mut s = resource.to_string();
    if !group.is_empty() {
        s.push('.');
        s.push_str(group);
    }
    if !subresource.is_empty() {
        s.push('/');
        s.push_str(subresource);
    }
    s
}

/// Findings grouped per rule: (rule, what it leaks).
fn sensitive_bodies(policy: &Policy, probes: &Probes) -> Vec<(usize, String)> {
    // Which levels expose the secret: request bodies of writes carry the
    // data (and a TokenReview's request carries the token), responses of
    // anything carry it (the token of a TokenRequest is only in its response).
    const SENSITIVE: [((&str, &str, &str), bool); 4] = [
        (("", "secrets", ""), true),
        (("", "configmaps", ""), true),
        (("authentication.k8s.io", "tokenreviews", ""), true),
        (("", "serviceaccounts", "token"), false),
    ];
    const VERBS: [&str; 7] = [
        "get", "list", "watch", "create", "update", "patch", "delete",
    ];
    let mut found: Vec<(usize, Vec<String>)> = Vec::new();
    for (target, request_leaks) in SENSITIVE {
        for verb in VERBS {
            let write = matches!(verb, "create" | "update" | "patch");
            probes.each(policy, target, verb, |index, _, _, _| {
                let level = policy.rules[index].level;
                let leaks = level == Level::RequestResponse
                    || (level == Level::Request && write && request_leaks);
                if !leaks {
                    return;
                }
                let what = format!("{verb} {}", kubectl_form(target));
                match found.iter_mut().find(|(i, _)| *i == index) {
                    Some((_, list)) => {
                        if !list.contains(&what) {
                            list.push(what);
                        }
                    }
                    None => found.push((index, vec![what])),
                }
            });
        }
    }
    found
        .into_iter()
        .map(|(index, what)| {
            (
                index,
                format!(
                    "rule {index} writes secret material into the audit log at level {} ({}); log these resources at Metadata in an earlier rule",
                    policy.rules[index].level.as_str(),
                    what.join(", ")
                ),
            )
        })
        .collect()
}

/// Rules logging the full response of big lists. Watches are not probed:
/// the API server does not record the stream of a watch as a response body.
fn huge_events(policy: &Policy, probes: &Probes) -> Vec<(usize, String)> {
    const BIG: [(&str, &str, &str); 7] = [
        ("", "pods", ""),
        ("", "events", ""),
        ("events.k8s.io", "events", ""),
        ("", "nodes", ""),
        ("", "endpoints", ""),
        ("discovery.k8s.io", "endpointslices", ""),
        ("coordination.k8s.io", "leases", ""),
    ];
    let mut found: Vec<(usize, Vec<String>)> = Vec::new();
    for target in BIG {
        probes.each(policy, target, "list", |index, _, _, _| {
            if policy.rules[index].level != Level::RequestResponse {
                return;
            }
            let what = kubectl_form(target);
            match found.iter_mut().find(|(i, _)| *i == index) {
                Some((_, list)) => {
                    if !list.contains(&what) {
                        list.push(what);
                    }
                }
                None => found.push((index, vec![what])),
            }
        });
    }
    found
        .into_iter()
        .map(|(index, what)| {
            let rule = &policy.rules[index];
            let everything = rule.users.is_empty()
                && rule.user_groups.is_empty()
                && rule.verbs.is_empty()
                && rule.namespaces.is_empty()
                && (rule.resources.is_empty()
                    || rule
                        .resources
                        .iter()
                        .any(|gr| gr.group == "*" && gr.resources.is_empty()));
            let message = if everything {
                format!(
                    "rule {index} logs every request it matches at RequestResponse, including lists of {}: each list response holds every object, so events can be megabytes; use Request for reads",
                    what.join(", ")
                )
            } else {
                format!(
                    "rule {index} logs list responses of {} at RequestResponse: each holds every object listed, so events can be megabytes; use Request or Metadata for list",
                    what.join(", ")
                )
            };
            (index, message)
        })
        .collect()
}

// --- KA006 -------------------------------------------------------------------

fn noise(policy: &Policy) -> Vec<(usize, String)> {
    let proxy = ["system:authenticated".to_string()];
    let node = [
        "system:nodes".to_string(),
        "system:authenticated".to_string(),
    ];
    let resource = |group, resource, namespace, name| {
        Some(ResourceRequest {
            group,
            resource,
            subresource: "",
            namespace,
            name,
        })
    };
    // (request, the highest level that is not noise, what it is)
    let cases: [(Request<'_, String>, Level, &str); 7] = [
        (
            Request {
                user: Some("system:kube-proxy"),
                groups: &proxy,
                verb: "watch",
                resource: resource("", "endpoints", "", ""),
                path: "",
            },
            Level::None,
            "kube-proxy watching endpoints",
        ),
        (
            Request {
                user: Some("system:kube-proxy"),
                groups: &proxy,
                verb: "watch",
                resource: resource("discovery.k8s.io", "endpointslices", "", ""),
                path: "",
            },
            Level::None,
            "kube-proxy watching endpointslices",
        ),
        (
            Request {
                user: Some("system:node:node-1"),
                groups: &node,
                verb: "get",
                resource: resource("", "nodes", "", "node-1"),
                path: "",
            },
            Level::None,
            "kubelets reading their node",
        ),
        (
            Request {
                user: Some("system:node:node-1"),
                groups: &node,
                verb: "update",
                resource: resource("coordination.k8s.io", "leases", "kube-node-lease", "node-1"),
                path: "",
            },
            Level::Metadata,
            "kubelets renewing their lease (every 10 s per node)",
        ),
        (
            Request {
                user: Some("kensa:probe-user"),
                groups: &proxy,
                verb: "get",
                resource: None,
                path: "/healthz",
            },
            Level::None,
            "authenticated /healthz checks",
        ),
        (
            Request {
                user: Some("kensa:probe-user"),
                groups: &proxy,
                verb: "get",
                resource: None,
                path: "/readyz",
            },
            Level::None,
            "authenticated /readyz checks",
        ),
        (
            Request {
                user: Some("kensa:probe-user"),
                groups: &proxy,
                verb: "get",
                resource: None,
                path: "/livez",
            },
            Level::None,
            "authenticated /livez checks",
        ),
    ];
    // One finding per rule, listing what it logs.
    let mut found: Vec<(usize, Vec<String>)> = Vec::new();
    for (request, ceiling, what) in cases {
        let Some(index) = policy.first_match(&request) else {
            continue;
        };
        let level = policy.rules[index].level;
        if level > ceiling {
            let what = format!(
                "{what} (at {}, {} would do)",
                level.as_str(),
                ceiling.as_str()
            );
            match found.iter_mut().find(|(i, _)| *i == index) {
                Some((_, list)) => list.push(what),
                None => found.push((index, vec![what])),
            }
        }
    }
    found
        .into_iter()
        .map(|(index, what)| {
            (
                index,
                format!(
                    "rule {index} logs high-volume routine traffic with little audit value: {}; add an earlier rule for it",
                    what.join("; ")
                ),
            )
        })
        .collect()
}

// --- lines -------------------------------------------------------------------

/// The line each rule starts on, found in the text: the items of the
/// top-level `rules:` sequence. For policies built without spans.
pub(crate) fn rule_lines(source: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut in_rules = false;
    let mut item_indent: Option<usize> = None;
    for (n, raw) in source.lines().enumerate() {
        let trimmed = raw.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = raw.len() - trimmed.len();
        if !in_rules {
            if indent == 0
                && (trimmed == "rules:"
                    || trimmed.starts_with("rules: #")
                    || trimmed.starts_with("rules:#"))
            {
                in_rules = true;
            }
            continue;
        }
        let is_item = trimmed == "-" || trimmed.starts_with("- ");
        match item_indent {
            None if is_item => {
                item_indent = Some(indent);
                out.push(n + 1);
            }
            None => break,
            Some(i) if is_item && indent == i => out.push(n + 1),
            Some(i) if indent < i || (indent == 0 && !is_item) => break,
            Some(_) => {}
        }
    }
    out
}

fn top_level_key_line(source: &str, key: &str) -> Option<usize> {
    let key = key.split(['.', '[']).next()?;
    source
        .lines()
        .position(|line| {
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|n| n + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(yaml: &str) -> Vec<(&'static str, Option<usize>, Option<usize>)> {
        let policy = Policy::from_yaml(yaml).unwrap();
        lint(&policy, yaml)
            .into_iter()
            .map(|l| (l.code, l.rule_index, l.line))
            .collect()
    }

    const GOOD: &str = "\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: None
    users: [system:kube-proxy]
    verbs: [watch]
    resources:
      - group: \"\"
        resources: [endpoints]
      - group: discovery.k8s.io
        resources: [endpointslices]
  - level: None
    userGroups: [system:nodes]
    verbs: [get]
    resources:
      - group: \"\"
        resources: [nodes]
  - level: None
    userGroups: [system:authenticated]
    nonResourceURLs: [/healthz*, /readyz*, /livez*]
  - level: Metadata
    resources:
      - group: \"\"
        resources: [secrets, configmaps, serviceaccounts/token]
      - group: authentication.k8s.io
        resources: [tokenreviews]
      - group: coordination.k8s.io
  - level: Request
    verbs: [get, list, watch]
  - level: RequestResponse
    resources:
      - group: \"*\"
  - level: Metadata
";

    #[test]
    fn a_good_policy_is_clean() {
        assert_eq!(codes(GOOD), vec![]);
    }

    #[test]
    fn each_lint_fires() {
        let bad = "\
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: Request
    users: [\"system:serviceaccount:*\"]
    userGroup: [admins]
  - level: RequestResponse
    resources:
      - group: \"\"
        resources: [\"pods/*\"]
  - level: Metadata
    verbs: [get]
    resources:
      - group: \"\"
        resources: [pods/log]
";
        let found = codes(bad);
        let named = codes(
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n  - level: None\n    verbs: [list, watch]\n    resources: [{group: \"\", resources: [configmaps], resourceNames: [x]}]\n  - level: Metadata\n",
        );
        assert_eq!(named[0], ("KA009", Some(0), Some(5)));
        assert!(!named[1..].iter().any(|c| c.0 == "KA009"));
        let has = |code: &str, rule: Option<usize>, line: Option<usize>| {
            assert!(
                found.contains(&(code_static(code), rule, line)),
                "{code} {rule:?} {line:?} in {found:?}"
            );
        };
        has("KA001", Some(2), Some(11));
        // A write by the (literal) user named in rule 0 is logged with its body.
        has("KA002", Some(0), Some(4));
        has("KA003", Some(0), Some(4));
        has("KA003", Some(1), Some(7));
        has("KA004", None, None);
        has("KA005", Some(1), Some(7));
        has("KA007", Some(0), Some(4));
        has("KA008", Some(0), Some(4));
        // The unreachable rule is not also blamed for RequestReceived.
        assert!(!found.contains(&("KA003", Some(2), Some(11))));
    }

    fn code_static(code: &str) -> &'static str {
        [
            "KA001", "KA002", "KA003", "KA004", "KA005", "KA006", "KA007", "KA008",
        ]
        .into_iter()
        .find(|c| *c == code)
        .unwrap_or("?")
    }

    #[test]
    fn catch_all_in_the_middle_hides_the_rest() {
        let yaml = "\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
  - level: None
    nonResourceURLs: [/healthz]
  - level: Metadata
    resources: [{group: \"\", resources: [secrets]}]
";
        let found = codes(yaml);
        assert!(found.contains(&("KA001", Some(1), Some(6))));
        assert!(found.contains(&("KA001", Some(2), Some(8))));
    }

    #[test]
    fn shadowing_is_only_reported_when_certain() {
        let yaml = "\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: None
    resources: [{group: \"\", resources: [\"pods/*\", \"*/status\"]}]
  - level: None
    verbs: [get]
    resources: [{group: \"\", resources: [pods, pods/log, nodes/status]}]
  - level: None
    resources: [{group: \"\", resources: [services]}]
  - level: None
    users: [alice]
    resources: [{group: \"\", resources: [services, nodes/status]}]
  - level: None
    nonResourceURLs: [\"/api*\"]
  - level: None
    nonResourceURLs: [/apis/foo, \"/api/v1*\"]
  - level: None
    nonResourceURLs: [/version]
  - level: None
";
        let unreachable: Vec<_> = codes(yaml)
            .into_iter()
            .filter(|c| c.0 == "KA001")
            .map(|c| c.1)
            .collect();
        assert_eq!(unreachable, vec![Some(1), Some(3), Some(5)]);
    }

    #[test]
    fn pattern_cover() {
        assert!(pattern_covers("pods/*", "pods"));
        assert!(pattern_covers("pods/*", "pods/exec"));
        assert!(!pattern_covers("pods/*", "podsx"));
        assert!(pattern_covers("*/scale", "deployments/scale"));
        assert!(!pattern_covers("*/scale", "deployments"));
        assert!(!pattern_covers("*/scale", "deployments/*"));
        assert!(!pattern_covers("pods", "*"));
        assert!(url_covers("/healthz*", "/healthz/etcd"));
        assert!(!url_covers("/healthz", "/healthz*"));
    }

    #[test]
    fn lines_from_text() {
        assert_eq!(rule_lines(GOOD), vec![5, 13, 19, 22, 29, 31, 34]);
        let flat = "kind: Policy\nrules:\n- level: None\n  users: [a]\n- level: Metadata\nomitStages: []\n";
        assert_eq!(rule_lines(flat), vec![3, 5]);
    }

    #[test]
    fn noise_is_reported() {
        let yaml = "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n  - level: Metadata\n";
        let found = codes(yaml);
        assert_eq!(found.iter().filter(|c| c.0 == "KA006").count(), 1);
    }
}
