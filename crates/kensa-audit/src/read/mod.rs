//! The I/O edge: files, stdin, gzip, rotated sets, and the parallel
//! pipeline that hands decoded events to the pure query core.
//!
//! A reader thread per stream reads big blocks, cut at whole lines, and
//! worker threads (one per core) decode them. Every stream has a fixed number
//! of block buffers that go round, so memory stays flat whatever the input
//! size. [`fold`] aggregates in any order; [`for_each_ordered`] keeps each
//! stream's order and merges streams by time; [`follow`] tails one file.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::line::Prefilter;
use crate::time::Timestamp;

mod follow;
mod pipeline;
mod plan;

pub use follow::follow;
pub use pipeline::{fold, for_each_ordered};
pub use plan::{Source, Stream, plan};

/// How to read.
#[derive(Clone, Copy, Default)]
pub struct ReadOptions<'a> {
    /// Stop at the first line that is not an event, with
    /// [`Error::BadLine`](crate::Error::BadLine).
    pub strict: bool,
    /// A test on a raw JSON line, run before parsing: lines it rejects are
    /// counted but not parsed. Legacy and CRI lines bypass it. It must only
    /// reject lines the query would reject anyway.
    pub prefilter: Option<Prefilter<'a>>,
    /// Called from reader threads with the bytes read from disk so far
    /// (compressed size for gzip files), after each block.
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
    /// Decoding threads; `None` or 0: one per core.
    pub threads: Option<usize>,
    /// Block size in bytes; `None`: chosen from the number of streams.
    pub block_size: Option<usize>,
    /// Set to stop reading early (e.g. on Ctrl-C); checked between blocks
    /// and, in [`follow`], between polls.
    pub stop: Option<&'a AtomicBool>,
    /// How often [`follow`] looks for new lines; zero: 200 ms.
    pub poll: Duration,
}

impl std::fmt::Debug for ReadOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOptions")
            .field("strict", &self.strict)
            .field("prefilter", &self.prefilter.is_some())
            .field("progress", &self.progress.is_some())
            .field("threads", &self.threads)
            .field("block_size", &self.block_size)
            .field("poll", &self.poll)
            .finish()
    }
}

/// Something with a time, for merging streams into one timeline.
pub trait Timed {
    /// When it happened; items without a time are passed on as soon as they
    /// are at the head of their stream.
    fn time(&self) -> Option<Timestamp>;
}

impl<T> Timed for (Option<Timestamp>, T) {
    fn time(&self) -> Option<Timestamp> {
        self.0
    }
}

impl<T> Timed for (Timestamp, T) {
    fn time(&self) -> Option<Timestamp> {
        Some(self.0)
    }
}

impl Timed for Option<Timestamp> {
    fn time(&self) -> Option<Timestamp> {
        *self
    }
}

impl Timed for Timestamp {
    fn time(&self) -> Option<Timestamp> {
        Some(*self)
    }
}
