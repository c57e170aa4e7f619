//! Detections: Falco's k8saudit rules rewritten as kensa rules, plus kensa's
//! own rules for attacks no Falco rule covers, run over audit events.
//!
//! Each rule lives in its own file under `rules/` and is a pure function of one
//! event. A few kensa rules count events in a time window (bursts of denied
//! requests); [`Detections`] keeps their candidates and decides at
//! [`Detections::finish`], so chunks read on different cores can be merged in
//! any order.
//!
//! Where kensa deliberately behaves differently from Falco, the rule's doc
//! comment says so and [`FIXES`] lists it.

mod engine;
pub mod rules;
mod support;

pub use engine::{DEFAULT_CAP_PER_RULE, DetectionReport, Detections, Hit, RuleSummary};
pub use rules::RULES;

use crate::event::{Event, Level, Stage};
use crate::policy::{Attributes, Evaluation};

/// How urgent a hit is, with Falco's levels (most urgent first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// The system is unusable.
    Emergency,
    /// Act at once.
    Alert,
    /// Critical conditions.
    Critical,
    /// Errors.
    Error,
    /// Warnings: most security findings.
    Warning,
    /// Normal but significant.
    Notice,
    /// Informational: activity streams.
    Informational,
    /// Debugging.
    Debug,
}

impl Priority {
    /// Falco's spelling, upper case (`INFO` for informational).
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Emergency => "EMERGENCY",
            Priority::Alert => "ALERT",
            Priority::Critical => "CRITICAL",
            Priority::Error => "ERROR",
            Priority::Warning => "WARNING",
            Priority::Notice => "NOTICE",
            Priority::Informational => "INFO",
            Priority::Debug => "DEBUG",
        }
    }

    /// Parses Falco's names, in any case (`INFO` and `INFORMATIONAL` both work).
    pub fn parse(name: &str) -> Option<Priority> {
        let upper = name.to_ascii_uppercase();
        Some(match upper.as_str() {
            "EMERGENCY" => Priority::Emergency,
            "ALERT" => Priority::Alert,
            "CRITICAL" => Priority::Critical,
            "ERROR" => Priority::Error,
            "WARNING" | "WARN" => Priority::Warning,
            "NOTICE" => Priority::Notice,
            "INFO" | "INFORMATIONAL" => Priority::Informational,
            "DEBUG" => Priority::Debug,
            _ => return None,
        })
    }

    /// Whether this is at least as urgent as `other`.
    pub fn at_least(self, other: Priority) -> bool {
        self <= other
    }
}

impl serde::Serialize for Priority {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A kind of request a rule looks at; empty lists mean "any".
///
/// Used to skip rules cheaply and to ask an audit policy whether the events a
/// rule needs are recorded at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestPattern {
    /// Verbs, e.g. `create`.
    pub verbs: &'static [&'static str],
    /// API group; `None` matches any group.
    pub api_group: Option<&'static str>,
    /// Resources, e.g. `pods`.
    pub resources: &'static [&'static str],
    /// Subresources; empty matches requests with or without one.
    pub subresources: &'static [&'static str],
    /// Namespaces the rule is about; empty means any (a probe uses `default`).
    pub namespaces: &'static [&'static str],
}

impl RequestPattern {
    /// Any request at all.
    pub const ANY: RequestPattern = RequestPattern {
        verbs: &[],
        api_group: None,
        resources: &[],
        subresources: &[],
        namespaces: &[],
    };

    /// Whether an event's request fits this pattern.
    pub fn matches(&self, event: &Event<'_>) -> bool {
        let verb_ok = self.verbs.is_empty() || self.verbs.contains(&event.verb.as_ref());
        let resource_ok = self.resources.is_empty()
            || event
                .resource()
                .is_some_and(|r| self.resources.contains(&r));
        let subresource_ok = self.subresources.is_empty()
            || event
                .subresource()
                .is_some_and(|s| self.subresources.contains(&s));
        let group_ok = self.api_group.is_none_or(|g| event.api_group() == Some(g));
        let namespace_ok = self.namespaces.is_empty()
            || event
                .namespace()
                .is_some_and(|n| self.namespaces.contains(&n));
        verb_ok && resource_ok && subresource_ok && group_ok && namespace_ok
    }
}

/// An identity a policy probe acts as, for rules about specific users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// The user name.
    pub user: &'static str,
    /// The groups.
    pub groups: &'static [&'static str],
}

/// The generic authenticated, non-system user that policy probes act as.
pub const PROBE_IDENTITY: Identity = Identity {
    user: "kensa:probe",
    groups: &["system:authenticated"],
};

/// What a rule needs recorded in the log to work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    /// The lowest audit level whose events carry what the rule reads
    /// (`Request` for rules that read `requestObject`).
    pub level: Level,
    /// The stages the rule acts on; any one of them is enough. When several
    /// are listed, a request fires once even if it was logged at all of them.
    pub stages: &'static [Stage],
    /// The requests the rule looks at (any one of them).
    pub requests: &'static [RequestPattern],
    /// The identity to probe a policy with; `None` for the generic user.
    pub identity: Option<Identity>,
}

/// A burst rule: it fires when `threshold` candidate events with the same key
/// fall within `seconds`.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// How many candidates make a burst.
    pub threshold: usize,
    /// The window's length in seconds.
    pub seconds: i64,
    /// What candidates are grouped by, e.g. user and source IP.
    pub key: fn(&Event<'_>) -> String,
}

/// A detection rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// kensa's identifier, e.g. `k8s-privileged-pod-created`.
    pub id: &'static str,
    /// The exact name of the Falco rule this corresponds to, if any.
    pub falco_name: Option<&'static str>,
    /// A short title.
    pub title: &'static str,
    /// How urgent a hit is.
    pub priority: Priority,
    /// What the rule detects and why it matters.
    pub description: &'static str,
    /// Whether the rule runs unless asked for by name.
    pub default_enabled: bool,
    /// What the log must record for the rule to work.
    pub needs: Needs,
    /// Decides one event: `Some(message)` when it fires (for a windowed rule:
    /// when the event is a candidate).
    pub check: fn(&Event<'_>) -> Option<String>,
    /// Set for burst rules.
    pub window: Option<Window>,
}

impl Rule {
    /// Whether the event is at a stage and of a kind this rule looks at.
    pub fn applies_to(&self, event: &Event<'_>) -> bool {
        let stage_ok = event
            .stage
            .is_some_and(|stage| self.needs.stages.contains(&stage));
        stage_ok && self.needs.requests.iter().any(|p| p.matches(event))
    }

    /// Runs the rule on one event (stage and request filters included).
    /// Burst rules return their per-event candidate message.
    pub fn evaluate(&self, event: &Event<'_>) -> Option<String> {
        if self.applies_to(event) {
            (self.check)(event)
        } else {
            None
        }
    }
}

/// Every rule, by id.
pub fn find_rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|rule| rule.id == id)
}

/// The rules that run by default.
pub fn default_rules() -> Vec<&'static Rule> {
    RULES
        .iter()
        .copied()
        .filter(|rule| rule.default_enabled)
        .collect()
}

/// The rules to run: the default ones, plus `enable`, minus `disable`. Each
/// name is a kensa id or an exact Falco rule name; `all` in `enable` turns on
/// every rule. Unknown names are an error.
pub fn select_rules(enable: &[&str], disable: &[&str]) -> crate::Result<Vec<&'static Rule>> {
    let lookup = |name: &str| {
        RULES
            .iter()
            .copied()
            .find(|rule| rule.id == name || rule.falco_name == Some(name))
            .ok_or_else(|| crate::Error::UnknownRule(name.to_string()))
    };
    let mut chosen: Vec<&'static Rule> = if enable.contains(&"all") {
        RULES.to_vec()
    } else {
        default_rules()
    };
    for name in enable.iter().filter(|name| **name != "all") {
        let rule = lookup(name)?;
        if !chosen.iter().any(|r| r.id == rule.id) {
            chosen.push(rule);
        }
    }
    for name in disable {
        let rule = lookup(name)?;
        chosen.retain(|r| r.id != rule.id);
    }
    // Keep the list's order so reports do not depend on argument order.
    chosen.sort_by_key(|rule| RULES.iter().position(|r| r.id == rule.id));
    Ok(chosen)
}

/// What kensa does differently from Falco, per rule id, for the docs.
pub const FIXES: &[(&str, &str)] = &[
    (
        "k8s-privileged-pod-created",
        "fires only when the create did not fail (no 4xx/5xx code); Falco also fires on requests rejected by admission, e.g. PodSecurity's 403 with decision=allow. Rejected attempts fire k8s-privileged-pod-blocked instead",
    ),
    (
        "k8s-sensitive-mount-pod-created",
        "fires only on successful creates (see k8s-privileged-pod-blocked); host paths are compared without a trailing slash",
    ),
    (
        "k8s-host-network-pod-created",
        "fires only on successful creates; images allowed to run privileged are also allowed host namespaces (Falco flags e.g. docker.io/calico/node)",
    ),
    (
        "k8s-host-pid-pod-created",
        "fires only on successful creates; images allowed to run privileged are also allowed host namespaces (Falco's list is empty)",
    ),
    (
        "k8s-host-ipc-pod-created",
        "fires only on successful creates; images allowed to run privileged are also allowed host namespaces (Falco's list is empty)",
    ),
    (
        "k8s-pod-in-kube-namespace",
        "fires only on successful creates; node agents allowed to run privileged (calico, kube-proxy...) are also allowed in kube-system",
    ),
    (
        "k8s-disallowed-pod-created",
        "fires only on successful creates",
    ),
    (
        "k8s-privileged-pod-blocked",
        "kensa rule: a pod that would have fired a pod-security rule but whose create failed (e.g. 403 from PodSecurity admission), at NOTICE",
    ),
    (
        "k8s-pod-exec-attach",
        "Falco (plugins 0b3cbd8) matches create or get but only at ResponseStarted, so logs whose policy omits that stage never fire; kensa falls back to ResponseComplete, fires once per request, keeps verb get (WebSocket, kubectl >= 1.30) and create (SPDY), and skips failed (>= 400) requests",
    ),
    (
        "k8s-pod-port-forward",
        "Falco's rule has no stage or verb condition and fires once per logged stage (up to three times per request); kensa fires once per request, on get or create, not on failed requests",
    ),
    (
        "k8s-write-role-created",
        "a `*` verb counts as write access; Falco only matches the literal verbs create, update, patch, delete, deletecollection",
    ),
    (
        "k8s-pod-exec-role-created",
        "`pods/*` counts as pods/exec; only successful creates",
    ),
    ("k8s-wildcard-role-created", "only successful creates"),
    ("k8s-cluster-admin-binding", "only successful creates"),
    ("k8s-system-role-modified", "only successful requests"),
    ("k8s-nodeport-service-created", "only successful creates"),
    (
        "k8s-configmap-credentials",
        "only successful requests; matching is case-insensitive. Needs level Request: at Metadata the body is not logged and the rule cannot fire",
    ),
    (
        "k8s-disallowed-namespace-created",
        "only successful creates",
    ),
    (
        "k8s-ephemeral-container-created",
        "only successful requests; reports every ephemeral container's name and image",
    ),
    (
        "k8s-disallowed-user",
        "disabled by default: its allowlist holds minikube/kops default users, so on other clusters it fires on every request of every human user",
    ),
    (
        "k8s-ingress-without-tls",
        "needs the request body; Falco fires on every Ingress when the body is not logged (Metadata level)",
    ),
    (
        "k8s-secret-get",
        "skips identities whose job is reading secrets: nodes, kube-controller-manager and well-known secret-managing controllers (cert-manager, external-secrets, sealed-secrets, argocd)",
    ),
];

/// A rule an audit policy makes blind, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Silenced {
    /// The rule's id.
    pub rule_id: &'static str,
    /// Why it cannot fire under the policy.
    pub reason: String,
}

/// Resources that are not namespaced, so probes for them carry no namespace.
const CLUSTER_SCOPED: &[&str] = &[
    "namespaces",
    "nodes",
    "clusterroles",
    "clusterrolebindings",
    "persistentvolumes",
    "mutatingwebhookconfigurations",
    "validatingwebhookconfigurations",
    "customresourcedefinitions",
    "selfsubjectrulesreviews",
    "selfsubjectaccessreviews",
    "tokenreviews",
    "subjectaccessreviews",
    "certificatesigningrequests",
];

/// The rules that cannot fire under an audit policy: for every request the
/// rule looks at, the policy records less than the rule needs or omits every
/// stage the rule acts on. `evaluate` is the policy evaluator.
pub fn silenced_rules(
    rules: &[&'static Rule],
    evaluate: &dyn Fn(&Attributes) -> Evaluation,
) -> Vec<Silenced> {
    let mut silenced = Vec::new();
    for rule in rules {
        let identity = rule.needs.identity.unwrap_or(PROBE_IDENTITY);
        let mut probes = 0usize;
        let mut blind = Vec::new();
        for attributes in rule
            .needs
            .requests
            .iter()
            .flat_map(|pattern| probe_attributes(pattern, identity))
        {
            probes += 1;
            let evaluation = evaluate(&attributes);
            let level_ok = evaluation.level >= rule.needs.level;
            let stage_ok = rule
                .needs
                .stages
                .iter()
                .any(|stage| !evaluation.omit_stages.contains(stage));
            if level_ok && stage_ok {
                blind.clear();
                break;
            }
            blind.push(if level_ok {
                format!("{} omits its stages", describe(&attributes))
            } else {
                format!(
                    "{} is recorded at {}",
                    describe(&attributes),
                    evaluation.level.as_str()
                )
            });
        }
        if probes > 0 && blind.len() == probes {
            let stages: Vec<&str> = rule.needs.stages.iter().map(|s| s.as_str()).collect();
            silenced.push(Silenced {
                rule_id: rule.id,
                reason: format!(
                    "needs {} at {}; {}",
                    rule.needs.level.as_str(),
                    stages.join(" or "),
                    blind.join("; ")
                ),
            });
        }
    }
    silenced
}

fn describe(attributes: &Attributes) -> String {
    let mut text = format!("{} {}", attributes.user, attributes.verb);
    if let Some(resource) = &attributes.resource {
        text.push(' ');
        text.push_str(resource);
        if let Some(sub) = &attributes.subresource {
            text.push('/');
            text.push_str(sub);
        }
    }
    if let Some(namespace) = &attributes.namespace {
        text.push_str(" in ");
        text.push_str(namespace);
    }
    text
}

/// One representative request per verb, resource, subresource and namespace
/// of a pattern; empty lists get a typical value.
fn probe_attributes(pattern: &RequestPattern, identity: Identity) -> Vec<Attributes> {
    let verbs: &[&str] = if pattern.verbs.is_empty() {
        &["get"]
    } else {
        pattern.verbs
    };
    let resources: &[&str] = if pattern.resources.is_empty() {
        &["pods"]
    } else {
        pattern.resources
    };
    let subresources: Vec<Option<&str>> = if pattern.subresources.is_empty() {
        vec![None]
    } else {
        pattern.subresources.iter().map(|s| Some(*s)).collect()
    };
    let namespaces: &[&str] = if pattern.namespaces.is_empty() {
        &["default"]
    } else {
        pattern.namespaces
    };
    let mut out = Vec::new();
    for verb in verbs {
        for resource in resources {
            for subresource in &subresources {
                let namespaced = !CLUSTER_SCOPED.contains(resource);
                let namespace_list: &[&str] = if namespaced { namespaces } else { &[""] };
                for namespace in namespace_list {
                    out.push(Attributes {
                        user: identity.user.to_string(),
                        groups: identity.groups.iter().map(|g| g.to_string()).collect(),
                        verb: verb.to_string(),
                        resource: Some(resource.to_string()),
                        api_group: pattern.api_group.unwrap_or("").to_string(),
                        subresource: subresource.map(str::to_string),
                        namespace: namespaced.then(|| namespace.to_string()),
                        name: None,
                        path: None,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_falco_names_distinct() {
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        for rule in RULES {
            assert!(ids.insert(rule.id), "duplicate id {}", rule.id);
            assert!(rule.id.starts_with("k8s-"), "{}", rule.id);
            if let Some(name) = rule.falco_name {
                assert!(names.insert(name), "duplicate Falco name {name}");
            }
            assert!(!rule.needs.stages.is_empty(), "{}", rule.id);
            assert!(!rule.needs.requests.is_empty(), "{}", rule.id);
            assert!(!rule.description.is_empty() && !rule.title.is_empty());
        }
        assert_eq!(names.len(), 48, "every rule of Falco's k8saudit file");
    }

    #[test]
    fn fixes_name_existing_rules() {
        for (id, _) in FIXES {
            assert!(find_rule(id).is_some(), "{id}");
        }
    }

    #[test]
    fn selecting_rules() {
        let defaults = default_rules();
        assert!(defaults.iter().all(|r| r.default_enabled));
        assert!(!defaults.iter().any(|r| r.id == "k8s-disallowed-user"));
        let chosen = select_rules(&["Disallowed K8s User"], &["k8s-secret-get"]).unwrap();
        assert!(chosen.iter().any(|r| r.id == "k8s-disallowed-user"));
        assert!(!chosen.iter().any(|r| r.id == "k8s-secret-get"));
        assert_eq!(chosen.len(), defaults.len());
        assert_eq!(select_rules(&["all"], &[]).unwrap().len(), RULES.len());
        assert!(matches!(
            select_rules(&["nope"], &[]),
            Err(crate::Error::UnknownRule(_))
        ));
    }

    #[test]
    fn priorities_order_and_parse() {
        assert!(Priority::Error.at_least(Priority::Warning));
        assert!(!Priority::Notice.at_least(Priority::Warning));
        assert_eq!(Priority::parse("info"), Some(Priority::Informational));
        assert_eq!(Priority::parse("WARNING"), Some(Priority::Warning));
        assert_eq!(Priority::parse("loud"), None);
    }

    fn evaluation(level: Level, omit: &[Stage]) -> Evaluation {
        Evaluation {
            level,
            omit_stages: omit.to_vec(),
            omit_managed_fields: false,
            rule_index: None,
        }
    }

    #[test]
    fn metadata_policy_silences_body_rules_only() {
        let rules: Vec<&'static Rule> = RULES.to_vec();
        let silenced = silenced_rules(&rules, &|_| evaluation(Level::Metadata, &[]));
        let ids: Vec<&str> = silenced.iter().map(|s| s.rule_id).collect();
        assert!(ids.contains(&"k8s-privileged-pod-created"));
        assert!(ids.contains(&"k8s-configmap-credentials"));
        assert!(!ids.contains(&"k8s-secret-get"));
        assert!(!ids.contains(&"k8s-pod-exec-attach"));
        let all = silenced_rules(&rules, &|_| evaluation(Level::RequestResponse, &[]));
        assert!(all.is_empty(), "{all:?}");
    }

    #[test]
    fn omitted_stages_and_dropped_resources_silence() {
        let exec = find_rule("k8s-pod-exec-attach").unwrap();
        let started_only = silenced_rules(&[exec], &|_| {
            evaluation(Level::Metadata, &[Stage::ResponseStarted])
        });
        assert!(started_only.is_empty(), "ResponseComplete still works");
        let both = silenced_rules(&[exec], &|_| {
            evaluation(
                Level::Metadata,
                &[Stage::ResponseStarted, Stage::ResponseComplete],
            )
        });
        assert_eq!(both.len(), 1);
        assert!(both[0].reason.contains("omits"), "{}", both[0].reason);

        let secret = find_rule("k8s-secret-get").unwrap();
        let policy = |a: &Attributes| {
            if a.resource.as_deref() == Some("secrets") {
                evaluation(Level::None, &[])
            } else {
                evaluation(Level::Metadata, &[])
            }
        };
        let silenced = silenced_rules(&[secret, exec], &policy);
        assert_eq!(silenced.len(), 1);
        assert_eq!(silenced[0].rule_id, "k8s-secret-get");
        assert!(
            silenced[0].reason.contains("at None"),
            "{}",
            silenced[0].reason
        );
    }

    #[test]
    fn identity_specific_rules_probe_as_that_identity() {
        let anonymous = find_rule("k8s-anonymous-request-allowed").unwrap();
        let policy = |a: &Attributes| {
            if a.user == "system:anonymous" {
                evaluation(Level::None, &[])
            } else {
                evaluation(Level::Metadata, &[])
            }
        };
        assert_eq!(silenced_rules(&[anonymous], &policy).len(), 1);
    }
}
