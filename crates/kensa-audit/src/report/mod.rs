//! Reports over a whole log: each is an aggregator that sees every event once,
//! in any order, so the reader can build partial reports per chunk on every
//! core and merge them.

use serde::Serialize;

use crate::event::Event;

pub mod rbac;

/// A report being built from events.
pub trait Aggregate: Send + Sized {
    /// An empty aggregator with the same settings, for another chunk.
    fn fresh(&self) -> Self;
    /// Takes one event into account; `line` is the raw JSON it was read from.
    fn add(&mut self, event: &Event<'_>, line: &[u8]);
    /// Adds what another chunk's aggregator saw.
    fn merge(&mut self, other: Self);
}

/// A table for the text output: the binary draws it, JSON output uses the
/// report's own typed form instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    /// What the table shows.
    pub title: String,
    /// Column headings.
    pub headers: Vec<String>,
    /// Rows, each as long as `headers`.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with headings and no rows yet.
    pub fn new(title: impl Into<String>, headers: &[&str]) -> Table {
        Table {
            title: title.into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.headers.len());
        self.rows.push(row);
    }
}

pub mod authz;
pub mod exec;
pub mod pss;
pub mod secrets;
pub mod summary;
