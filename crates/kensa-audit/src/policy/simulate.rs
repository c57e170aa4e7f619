//! What a policy would have written for a real log: replay every event's
//! request through the policy and count what would be kept.
//!
//! A log only holds what the policy in force at the time let through, so the
//! simulation can only take things away: an event the new policy wants at a
//! higher level than the log has is counted as kept at its logged size and
//! also in `needsMoreDetail`, and stages the old policy omitted cannot be
//! brought back (they are not in the log to count).

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use crate::event::{Event, Level, Stage};
use crate::policy::Policy;
use crate::policy::eval::event_request;
use crate::report::{Aggregate, Table};

/// Events and bytes, in the log and under the simulated policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Events in the log.
    pub events: u64,
    /// Bytes in the log (raw line lengths).
    pub bytes: u64,
    /// Events the policy would write.
    pub kept_events: u64,
    /// Bytes the policy would write (estimated when it lowers the level).
    pub kept_bytes: u64,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.events += other.events;
        self.bytes += other.bytes;
        self.kept_events += other.kept_events;
        self.kept_bytes += other.kept_bytes;
    }
}

/// The decision for one rule (or the default), precomputed.
#[derive(Debug, Clone, Copy)]
struct Decision {
    level: Level,
    omitted: [bool; 4],
}

/// Replays a log through a policy; an [`Aggregate`], so it can run per chunk
/// and be merged.
#[derive(Debug)]
pub struct Simulation {
    policy: Arc<Policy>,
    /// One per rule, then the default (no rule matched).
    decisions: Arc<Vec<Decision>>,
    top: usize,
    totals: Counts,
    dropped_by_level: u64,
    dropped_by_stage: u64,
    reduced: Counts,
    needs_more_detail: Counts,
    unknown_level: u64,
    by_rule: Vec<Counts>,
    by_resource: HashMap<String, Counts>,
    key: String,
}

/// How much of a log a policy would keep.
///
/// JSON schema (camelCase): `events`, `bytes`, `keptEvents`, `keptBytes`
/// (totals, as in [`Counts`]); `droppedByLevel` (events whose request the
/// policy logs at level None), `droppedByStage` (events of a stage the
/// policy omits); `reduced` ([`Counts`] of the events kept at a lower level
/// than logged, with their bodies taken off); `needsMoreDetail` ([`Counts`] of
/// the events the policy wants at a higher level than the log holds: kept at
/// their logged size, so `keptBytes` is a lower bound); `unknownLevel`
/// (events with no or an unknown level, kept as logged); `byRule` (every
/// rule, then `rule: null` for requests no rule matches: `rule`, `line`,
/// `level` and the [`Counts`] fields); `topResources` (the resources with the
/// most logged bytes: `resource` in kubectl form such as `deployments.apps`,
/// `pods/exec`, or the path of a non-resource request, and the [`Counts`]
/// fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimulationReport {
    /// Events in the log.
    pub events: u64,
    /// Bytes in the log.
    pub bytes: u64,
    /// Events the policy would write.
    pub kept_events: u64,
    /// Bytes the policy would write.
    pub kept_bytes: u64,
    /// Events dropped because the policy's level is None.
    pub dropped_by_level: u64,
    /// Events dropped because the policy omits their stage.
    pub dropped_by_stage: u64,
    /// Events kept at a lower level than logged.
    pub reduced: Counts,
    /// Events the policy wants with more detail than the log has.
    pub needs_more_detail: Counts,
    /// Events with no or an unknown level.
    pub unknown_level: u64,
    /// Per rule, in order, then the default.
    pub by_rule: Vec<RuleUsage>,
    /// The resources with the most logged bytes.
    pub top_resources: Vec<ResourceUsage>,
}

/// What one rule decided over the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleUsage {
    /// The rule's index, `None` for requests no rule matched.
    pub rule: Option<usize>,
    /// The rule's line in the policy source (0 when unknown or no rule).
    pub line: usize,
    /// The rule's level.
    pub level: &'static str,
    /// Its events and bytes.
    #[serde(flatten)]
    pub counts: Counts,
}

/// What one resource costs in the log and under the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceUsage {
    /// `pods`, `deployments.apps`, `pods/exec`, or a non-resource path.
    pub resource: String,
    /// Its events and bytes.
    #[serde(flatten)]
    pub counts: Counts,
}

fn stage_slot(stage: Stage) -> Option<usize> {
    Stage::ALL.iter().position(|s| *s == stage)
}

impl Simulation {
    /// A simulation of `policy`, reporting the `top` resources by size.
    pub fn new(policy: Arc<Policy>, top: usize) -> Simulation {
        let decisions = (0..=policy.rules.len())
            .map(|i| {
                let index = (i < policy.rules.len()).then_some(i);
                let evaluation = policy.evaluation_of(index);
                let mut omitted = [false; 4];
                for stage in evaluation.omit_stages {
                    if let Some(slot) = stage_slot(stage) {
                        omitted[slot] = true;
                    }
                }
                Decision {
                    level: evaluation.level,
                    omitted,
                }
            })
            .collect();
        Simulation {
            by_rule: vec![Counts::default(); policy.rules.len() + 1],
            policy,
            decisions: Arc::new(decisions),
            top,
            totals: Counts::default(),
            dropped_by_level: 0,
            dropped_by_stage: 0,
            reduced: Counts::default(),
            needs_more_detail: Counts::default(),
            unknown_level: 0,
            by_resource: HashMap::new(),
            key: String::new(),
        }
    }

    /// The report.
    pub fn finish(self) -> SimulationReport {
        let by_rule = self
            .by_rule
            .iter()
            .enumerate()
            .map(|(i, counts)| {
                let rule = self.policy.rules.get(i);
                RuleUsage {
                    rule: rule.map(|_| i),
                    line: rule.map_or(0, |r| r.line),
                    level: rule.map_or(Level::None, |r| r.level).as_str(),
                    counts: *counts,
                }
            })
            .collect();
        let mut resources: Vec<ResourceUsage> = self
            .by_resource
            .into_iter()
            .map(|(resource, counts)| ResourceUsage { resource, counts })
            .collect();
        resources.sort_by(|a, b| {
            b.counts
                .bytes
                .cmp(&a.counts.bytes)
                .then_with(|| a.resource.cmp(&b.resource))
        });
        resources.truncate(self.top);
        SimulationReport {
            events: self.totals.events,
            bytes: self.totals.bytes,
            kept_events: self.totals.kept_events,
            kept_bytes: self.totals.kept_bytes,
            dropped_by_level: self.dropped_by_level,
            dropped_by_stage: self.dropped_by_stage,
            reduced: self.reduced,
            needs_more_detail: self.needs_more_detail,
            unknown_level: self.unknown_level,
            by_rule,
            top_resources: resources,
        }
    }
}

/// The bytes a body member takes in the line: `,"requestObject":<raw>`.
fn member_len(key: &str, raw: Option<&serde_json::value::RawValue>) -> u64 {
    raw.map_or(0, |raw| (key.len() + 4 + raw.get().len()) as u64)
}

fn resource_key(event: &Event<'_>, path: &str, key: &mut String) {
    key.clear();
    match &event.object_ref {
        Some(o) => {
            key.push_str(o.resource.as_deref().unwrap_or(""));
            if let Some(group) = o.api_group.as_deref().filter(|g| !g.is_empty()) {
                key.push('.');
                key.push_str(group);
            }
            if let Some(sub) = o.subresource.as_deref().filter(|s| !s.is_empty()) {
                key.push('/');
                key.push_str(sub);
            }
        }
        None => key.push_str(path),
    }
}

impl Aggregate for Simulation {
    fn fresh(&self) -> Self {
        let mut fresh = Simulation::new(Arc::clone(&self.policy), self.top);
        fresh.decisions = Arc::clone(&self.decisions);
        fresh
    }

    fn add(&mut self, event: &Event<'_>, line: &[u8]) {
        let request = event_request(event);
        let index = self.policy.first_match(&request);
        let slot = index.unwrap_or(self.policy.rules.len());
        let Some(decision) = self.decisions.get(slot).copied() else {
            return;
        };
        let bytes = line.len() as u64;
        let mut counts = Counts {
            events: 1,
            bytes,
            ..Counts::default()
        };

        let stage_omitted = event
            .stage
            .and_then(stage_slot)
            .is_some_and(|s| decision.omitted[s]);
        if decision.level == Level::None {
            self.dropped_by_level += 1;
        } else if stage_omitted {
            self.dropped_by_stage += 1;
        } else {
            let logged = event.level.filter(|l| *l != Level::Unknown);
            let mut kept = bytes;
            match logged {
                None => self.unknown_level += 1,
                Some(logged) if decision.level > logged => {
                    self.needs_more_detail.add(&Counts {
                        events: 1,
                        bytes,
                        kept_events: 1,
                        kept_bytes: bytes,
                    });
                }
                Some(logged) if decision.level < logged => {
                    let mut cut = 0;
                    if decision.level < Level::RequestResponse {
                        cut += member_len("responseObject", event.response_object);
                    }
                    if decision.level < Level::Request {
                        cut += member_len("requestObject", event.request_object);
                    }
                    kept = bytes.saturating_sub(cut);
                    self.reduced.add(&Counts {
                        events: 1,
                        bytes,
                        kept_events: 1,
                        kept_bytes: kept,
                    });
                }
                Some(_) => {}
            }
            counts.kept_events = 1;
            counts.kept_bytes = kept;
        }

        self.totals.add(&counts);
        if let Some(rule) = self.by_rule.get_mut(slot) {
            rule.add(&counts);
        }
        // Built in a reused buffer: most events hit an existing entry, so
        // the per-event cost is a lookup, not an allocation.
        let mut key = std::mem::take(&mut self.key);
        resource_key(event, request.path, &mut key);
        match self.by_resource.get_mut(key.as_str()) {
            Some(c) => c.add(&counts),
            None => {
                self.by_resource.insert(key.clone(), counts);
            }
        }
        self.key = key;
    }

    fn merge(&mut self, other: Self) {
        self.totals.add(&other.totals);
        self.dropped_by_level += other.dropped_by_level;
        self.dropped_by_stage += other.dropped_by_stage;
        self.reduced.add(&other.reduced);
        self.needs_more_detail.add(&other.needs_more_detail);
        self.unknown_level += other.unknown_level;
        for (mine, theirs) in self.by_rule.iter_mut().zip(other.by_rule.iter()) {
            mine.add(theirs);
        }
        for (key, counts) in other.by_resource {
            self.by_resource.entry(key).or_default().add(&counts);
        }
    }
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "-".to_string()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

impl SimulationReport {
    /// The report as tables for the text output: totals, per rule, top
    /// resources.
    pub fn tables(&self) -> Vec<Table> {
        let mut summary = Table::new(
            "Policy simulation",
            &["", "events", "bytes", "share of bytes"],
        );
        let row = |label: &str, events: u64, bytes: u64| {
            vec![
                label.to_string(),
                events.to_string(),
                bytes.to_string(),
                percent(bytes, self.bytes),
            ]
        };
        summary.push(row("in the log", self.events, self.bytes));
        summary.push(row("kept by the policy", self.kept_events, self.kept_bytes));
        summary.push(vec![
            "dropped: level None".into(),
            self.dropped_by_level.to_string(),
            "".into(),
            "".into(),
        ]);
        summary.push(vec![
            "dropped: stage omitted".into(),
            self.dropped_by_stage.to_string(),
            "".into(),
            "".into(),
        ]);
        summary.push(row(
            "kept at a lower level (bodies cut)",
            self.reduced.events,
            self.reduced.kept_bytes,
        ));
        summary.push(row(
            "need more detail than the log has",
            self.needs_more_detail.events,
            self.needs_more_detail.bytes,
        ));

        let mut rules = Table::new(
            "By rule",
            &[
                "rule",
                "line",
                "level",
                "events",
                "bytes",
                "kept events",
                "kept bytes",
            ],
        );
        for usage in &self.by_rule {
            rules.push(vec![
                usage.rule.map_or("(none)".to_string(), |i| i.to_string()),
                if usage.line == 0 {
                    "".to_string()
                } else {
                    usage.line.to_string()
                },
                usage.level.to_string(),
                usage.counts.events.to_string(),
                usage.counts.bytes.to_string(),
                usage.counts.kept_events.to_string(),
                usage.counts.kept_bytes.to_string(),
            ]);
        }

        let mut resources = Table::new(
            "Top resources by logged bytes",
            &["resource", "events", "bytes", "kept events", "kept bytes"],
        );
        for usage in &self.top_resources {
            resources.push(vec![
                usage.resource.clone(),
                usage.counts.events.to_string(),
                usage.counts.bytes.to_string(),
                usage.counts.kept_events.to_string(),
                usage.counts.kept_bytes.to_string(),
            ]);
        }
        vec![summary, rules, resources]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINES: [&str; 3] = [
        r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/web/configmaps","verb":"create","user":{"username":"alice","groups":["system:authenticated"]},"objectRef":{"resource":"configmaps","namespace":"web","name":"c","apiVersion":"v1"},"responseStatus":{"code":201},"requestObject":{"data":{"k":"v"}},"responseObject":{"data":{"k":"v"},"x":1}}"#,
        r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"2","stage":"RequestReceived","requestURI":"/api/v1/namespaces/web/pods","verb":"list","user":{"username":"alice"},"objectRef":{"resource":"pods","namespace":"web","apiVersion":"v1"}}"#,
        r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"3","stage":"ResponseComplete","requestURI":"/healthz","verb":"get","user":{"username":"alice"}}"#,
    ];

    const POLICY: &str = "\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    resources: [{group: \"\", resources: [configmaps]}]
  - level: Request
    nonResourceURLs: [/healthz]
";

    #[test]
    fn counts_cuts_and_merges() {
        let policy = Arc::new(Policy::from_yaml(POLICY).unwrap());
        let base = Simulation::new(policy, 5);
        let mut a = base.fresh();
        let mut b = base.fresh();
        for (i, line) in LINES.iter().enumerate() {
            let event = Event::from_json(line.as_bytes()).unwrap();
            if i == 0 { &mut a } else { &mut b }.add(&event, line.as_bytes());
        }
        a.merge(b);
        let report = a.finish();
        let total: u64 = LINES.iter().map(|l| l.len() as u64).sum();
        assert_eq!((report.events, report.bytes), (3, total));
        // The list falls to the default (None), the configmap loses both bodies.
        let cut = (r#","requestObject":{"data":{"k":"v"}}"#.len()
            + r#","responseObject":{"data":{"k":"v"},"x":1}"#.len()) as u64;
        let first = LINES[0].len() as u64;
        assert_eq!(report.reduced.kept_bytes, first - cut);
        assert_eq!(report.dropped_by_level, 1);
        assert_eq!(report.dropped_by_stage, 0);
        assert_eq!(report.kept_events, 2);
        assert_eq!(report.kept_bytes, first - cut + LINES[2].len() as u64);
        assert_eq!(report.needs_more_detail.events, 1);
        assert_eq!(report.by_rule[2].rule, None);
        assert_eq!(report.by_rule[2].counts.events, 1);
        let names: Vec<&str> = report
            .top_resources
            .iter()
            .map(|r| r.resource.as_str())
            .collect();
        assert_eq!(names, vec!["configmaps", "pods", "/healthz"]);
    }
}
