//! Pod Security Admission in the log: what its audit mode flagged and what its
//! enforce mode rejected.
//!
//! Both arrive as text: the audit mode writes the
//! `pod-security.kubernetes.io/audit-violations` annotation (`would violate
//! PodSecurity "restricted:latest": ...`) on the request, and enforce rejects
//! with a 403 whose message is `pods "x" is forbidden: violates PodSecurity
//! "baseline:latest": ...`. Both are read back with kensa-pss's own message
//! model ([`kensa_pss::message::parse_message`]), the inverse of how it writes
//! them, so every violated check comes out with its reason and detail.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use kensa_pss::message::{self, Violation};
use serde::Serialize;

use crate::event::Event;
use crate::report::summary::{Count, Span, is_request, shown, time_text};
use crate::report::{Aggregate, Table};

/// The annotation PodSecurity's audit mode writes.
pub const AUDIT_VIOLATIONS: &str = "pod-security.kubernetes.io/audit-violations";

/// Which PodSecurity mode reported a violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PssMode {
    /// The audit mode's annotation: the request went on.
    Audit,
    /// The enforce mode rejected the request (403).
    Enforce,
}

impl PssMode {
    /// `audit` or `enforce`.
    pub fn as_str(self) -> &'static str {
        match self {
            PssMode::Audit => "audit",
            PssMode::Enforce => "enforce",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Key {
    namespace: String,
    object: String,
    mode: PssMode,
    level_version: String,
}

#[derive(Debug, Clone, Default)]
struct Seen {
    count: u64,
    users: BTreeSet<String>,
    span: Span,
    violations: Vec<Violation>,
}

impl Seen {
    fn add_violations(&mut self, violations: Vec<Violation>) {
        for violation in violations {
            if !self.violations.contains(&violation) {
                self.violations.push(violation);
            }
        }
    }
}

/// Collects PodSecurity audit violations and enforce denials into a
/// [`PssReport`].
///
/// What it counts: requests (final stage, or stageless events) carrying the
/// audit-violations annotation, and requests answered 403 whose message is a
/// PodSecurity enforce message. A request that has both counts once in each
/// mode. Findings are kept per namespace, object, mode and level:version, so
/// memory grows with those, not with the events; the per-namespace and
/// per-check groups are derived from them at the end.
#[derive(Debug, Clone, Default)]
pub struct Pss {
    objects: HashMap<Key, Seen>,
}

impl Pss {
    /// An empty collector.
    pub fn new() -> Pss {
        Pss::default()
    }

    /// The report.
    pub fn finish(self) -> PssReport {
        let mut objects: Vec<(Key, Seen)> = self.objects.into_iter().collect();
        objects.sort_by(|a, b| a.0.cmp(&b.0));
        let mut report = PssReport {
            audit: 0,
            enforce: 0,
            namespaces: Vec::new(),
            checks: Vec::new(),
            objects: Vec::new(),
        };
        let mut namespaces: BTreeMap<&str, Group> = BTreeMap::new();
        let mut checks: BTreeMap<&str, Group> = BTreeMap::new();
        for (key, seen) in &objects {
            match key.mode {
                PssMode::Audit => report.audit += seen.count,
                PssMode::Enforce => report.enforce += seen.count,
            }
            let object = (key.namespace.as_str(), key.object.as_str());
            namespaces
                .entry(&key.namespace)
                .or_default()
                .add(key.mode, seen, object);
            for violation in &seen.violations {
                let group = checks.entry(&violation.reason).or_default();
                group.add(key.mode, seen, object);
                group.namespaces.insert(&key.namespace);
                if group.detail.is_none() {
                    group.detail = violation.detail.as_deref();
                }
            }
            // Checks per namespace count each object's violations once.
            let ns = namespaces.entry(&key.namespace).or_default();
            for violation in &seen.violations {
                *ns.checks.entry(&violation.reason).or_insert(0) += seen.count;
            }
        }
        report.namespaces = namespaces
            .into_iter()
            .map(|(namespace, g)| {
                let mut checks: Vec<Count> = g
                    .checks
                    .iter()
                    .map(|(reason, count)| Count {
                        key: (*reason).to_owned(),
                        count: *count,
                    })
                    .collect();
                checks.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
                PssNamespace {
                    namespace: namespace.to_owned(),
                    audit: g.audit,
                    enforce: g.enforce,
                    objects: g.objects.len() as u64,
                    users: g.users.iter().map(|u| (*u).to_owned()).collect(),
                    checks,
                }
            })
            .collect();
        report.checks = checks
            .into_iter()
            .map(|(reason, g)| PssCheck {
                reason: reason.to_owned(),
                audit: g.audit,
                enforce: g.enforce,
                objects: g.objects.len() as u64,
                users: g.users.iter().map(|u| (*u).to_owned()).collect(),
                namespaces: g.namespaces.iter().map(|n| (*n).to_owned()).collect(),
                example_detail: g.detail.map(str::to_owned),
            })
            .collect();
        report.checks.sort_by(|a, b| {
            (b.audit + b.enforce)
                .cmp(&(a.audit + a.enforce))
                .then_with(|| a.reason.cmp(&b.reason))
        });
        report.objects = objects
            .into_iter()
            .map(|(key, seen)| PssObject {
                namespace: key.namespace,
                object: key.object,
                mode: key.mode,
                level_version: key.level_version,
                count: seen.count,
                users: seen.users.into_iter().collect(),
                first_time: time_text(seen.span.first),
                last_time: time_text(seen.span.last),
                violations: seen.violations,
            })
            .collect();
        report
    }

    fn record(
        &mut self,
        event: &Event<'_>,
        mode: PssMode,
        parsed: message::ParsedMessage,
        object: String,
    ) {
        let key = Key {
            namespace: event.namespace().unwrap_or_default().to_owned(),
            object,
            mode,
            level_version: parsed.level_version.to_string(),
        };
        let seen = self.objects.entry(key).or_default();
        seen.count += 1;
        if !seen.users.contains(event.user.username.as_ref()) {
            seen.users.insert(event.user.username.to_string());
        }
        seen.span.add(event.time());
        seen.add_violations(parsed.violations);
    }
}

/// Grouping state while building the report.
#[derive(Default)]
struct Group<'a> {
    audit: u64,
    enforce: u64,
    objects: BTreeSet<(&'a str, &'a str)>,
    users: BTreeSet<&'a str>,
    namespaces: BTreeSet<&'a str>,
    checks: BTreeMap<&'a str, u64>,
    detail: Option<&'a str>,
}

impl<'a> Group<'a> {
    fn add(&mut self, mode: PssMode, seen: &'a Seen, object: (&'a str, &'a str)) {
        match mode {
            PssMode::Audit => self.audit += seen.count,
            PssMode::Enforce => self.enforce += seen.count,
        }
        self.objects.insert(object);
        self.users.extend(seen.users.iter().map(String::as_str));
    }
}

/// The object a PodSecurity message is about: the pod's name, or
/// `resource/name` for workloads (PSA checks their pod templates too).
fn object_name(event: &Event<'_>, message: Option<&str>) -> String {
    let resource = event.resource().unwrap_or("pods");
    let name = event
        .name()
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .or_else(|| name_from_message(message?))
        .unwrap_or_default();
    if resource == "pods" {
        name
    } else {
        format!("{resource}/{name}")
    }
}

/// `pods "x" is forbidden: ...` names the object when `objectRef` does not
/// (creates with `generateName`).
fn name_from_message(message: &str) -> Option<String> {
    let (_, rest) = message.split_once(" \"")?;
    let (name, rest) = rest.split_once('"')?;
    rest.starts_with(" is forbidden:").then(|| name.to_owned())
}

impl Aggregate for Pss {
    fn fresh(&self) -> Self {
        Pss::default()
    }

    fn add(&mut self, event: &Event<'_>, _line: &[u8]) {
        if !is_request(event) {
            return;
        }
        if let Some(parsed) = event
            .annotation(AUDIT_VIOLATIONS)
            .and_then(message::parse_message)
        {
            let object = object_name(event, None);
            self.record(event, PssMode::Audit, parsed, object);
        }
        if event.code() == Some(403) {
            let text = event
                .response_status
                .as_ref()
                .and_then(|s| s.message.as_deref());
            if let Some(parsed) = text
                .and_then(message::parse_message)
                .filter(|p| p.mode == message::Mode::Enforce)
            {
                let object = object_name(event, text);
                self.record(event, PssMode::Enforce, parsed, object);
            }
        }
    }

    fn merge(&mut self, other: Self) {
        for (key, theirs) in other.objects {
            let ours = self.objects.entry(key).or_default();
            ours.count += theirs.count;
            ours.users.extend(theirs.users);
            ours.span.merge(theirs.span);
            ours.add_violations(theirs.violations);
        }
    }
}

/// PodSecurity findings in one namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PssNamespace {
    /// The namespace (empty for cluster-scoped requests, which PSA does not check).
    pub namespace: String,
    /// Requests with audit-mode violations.
    pub audit: u64,
    /// Requests rejected by enforce mode.
    pub enforce: u64,
    /// Distinct objects (pods or workloads) involved.
    pub objects: u64,
    /// Distinct users that sent them, sorted.
    pub users: Vec<String>,
    /// Requests per violated check reason, the most common first.
    pub checks: Vec<Count>,
}

/// One check (by its reason, e.g. `allowPrivilegeEscalation != false`) across
/// the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PssCheck {
    /// The check's reason as PSA writes it.
    pub reason: String,
    /// Requests with this check violated in audit mode.
    pub audit: u64,
    /// Requests rejected by enforce mode with this check violated.
    pub enforce: u64,
    /// Distinct objects (namespace and name).
    pub objects: u64,
    /// Distinct users, sorted.
    pub users: Vec<String>,
    /// Distinct namespaces, sorted.
    pub namespaces: Vec<String>,
    /// One detail as written, e.g. `container "app" must set ...`.
    pub example_detail: Option<String>,
}

/// The findings for one object, mode and level:version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PssObject {
    /// The namespace.
    pub namespace: String,
    /// The pod's name, or `resource/name` for workloads (e.g.
    /// `deployments/web`); empty when the log does not say.
    pub object: String,
    /// `audit` or `enforce`.
    pub mode: PssMode,
    /// The level and version evaluated, e.g. `restricted:latest`.
    pub level_version: String,
    /// How many requests.
    pub count: u64,
    /// The users that sent them, sorted.
    pub users: Vec<String>,
    /// The first request's time (RFC 3339).
    pub first_time: Option<String>,
    /// The last request's time (RFC 3339).
    pub last_time: Option<String>,
    /// The violated checks with their details, in PSA's order.
    pub violations: Vec<Violation>,
}

/// PodSecurity audit violations and enforce denials (`-o json` schema).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PssReport {
    /// Requests with audit-mode violations.
    pub audit: u64,
    /// Requests rejected by enforce mode.
    pub enforce: u64,
    /// Per namespace, sorted by name.
    pub namespaces: Vec<PssNamespace>,
    /// Per check, the most violated first.
    pub checks: Vec<PssCheck>,
    /// Per object, mode and level:version, sorted by namespace and object.
    pub objects: Vec<PssObject>,
}

impl PssReport {
    /// Three tables: namespaces, checks, objects.
    pub fn tables(&self) -> Vec<Table> {
        let mut namespaces = Table::new(
            "PodSecurity by namespace",
            &[
                "namespace",
                "audit",
                "enforce",
                "objects",
                "users",
                "checks",
            ],
        );
        for n in &self.namespaces {
            let checks: Vec<String> = n
                .checks
                .iter()
                .map(|c| format!("{} ({})", c.key, c.count))
                .collect();
            namespaces.push(vec![
                shown(&n.namespace),
                n.audit.to_string(),
                n.enforce.to_string(),
                n.objects.to_string(),
                n.users.join(", "),
                checks.join(", "),
            ]);
        }
        let mut checks = Table::new(
            "PodSecurity by check",
            &[
                "check",
                "audit",
                "enforce",
                "objects",
                "namespaces",
                "users",
            ],
        );
        for c in &self.checks {
            checks.push(vec![
                c.reason.clone(),
                c.audit.to_string(),
                c.enforce.to_string(),
                c.objects.to_string(),
                c.namespaces.join(", "),
                c.users.join(", "),
            ]);
        }
        let mut objects = Table::new(
            "PodSecurity findings",
            &[
                "namespace",
                "object",
                "mode",
                "policy",
                "requests",
                "violations",
            ],
        );
        for o in &self.objects {
            let violations: Vec<String> = o
                .violations
                .iter()
                .map(|v| match &v.detail {
                    Some(detail) => format!("{} ({detail})", v.reason),
                    None => v.reason.clone(),
                })
                .collect();
            objects.push(vec![
                shown(&o.namespace),
                shown(&o.object),
                o.mode.as_str().to_owned(),
                o.level_version.clone(),
                o.count.to_string(),
                violations.join("; "),
            ]);
        }
        vec![namespaces, checks, objects]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUDITED: &str = r#"{"auditID":"a","stage":"ResponseComplete","verb":"create","user":{"username":"system:serviceaccount:kube-system:replicaset-controller"},"objectRef":{"resource":"pods","namespace":"web","name":"frontend-1"},"responseStatus":{"code":201},"stageTimestamp":"2025-03-14T08:00:00Z","annotations":{"pod-security.kubernetes.io/enforce-policy":"baseline:latest","pod-security.kubernetes.io/audit-violations":"would violate PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true)"}}"#;
    const DENIED: &str = r#"{"auditID":"b","stage":"ResponseComplete","verb":"create","user":{"username":"mallory"},"objectRef":{"resource":"pods","namespace":"web"},"responseStatus":{"code":403,"message":"pods \"evil\" is forbidden: violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true, hostPID=true), privileged (container \"app\" must not set securityContext.privileged=true)"},"stageTimestamp":"2025-03-14T08:01:00Z","annotations":{"authorization.k8s.io/decision":"allow"}}"#;
    const WORKLOAD: &str = r#"{"auditID":"c","stage":"ResponseComplete","verb":"create","user":{"username":"alice"},"objectRef":{"resource":"deployments","apiGroup":"apps","namespace":"api","name":"web"},"responseStatus":{"code":201},"stageTimestamp":"2025-03-14T08:02:00Z","annotations":{"pod-security.kubernetes.io/audit-violations":"would violate PodSecurity \"restricted:v1.30\": allowPrivilegeEscalation != false (containers \"a\", \"b\" must set securityContext.allowPrivilegeEscalation=false)"}}"#;

    fn run(lines: &[&str]) -> PssReport {
        let mut pss = Pss::new();
        for line in lines {
            let event = Event::from_json(line.as_bytes()).unwrap();
            let mut part = pss.fresh();
            part.add(&event, line.as_bytes());
            pss.merge(part);
        }
        pss.finish()
    }

    #[test]
    fn reads_audit_violations_and_enforce_denials() {
        let report = run(&[AUDITED, AUDITED, DENIED, WORKLOAD]);
        assert_eq!((report.audit, report.enforce), (3, 1));
        assert_eq!(report.objects.len(), 3);
        let workload = &report.objects[0];
        assert_eq!(workload.object, "deployments/web");
        assert_eq!(workload.level_version, "restricted:v1.30");
        assert_eq!(
            workload.violations[0].detail.as_deref(),
            Some(r#"containers "a", "b" must set securityContext.allowPrivilegeEscalation=false"#)
        );
        let denied = report
            .objects
            .iter()
            .find(|o| o.mode == PssMode::Enforce)
            .unwrap();
        assert_eq!(denied.object, "evil", "named from the message");
        assert_eq!(denied.users, ["mallory"]);
        assert_eq!(denied.violations.len(), 2);
        assert_eq!(denied.violations[0].reason, "host namespaces");
        assert_eq!(
            denied.violations[0].detail.as_deref(),
            Some("hostNetwork=true, hostPID=true")
        );
        let audited = report
            .objects
            .iter()
            .find(|o| o.object == "frontend-1")
            .unwrap();
        assert_eq!(audited.count, 2);

        let web = report
            .namespaces
            .iter()
            .find(|n| n.namespace == "web")
            .unwrap();
        assert_eq!((web.audit, web.enforce, web.objects), (2, 1, 2));
        assert_eq!(web.users.len(), 2);
        let ape = &report.checks[0];
        assert_eq!(ape.reason, "allowPrivilegeEscalation != false");
        assert_eq!((ape.audit, ape.enforce, ape.objects), (3, 0, 2));
        assert_eq!(ape.namespaces, ["api", "web"]);
        assert_eq!(report.tables().len(), 3);
    }

    #[test]
    fn ignores_other_denials() {
        let other = DENIED.replace("violates PodSecurity", "denied by webhook");
        assert_eq!(run(&[&other]).objects.len(), 0);
    }
}
