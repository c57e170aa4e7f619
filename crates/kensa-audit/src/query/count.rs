//! `--count` and `--top N --by FIELD`.

use std::collections::HashMap;

use serde::Serialize;

use super::field::{Field, Values};
use crate::event::Event;
use crate::report::{Aggregate, Table};

/// Counts matching events, and the values of one field among them.
#[derive(Debug, Clone)]
pub struct Counter {
    by: Option<Field>,
    top: usize,
    total: u64,
    counts: HashMap<String, u64>,
}

/// The label for events without the field.
pub const NONE_LABEL: &str = "(none)";

impl Counter {
    /// Counts events; with `by`, also the `top` most common values of that
    /// field (a multi-valued field counts each of its values).
    pub fn new(by: Option<Field>, top: usize) -> Counter {
        Counter {
            by,
            top,
            total: 0,
            counts: HashMap::new(),
        }
    }

    /// The counts, most common first (ties: by value).
    pub fn finish(self) -> CountReport {
        let mut top: Vec<CountEntry> = self
            .counts
            .into_iter()
            .map(|(value, count)| CountEntry { value, count })
            .collect();
        top.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        top.truncate(self.top);
        CountReport {
            total: self.total,
            by: self.by.map(|f| f.name().into_owned()),
            top,
        }
    }
}

impl Aggregate for Counter {
    fn fresh(&self) -> Self {
        Counter::new(self.by.clone(), self.top)
    }

    fn add(&mut self, event: &Event<'_>, _line: &[u8]) {
        self.total += 1;
        let Some(field) = &self.by else {
            return;
        };
        let mut bump = |value: &str| {
            let value = if value.is_empty() { NONE_LABEL } else { value };
            match self.counts.get_mut(value) {
                Some(count) => *count += 1,
                None => {
                    self.counts.insert(value.to_string(), 1);
                }
            }
        };
        match field.values(event) {
            Values::None => bump(""),
            Values::One(value) => bump(&value),
            Values::Many(values) if values.is_empty() => bump(""),
            Values::Many(values) => values.iter().for_each(|v| bump(v)),
        }
    }

    fn merge(&mut self, other: Self) {
        self.total += other.total;
        for (value, count) in other.counts {
            *self.counts.entry(value).or_insert(0) += count;
        }
    }
}

/// What `--count` / `--top` prints. JSON: `{"total": N, "by": "user",
/// "top": [{"value": "...", "count": N}]}` (`by` and `top` only with `--by`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountReport {
    /// Matching events.
    pub total: u64,
    /// The field counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The most common values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub top: Vec<CountEntry>,
}

/// One value and how many events had it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountEntry {
    /// The value (`(none)` when absent).
    pub value: String,
    /// Events with it.
    pub count: u64,
}

impl CountReport {
    /// The table for `--top` (none for a bare `--count`).
    pub fn tables(&self) -> Vec<Table> {
        let Some(by) = &self.by else {
            return Vec::new();
        };
        let mut table = Table::new(
            format!(
                "Top {} by {by} ({} matching events)",
                self.top.len(),
                self.total
            ),
            &[by.as_str(), "events", "share"],
        );
        for entry in &self.top {
            let share = if self.total == 0 {
                0.0
            } else {
                entry.count as f64 * 100.0 / self.total as f64
            };
            table.push(vec![
                entry.value.clone(),
                entry.count.to_string(),
                format!("{share:.1}%"),
            ]);
        }
        vec![table]
    }
}
