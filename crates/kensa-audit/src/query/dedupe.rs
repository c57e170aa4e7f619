//! `--dedupe`: one record per request instead of one per stage.
//!
//! The API server writes a request's stages (RequestReceived,
//! ResponseStarted, ResponseComplete or Panic) as separate events sharing an
//! auditID. Fed events in log order, the deduper holds each request until its
//! final stage arrives and then hands back one record carrying every stage
//! seen, with the data of the latest (the final stage has the response code).
//! Requests that never finish in the log (a watch still open, a cut-off log)
//! come out at [`Deduper::finish`]. Memory is bounded: beyond
//! [`DEFAULT_MAX_PENDING`] open requests the oldest is handed back as it is.

use std::collections::{BTreeMap, HashMap};

use crate::event::Stage;
use crate::time::Timestamp;

/// Open requests held at most, by default.
pub const DEFAULT_MAX_PENDING: usize = 100_000;

/// A request's stages joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined<T> {
    /// The request's auditID (empty for events without one).
    pub audit_id: String,
    /// The stages seen, in arrival order.
    pub stages: Vec<Stage>,
    /// The latest stage's item.
    pub item: T,
    /// The first stage's time.
    pub first: Option<Timestamp>,
    /// The latest stage's time.
    pub last: Option<Timestamp>,
}

#[derive(Debug)]
struct Open<T> {
    sequence: u64,
    joined: Joined<T>,
}

/// Joins the stages of each request.
#[derive(Debug)]
pub struct Deduper<T> {
    open: HashMap<String, Open<T>>,
    order: BTreeMap<u64, String>,
    next: u64,
    max_pending: usize,
}

impl<T> Default for Deduper<T> {
    fn default() -> Self {
        Deduper::with_limit(DEFAULT_MAX_PENDING)
    }
}

impl<T> Deduper<T> {
    /// A deduper holding at most [`DEFAULT_MAX_PENDING`] open requests.
    pub fn new() -> Deduper<T> {
        Deduper::default()
    }

    /// A deduper holding at most `max_pending` open requests (at least 1).
    pub fn with_limit(max_pending: usize) -> Deduper<T> {
        Deduper {
            open: HashMap::new(),
            order: BTreeMap::new(),
            next: 0,
            max_pending: max_pending.max(1),
        }
    }

    /// Open requests held now.
    pub fn pending(&self) -> usize {
        self.open.len()
    }

    /// Takes one event's item; returns the requests that are complete (this
    /// one, if `stage` is final, and any pushed out by the memory bound).
    pub fn push(
        &mut self,
        audit_id: &str,
        stage: Option<Stage>,
        time: Option<Timestamp>,
        item: T,
    ) -> Vec<Joined<T>> {
        let stages: Vec<Stage> = stage.into_iter().collect();
        if audit_id.is_empty() {
            return vec![Joined {
                audit_id: String::new(),
                stages,
                item,
                first: time,
                last: time,
            }];
        }
        let is_final = stage.is_none_or(Stage::is_final);
        if let Some(mut open) = self.open.remove(audit_id) {
            self.order.remove(&open.sequence);
            open.joined.stages.extend(stages);
            open.joined.item = item;
            open.joined.last = time.or(open.joined.last);
            if is_final {
                return vec![open.joined];
            }
            self.order.insert(open.sequence, audit_id.to_string());
            self.open.insert(audit_id.to_string(), open);
            return Vec::new();
        }
        let joined = Joined {
            audit_id: audit_id.to_string(),
            stages,
            item,
            first: time,
            last: time,
        };
        if is_final {
            return vec![joined];
        }
        let sequence = self.next;
        self.next += 1;
        self.order.insert(sequence, audit_id.to_string());
        self.open
            .insert(audit_id.to_string(), Open { sequence, joined });
        let mut out = Vec::new();
        while self.open.len() > self.max_pending {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            if let Some(open) = self.open.remove(&oldest) {
                out.push(open.joined);
            }
        }
        out
    }

    /// The requests still open, oldest first.
    pub fn finish(mut self) -> Vec<Joined<T>> {
        let order = std::mem::take(&mut self.order);
        order
            .into_values()
            .filter_map(|id| self.open.remove(&id).map(|open| open.joined))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_stages_and_emits_on_the_final_one() {
        let mut deduper = Deduper::new();
        assert!(
            deduper
                .push("a", Some(Stage::RequestReceived), None, 1)
                .is_empty()
        );
        assert!(
            deduper
                .push("b", Some(Stage::RequestReceived), None, 10)
                .is_empty()
        );
        assert!(
            deduper
                .push("a", Some(Stage::ResponseStarted), None, 2)
                .is_empty()
        );
        let done = deduper.push("a", Some(Stage::ResponseComplete), None, 3);
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].item, 3);
        assert_eq!(
            done[0].stages,
            [
                Stage::RequestReceived,
                Stage::ResponseStarted,
                Stage::ResponseComplete
            ]
        );
        let rest = deduper.finish();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].audit_id, "b");
    }

    #[test]
    fn single_stage_and_id_less_events_pass_straight_through() {
        let mut deduper = Deduper::new();
        assert_eq!(
            deduper
                .push("x", Some(Stage::ResponseComplete), None, 1)
                .len(),
            1
        );
        assert_eq!(
            deduper
                .push("", Some(Stage::RequestReceived), None, 2)
                .len(),
            1
        );
        assert_eq!(deduper.push("y", None, None, 3).len(), 1);
        assert_eq!(deduper.pending(), 0);
    }

    #[test]
    fn memory_is_bounded() {
        let mut deduper = Deduper::with_limit(2);
        assert!(
            deduper
                .push("a", Some(Stage::RequestReceived), None, 1)
                .is_empty()
        );
        assert!(
            deduper
                .push("b", Some(Stage::RequestReceived), None, 2)
                .is_empty()
        );
        let pushed_out = deduper.push("c", Some(Stage::RequestReceived), None, 3);
        assert_eq!(pushed_out.len(), 1);
        assert_eq!(pushed_out[0].audit_id, "a");
        assert_eq!(deduper.pending(), 2);
    }
}
