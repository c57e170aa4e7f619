//! Running rules over a stream of events and collecting what fired.

use std::collections::HashMap;

use serde::Serialize;

use super::{Priority, Rule};
use crate::event::{Event, Stage};
use crate::report::{Aggregate, Table};
use crate::time::Timestamp;

/// Hits kept per rule by default; beyond that they are only counted.
pub const DEFAULT_CAP_PER_RULE: usize = 10_000;

/// Burst candidates kept per rule (timestamps and ids); beyond that they are
/// counted as dropped, so a log full of denials cannot exhaust memory.
const CANDIDATE_CAP_PER_RULE: usize = 200_000;

/// Audit ids listed with a burst hit.
const RELATED_CAP: usize = 50;

/// One rule firing on one request (or, for burst rules, on one burst).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hit {
    /// The rule's id.
    pub rule_id: &'static str,
    /// The rule's priority.
    pub priority: Priority,
    /// When (the event's stage time; for bursts, the event that completed it).
    #[serde(serialize_with = "serialize_time")]
    pub time: Option<Timestamp>,
    /// The request's audit id.
    pub audit_id: String,
    /// The authenticated user.
    pub user: String,
    /// The impersonated user, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonated_user: Option<String>,
    /// The verb.
    pub verb: String,
    /// `resource` or `resource/subresource`, or the URI path for
    /// non-resource requests.
    pub resource: String,
    /// The namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The object's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The client's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    /// The HTTP response code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// What the rule says about it.
    pub message: String,
    /// For bursts: the audit ids of the requests in the burst (at most 50).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_audit_ids: Vec<String>,
    #[serde(skip)]
    stage_rank: u8,
}

fn serialize_time<S: serde::Serializer>(
    time: &Option<Timestamp>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(t) => serializer.serialize_str(&t.to_string()),
        None => serializer.serialize_none(),
    }
}

impl Hit {
    fn new(rule: &Rule, event: &Event<'_>, message: String) -> Hit {
        let resource = match (event.resource(), event.subresource()) {
            (Some(r), Some(s)) => format!("{r}/{s}"),
            (Some(r), None) => r.to_string(),
            _ => event
                .request_uri
                .split('?')
                .next()
                .unwrap_or_default()
                .to_string(),
        };
        Hit {
            rule_id: rule.id,
            priority: rule.priority,
            time: event.time(),
            audit_id: event.audit_id.to_string(),
            user: event.user.username.to_string(),
            impersonated_user: event
                .impersonated_user
                .as_ref()
                .map(|u| u.username.to_string()),
            verb: event.verb.to_string(),
            resource,
            namespace: event.namespace().map(str::to_string),
            name: event.name().map(str::to_string),
            source_ip: event.source_ip().map(str::to_string),
            code: event.code(),
            message,
            related_audit_ids: Vec::new(),
            stage_rank: match event.stage {
                Some(Stage::RequestReceived) => 0,
                Some(Stage::ResponseStarted) => 1,
                Some(Stage::ResponseComplete) => 2,
                _ => 3,
            },
        }
    }
}

/// A burst candidate: kept small because there can be many.
#[derive(Debug, Clone)]
struct Candidate {
    time: i64,
    hit: Box<Hit>,
}

#[derive(Debug, Default)]
struct RuleState {
    hits: Vec<Hit>,
    /// For multi-stage rules: the audit ids already hit, to fire once, with
    /// the index of the kept hit (`None` when it was dropped by the cap).
    seen: HashMap<String, Option<usize>>,
    /// Hits beyond the cap.
    dropped: u64,
    /// Burst rules: candidates grouped by key.
    candidates: HashMap<String, Vec<Candidate>>,
    candidate_count: usize,
    candidates_dropped: u64,
}

/// The detections aggregator: runs a set of rules over every event.
#[derive(Debug)]
pub struct Detections {
    rules: Vec<&'static Rule>,
    cap: usize,
    state: Vec<RuleState>,
    events: u64,
}

impl Detections {
    /// Runs these rules, keeping up to [`DEFAULT_CAP_PER_RULE`] hits each.
    pub fn new(rules: Vec<&'static Rule>) -> Detections {
        Detections::with_cap(rules, DEFAULT_CAP_PER_RULE)
    }

    /// Runs these rules, keeping up to `cap` hits each (the rest are counted).
    pub fn with_cap(rules: Vec<&'static Rule>, cap: usize) -> Detections {
        let state = rules.iter().map(|_| RuleState::default()).collect();
        Detections {
            rules,
            cap,
            state,
            events: 0,
        }
    }

    /// The rules being run.
    pub fn rules(&self) -> &[&'static Rule] {
        &self.rules
    }

    fn push_hit(cap: usize, state: &mut RuleState, hit: Hit, dedupe: bool) {
        if dedupe {
            if let Some(kept) = state.seen.get(&hit.audit_id) {
                // Keep the earliest stage's hit: it is when the action began.
                if let Some(existing) = kept.and_then(|i| state.hits.get_mut(i))
                    && hit.stage_rank < existing.stage_rank
                {
                    *existing = hit;
                }
                return;
            }
            let index = (state.hits.len() < cap).then_some(state.hits.len());
            state.seen.insert(hit.audit_id.clone(), index);
        }
        if state.hits.len() < cap {
            state.hits.push(hit);
        } else {
            state.dropped += 1;
        }
    }

    /// Finishes the report: decides the burst rules and sorts hits by
    /// priority, then time.
    pub fn finish(self) -> DetectionReport {
        let mut hits = Vec::new();
        let mut summary = Vec::new();
        for (rule, mut state) in self.rules.iter().zip(self.state) {
            if let Some(window) = rule.window {
                let mut burst_hits = Vec::new();
                let mut keys: Vec<_> = state.candidates.into_iter().collect();
                keys.sort_by(|a, b| a.0.cmp(&b.0));
                for (key, mut candidates) in keys {
                    candidates.sort_by_key(|c| c.time);
                    burst_hits.extend(bursts(&key, &candidates, window.threshold, window.seconds));
                }
                for hit in burst_hits {
                    if state.hits.len() < self.cap {
                        state.hits.push(hit);
                    } else {
                        state.dropped += 1;
                    }
                }
                state.dropped += state.candidates_dropped;
            }
            summary.push(RuleSummary {
                rule_id: rule.id,
                falco_name: rule.falco_name,
                title: rule.title,
                priority: rule.priority,
                hits: state.hits.len() as u64 + state.dropped,
                dropped: state.dropped,
            });
            hits.extend(state.hits);
        }
        hits.sort_by(|a, b| {
            (a.priority, a.time, a.rule_id, &a.audit_id).cmp(&(
                b.priority,
                b.time,
                b.rule_id,
                &b.audit_id,
            ))
        });
        summary.sort_by(|a, b| {
            (a.priority, std::cmp::Reverse(a.hits), a.rule_id).cmp(&(
                b.priority,
                std::cmp::Reverse(b.hits),
                b.rule_id,
            ))
        });
        DetectionReport {
            events: self.events,
            rules_run: self.rules.len(),
            hits,
            rules: summary,
        }
    }
}

/// Finds bursts in time-sorted candidates: a hit when `threshold` fall within
/// `seconds`; after a hit the window restarts after its last member, so one
/// long burst is reported once per window rather than once per request.
fn bursts(key: &str, candidates: &[Candidate], threshold: usize, seconds: i64) -> Vec<Hit> {
    let mut out = Vec::new();
    if threshold == 0 {
        return out;
    }
    let span = seconds.saturating_mul(1_000_000);
    let mut start = 0;
    let mut end = 0;
    while end < candidates.len() {
        while candidates[end].time - candidates[start].time > span {
            start += 1;
        }
        if end + 1 - start >= threshold {
            // Extend over everything else within the window of the first.
            let mut last = end;
            while last + 1 < candidates.len()
                && candidates[last + 1].time - candidates[start].time <= span
            {
                last += 1;
            }
            let members = &candidates[start..=last];
            let trigger = &candidates[start + threshold - 1];
            let mut hit = (*trigger.hit).clone();
            hit.message = format!(
                "{} requests in {}s ({key}): {}",
                members.len(),
                seconds,
                trigger.hit.message
            );
            hit.related_audit_ids = members
                .iter()
                .take(RELATED_CAP)
                .map(|c| c.hit.audit_id.clone())
                .collect();
            out.push(hit);
            start = last + 1;
            end = last + 1;
            continue;
        }
        end += 1;
    }
    out
}

impl Aggregate for Detections {
    fn fresh(&self) -> Self {
        Detections::with_cap(self.rules.clone(), self.cap)
    }

    fn add(&mut self, event: &Event<'_>, _line: &[u8]) {
        self.events += 1;
        for (rule, state) in self.rules.iter().zip(self.state.iter_mut()) {
            let Some(message) = rule.evaluate(event) else {
                continue;
            };
            let hit = Hit::new(rule, event, message);
            if let Some(window) = rule.window {
                if state.candidate_count >= CANDIDATE_CAP_PER_RULE {
                    state.candidates_dropped += 1;
                    continue;
                }
                let time = event.time().map_or(0, |t| t.0);
                state.candidate_count += 1;
                state
                    .candidates
                    .entry((window.key)(event))
                    .or_default()
                    .push(Candidate {
                        time,
                        hit: Box::new(hit),
                    });
            } else {
                let dedupe = rule.needs.stages.len() > 1;
                Detections::push_hit(self.cap, state, hit, dedupe);
            }
        }
    }

    fn merge(&mut self, other: Self) {
        self.events += other.events;
        for ((rule, mine), theirs) in self
            .rules
            .iter()
            .zip(self.state.iter_mut())
            .zip(other.state)
        {
            let dedupe = rule.needs.stages.len() > 1;
            mine.dropped += theirs.dropped;
            for hit in theirs.hits {
                Detections::push_hit(self.cap, mine, hit, dedupe);
            }
            for (key, candidates) in theirs.candidates {
                for candidate in candidates {
                    if mine.candidate_count >= CANDIDATE_CAP_PER_RULE {
                        mine.candidates_dropped += 1;
                        continue;
                    }
                    mine.candidate_count += 1;
                    mine.candidates
                        .entry(key.clone())
                        .or_default()
                        .push(candidate);
                }
            }
            mine.candidates_dropped += theirs.candidates_dropped;
        }
    }
}

/// How often one rule fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleSummary {
    /// The rule's id.
    pub rule_id: &'static str,
    /// The Falco rule it corresponds to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub falco_name: Option<&'static str>,
    /// The rule's title.
    pub title: &'static str,
    /// Its priority.
    pub priority: Priority,
    /// Hits in all, kept or not.
    pub hits: u64,
    /// Hits not kept because of the per-rule cap.
    pub dropped: u64,
}

/// The detections report.
///
/// JSON (camelCase):
///
/// ```text
/// { "events": 484, "rulesRun": 52,
///   "hits": [ { "ruleId": "k8s-privileged-pod-created", "priority": "WARNING",
///               "time": "2025-03-14T09:14:00.269000Z", "auditId": "...",
///               "user": "...", "impersonatedUser"?: "...", "verb": "create",
///               "resource": "pods" | "pods/exec" | "/apis",
///               "namespace"?: "...", "name"?: "...", "sourceIp"?: "...",
///               "code"?: 201, "message": "...", "relatedAuditIds"?: ["..."] } ],
///   "rules": [ { "ruleId": "...", "falcoName"?: "...", "title": "...",
///                "priority": "WARNING", "hits": 1, "dropped": 0 } ] }
/// ```
///
/// Hits are sorted by priority (most urgent first), then time; `rules` lists
/// every rule run, most urgent and most frequent first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DetectionReport {
    /// Events seen.
    pub events: u64,
    /// How many rules ran.
    pub rules_run: usize,
    /// What fired.
    pub hits: Vec<Hit>,
    /// Per-rule counts.
    pub rules: Vec<RuleSummary>,
}

impl DetectionReport {
    /// Hits of one rule.
    pub fn hits_of<'s>(&'s self, rule_id: &'s str) -> impl Iterator<Item = &'s Hit> + 's {
        self.hits.iter().filter(move |h| h.rule_id == rule_id)
    }

    /// The text tables: hits (by priority, then time), then counts per rule
    /// that fired.
    pub fn tables(&self) -> Vec<Table> {
        let mut hits = Table::new(
            "Detections",
            &[
                "Priority",
                "Time",
                "Rule",
                "User",
                "Verb",
                "Resource",
                "Namespace/Name",
                "Source IP",
                "Message",
            ],
        );
        for hit in &self.hits {
            let object = match (&hit.namespace, &hit.name) {
                (Some(ns), Some(name)) => format!("{ns}/{name}"),
                (Some(ns), None) => ns.clone(),
                (None, Some(name)) => name.clone(),
                (None, None) => String::new(),
            };
            hits.push(vec![
                hit.priority.as_str().to_string(),
                hit.time.map(|t| t.to_string()).unwrap_or_default(),
                hit.rule_id.to_string(),
                hit.user.clone(),
                hit.verb.clone(),
                hit.resource.clone(),
                object,
                hit.source_ip.clone().unwrap_or_default(),
                hit.message.clone(),
            ]);
        }
        let mut counts = Table::new(
            "Detections per rule",
            &["Priority", "Rule", "Falco rule", "Hits", "Not kept"],
        );
        for rule in self.rules.iter().filter(|r| r.hits > 0) {
            counts.push(vec![
                rule.priority.as_str().to_string(),
                rule.rule_id.to_string(),
                rule.falco_name.unwrap_or("").to_string(),
                rule.hits.to_string(),
                rule.dropped.to_string(),
            ]);
        }
        vec![hits, counts]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{RULES, find_rule};

    fn event(json: &str) -> Event<'_> {
        Event::from_json(json.as_bytes()).unwrap()
    }

    const EXEC: [&str; 3] = [
        r#"{"auditID":"x1","stage":"RequestReceived","verb":"get","requestURI":"/api/v1/namespaces/a/pods/p/exec?command=id","user":{"username":"bob"},"objectRef":{"resource":"pods","subresource":"exec","namespace":"a","name":"p"},"stageTimestamp":"2025-03-14T08:00:00.000000Z"}"#,
        r#"{"auditID":"x1","stage":"ResponseStarted","verb":"get","requestURI":"/api/v1/namespaces/a/pods/p/exec?command=id","user":{"username":"bob"},"objectRef":{"resource":"pods","subresource":"exec","namespace":"a","name":"p"},"responseStatus":{"code":101},"stageTimestamp":"2025-03-14T08:00:00.100000Z"}"#,
        r#"{"auditID":"x1","stage":"ResponseComplete","verb":"get","requestURI":"/api/v1/namespaces/a/pods/p/exec?command=id","user":{"username":"bob"},"objectRef":{"resource":"pods","subresource":"exec","namespace":"a","name":"p"},"responseStatus":{"code":101},"stageTimestamp":"2025-03-14T08:05:00.000000Z"}"#,
    ];

    #[test]
    fn a_request_logged_at_every_stage_fires_once_even_across_chunks() {
        let rule = find_rule("k8s-pod-exec-attach").unwrap();
        let mut one = Detections::new(vec![rule]);
        for line in EXEC {
            one.add(&event(line), line.as_bytes());
        }
        let report = one.finish();
        assert_eq!(report.hits.len(), 1);
        assert_eq!(
            report.hits[0].time.unwrap().to_string(),
            "2025-03-14T08:00:00.100000Z",
            "the ResponseStarted hit is kept"
        );

        // Split over chunks, the later stage first.
        let mut a = Detections::new(vec![rule]);
        let mut b = a.fresh();
        a.add(&event(EXEC[2]), b"");
        b.add(&event(EXEC[1]), b"");
        a.merge(b);
        let report = a.finish();
        assert_eq!(report.hits.len(), 1);
        assert_eq!(report.hits[0].code, Some(101));
        assert_eq!(
            report.hits[0].time.unwrap().to_string(),
            "2025-03-14T08:00:00.100000Z"
        );
    }

    fn forbidden(id: usize, second: usize, ip: &str) -> String {
        format!(
            r#"{{"auditID":"f{id}","stage":"ResponseComplete","verb":"list","requestURI":"/api/v1/secrets","user":{{"username":"system:serviceaccount:web:frontend"}},"sourceIPs":["{ip}"],"objectRef":{{"resource":"secrets"}},"responseStatus":{{"code":403}},"annotations":{{"authorization.k8s.io/decision":"forbid"}},"stageTimestamp":"2025-03-14T08:00:{second:02}.000000Z"}}"#
        )
    }

    #[test]
    fn bursts_are_found_across_chunks_once() {
        let rule = find_rule("k8s-forbidden-burst").unwrap();
        let lines: Vec<String> = (0..7)
            .map(|i| forbidden(i, i * 5, "203.0.113.45"))
            .collect();
        let mut a = Detections::new(vec![rule]);
        let mut b = a.fresh();
        for (i, line) in lines.iter().enumerate() {
            let target = if i % 2 == 0 { &mut a } else { &mut b };
            target.add(&event(line), line.as_bytes());
        }
        a.merge(b);
        let report = a.finish();
        assert_eq!(report.hits.len(), 1, "{:?}", report.hits);
        assert_eq!(report.hits[0].related_audit_ids.len(), 7);
        assert!(report.hits[0].message.starts_with("7 requests in 60s"));
    }

    #[test]
    fn sparse_denials_are_no_burst() {
        let rule = find_rule("k8s-forbidden-burst").unwrap();
        let mut d = Detections::new(vec![rule]);
        for i in 0..4 {
            let line = forbidden(i, i, "203.0.113.45");
            d.add(&event(&line), line.as_bytes());
        }
        // Same user, other address: another key.
        let line = forbidden(9, 5, "198.51.100.1");
        d.add(&event(&line), line.as_bytes());
        assert!(d.finish().hits.is_empty());
    }

    #[test]
    fn cap_counts_what_it_drops() {
        let rule = find_rule("k8s-secret-get-failed").unwrap();
        let mut d = Detections::with_cap(vec![rule], 2);
        for i in 0..5 {
            let line = format!(
                r#"{{"auditID":"s{i}","stage":"ResponseComplete","verb":"get","user":{{"username":"bob"}},"objectRef":{{"resource":"secrets","namespace":"a","name":"x"}},"responseStatus":{{"code":403}}}}"#
            );
            d.add(&event(&line), line.as_bytes());
        }
        let report = d.finish();
        assert_eq!(report.hits.len(), 2);
        assert_eq!(report.rules[0].hits, 5);
        assert_eq!(report.rules[0].dropped, 3);
        let tables = report.tables();
        assert_eq!(tables.len(), 2);
        assert_eq!(tables[0].rows.len(), 2);
        assert_eq!(tables[1].rows[0][3], "5");
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["hits"][0]["ruleId"], "k8s-secret-get-failed");
        assert_eq!(json["hits"][0]["priority"], "WARNING");
        assert_eq!(json["rules"][0]["dropped"], 3);
    }

    #[test]
    fn every_rule_survives_odd_events() {
        let odd = [
            r#"{}"#,
            r#"{"stage":"ResponseComplete","verb":"create","objectRef":{"resource":"pods"},"requestObject":[1,2]}"#,
            r#"{"stage":"ResponseComplete","verb":"create","objectRef":{"resource":"pods"},"requestObject":{"spec":{"containers":"no","volumes":[{"hostPath":7}]}}}"#,
            r#"{"stage":"ResponseComplete","verb":"create","objectRef":{"resource":"clusterroles"},"requestObject":{"rules":[{"verbs":null}]}}"#,
            r#"{"stage":"ResponseStarted","verb":"get","requestURI":"%zz?command=%","objectRef":{"resource":"pods","subresource":"exec"}}"#,
        ];
        let mut d = Detections::new(RULES.to_vec());
        for line in odd {
            d.add(&event(line), line.as_bytes());
        }
        let _ = d.finish();
    }
}
