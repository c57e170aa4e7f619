//! The parallel pipeline: reader threads cut streams into blocks of whole
//! lines, worker threads decode them, and the caller's closures see events.

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use flate2::bufread::MultiGzDecoder;

use super::{ReadOptions, Source, Stream, Timed};
use crate::event::Event;
use crate::line::{Decoder, LineKind, ReadStats, cut_block, decode_json, minify_json};
use crate::{Error, Result};

/// The largest block: big enough that per-block costs vanish, small enough
/// that a few per stream stay well inside the memory budget.
const MAX_BLOCK: usize = 8 << 20;
/// The smallest automatic block, when there are very many streams.
const MIN_BLOCK: usize = 256 << 10;
/// What all block buffers together may take.
const MEMORY_BUDGET: usize = 96 << 20;
/// A single line longer than this is refused rather than buffered.
const MAX_LINE: usize = 512 << 20;
/// A whole-file JSON document (a pretty-printed webhook body) is read whole,
/// up to this size.
const MAX_DOCUMENT: usize = 1 << 30;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Whole lines of one file, with where they sit.
struct Block {
    stream: usize,
    seq: u64,
    pool: usize,
    path: Arc<str>,
    first_line: u64,
    data: Vec<u8>,
    end_of_file: bool,
    /// The compressed data ended early: the file's last lines are lost.
    cut_off: bool,
    document: bool,
    new_file: bool,
}

/// An input-order key: (stream, block, line).
type Key = (usize, u64, u64);

struct Shared<'o> {
    options: &'o ReadOptions<'o>,
    stop: AtomicBool,
    disk: AtomicU64,
    failure: Mutex<Option<(Key, Error)>>,
    panic: Mutex<Option<Box<dyn std::any::Any + Send>>>,
    block_size: usize,
}

impl<'o> Shared<'o> {
    fn new(options: &'o ReadOptions<'o>, block_size: usize) -> Shared<'o> {
        Shared {
            options,
            stop: AtomicBool::new(false),
            disk: AtomicU64::new(0),
            failure: Mutex::new(None),
            panic: Mutex::new(None),
            block_size,
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
            || self
                .options
                .stop
                .is_some_and(|stop| stop.load(Ordering::Relaxed))
    }

    /// Records an error (the earliest in input order wins) and stops.
    fn fail(&self, key: Key, error: Error) {
        let mut slot = lock(&self.failure);
        if slot.as_ref().is_none_or(|(known, _)| key < *known) {
            *slot = Some((key, error));
        }
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Runs the caller's code; a panic in it stops the pipeline (which then
    /// drains, so no thread waits forever) and is raised again at the end.
    fn guarded<R>(&self, run: impl FnOnce() -> R) -> Option<R> {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
            Ok(value) => Some(value),
            Err(payload) => {
                lock(&self.panic).get_or_insert(payload);
                self.stop.store(true, Ordering::Relaxed);
                None
            }
        }
    }

    fn into_result(self) -> Result<()> {
        if let Some(payload) = self
            .panic
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
        {
            std::panic::resume_unwind(payload);
        }
        match self
            .failure
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
        {
            Some((_, error)) => Err(error),
            None => Ok(()),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn worker_count(options: &ReadOptions<'_>) -> usize {
    options
        .threads
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
}

fn block_size(options: &ReadOptions<'_>, buffers: usize) -> usize {
    options
        .block_size
        .map(|size| size.max(1))
        .unwrap_or_else(|| (MEMORY_BUDGET / buffers.max(1)).clamp(MIN_BLOCK, MAX_BLOCK))
}

/// A reader's block buffers: made on demand up to a limit, then reused as
/// they come back, so a reader can never run ahead of the decoding.
struct Pool {
    returned: Receiver<Vec<u8>>,
    made: usize,
    limit: usize,
    capacity: usize,
}

impl Pool {
    fn take(&mut self) -> Option<Vec<u8>> {
        if let Ok(buffer) = self.returned.try_recv() {
            return Some(buffer);
        }
        if self.made < self.limit {
            self.made += 1;
            return Some(Vec::with_capacity(self.capacity + self.capacity / 2));
        }
        self.returned.recv().ok()
    }
}

fn pools(count: usize, limit: usize, capacity: usize) -> (Vec<Sender<Vec<u8>>>, Vec<Pool>) {
    (0..count)
        .map(|_| {
            let (sender, returned) = mpsc::channel();
            let pool = Pool {
                returned,
                made: 0,
                limit,
                capacity,
            };
            (sender, pool)
        })
        .unzip()
}

/// Counts the bytes read from disk, for progress.
struct Counted<'s, R> {
    inner: R,
    disk: &'s AtomicU64,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.disk.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Reads every file of a stream into blocks. Returns the number of blocks
/// sent; stops quietly when the pipeline stops.
fn read_stream(
    shared: &Shared<'_>,
    index: usize,
    stream: &Stream,
    pool_index: usize,
    pool: &mut Pool,
    work: &SyncSender<Block>,
) -> Result<u64> {
    let mut seq = 0;
    for source in &stream.sources {
        if !read_source(shared, index, source, &mut seq, pool_index, pool, work)? {
            break;
        }
    }
    Ok(seq)
}

/// One file; false when the pipeline stopped.
fn read_source(
    shared: &Shared<'_>,
    index: usize,
    source: &Source,
    seq: &mut u64,
    pool_index: usize,
    pool: &mut Pool,
    work: &SyncSender<Block>,
) -> Result<bool> {
    let path: Arc<str> = source.display().into();
    let io = |source| Error::Io {
        path: path.to_string(),
        source,
    };
    let raw: Box<dyn Read> = match source {
        Source::Stdin => Box::new(std::io::stdin().lock()),
        Source::File(file) => Box::new(std::fs::File::open(file).map_err(io)?),
    };
    let mut input = BufReader::with_capacity(
        64 << 10,
        Counted {
            inner: raw,
            disk: &shared.disk,
        },
    );
    let gzip = input.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
    let mut reader: Box<dyn Read + '_> = if gzip {
        Box::new(MultiGzDecoder::new(input))
    } else {
        Box::new(input)
    };
    let mut carry = Vec::new();
    let mut line = 1;
    let mut first = true;
    loop {
        if shared.stopped() {
            return Ok(false);
        }
        let Some(mut buffer) = pool.take() else {
            return Ok(false);
        };
        buffer.clear();
        buffer.extend_from_slice(&carry);
        carry.clear();
        let mut target = shared.block_size.max(buffer.len() + shared.block_size / 2);
        let mut end_of_file = false;
        let mut cut_off = false;
        let mut cut = loop {
            let want = target - buffer.len();
            let (got, short) = fill(&mut reader, &mut buffer, want, gzip).map_err(io)?;
            cut_off |= short;
            if got < want || short {
                end_of_file = true;
                break buffer.len();
            }
            let cut = cut_block(&buffer);
            if cut > 0 {
                break cut;
            }
            if target >= MAX_LINE {
                return Err(Error::TooLarge {
                    path: path.to_string(),
                    what: "a line",
                    limit: MAX_LINE as u64,
                });
            }
            target = (target * 2).min(MAX_LINE);
        };
        let document = first && looks_like_document(&buffer);
        if document {
            if !end_of_file {
                let limit = (MAX_DOCUMENT + 1).saturating_sub(buffer.len());
                let (_, short) = fill(&mut reader, &mut buffer, limit, gzip).map_err(io)?;
                cut_off |= short;
                if buffer.len() > MAX_DOCUMENT {
                    return Err(Error::TooLarge {
                        path: path.to_string(),
                        what: "a whole-file JSON document",
                        limit: MAX_DOCUMENT as u64,
                    });
                }
                end_of_file = true;
            }
            cut = buffer.len();
        }
        carry.extend_from_slice(&buffer[cut..]);
        buffer.truncate(cut);
        let lines = memchr::memchr_iter(b'\n', &buffer).count() as u64;
        let block = Block {
            stream: index,
            seq: *seq,
            pool: pool_index,
            path: path.clone(),
            first_line: line,
            data: buffer,
            end_of_file,
            cut_off,
            document,
            new_file: first,
        };
        *seq += 1;
        line += lines;
        first = false;
        if work.send(block).is_err() {
            return Ok(false);
        }
        if let Some(progress) = shared.options.progress {
            progress(shared.disk.load(Ordering::Relaxed));
        }
        if end_of_file {
            return Ok(true);
        }
    }
}

/// Reads up to `want` more bytes; the count read, and whether a gzip stream
/// ended early (treated as the end of the file, and reported, rather than as
/// an error: a log being compressed while it is read ends so).
fn fill(
    reader: &mut dyn Read,
    buffer: &mut Vec<u8>,
    want: usize,
    gzip: bool,
) -> std::io::Result<(usize, bool)> {
    let before = buffer.len();
    match reader.take(want as u64).read_to_end(buffer) {
        Ok(got) => Ok((got, false)),
        Err(error) if gzip && error.kind() == std::io::ErrorKind::UnexpectedEof => {
            Ok((buffer.len() - before, true))
        }
        Err(error) => Err(error),
    }
}

/// Whether a file's start is a pretty-printed JSON document rather than one
/// JSON object per line: it starts with `{`, its first line is not a whole
/// JSON value, and neither is its second (a log whose first line alone is
/// broken still reads line by line).
fn looks_like_document(data: &[u8]) -> bool {
    let data = data.strip_prefix(BOM).unwrap_or(data);
    let mut lines = data
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .filter(|line| !line.is_empty());
    let whole = |line: &[u8]| {
        line.first() == Some(&b'{') && serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok()
    };
    match lines.next() {
        Some(first) if first.first() == Some(&b'{') && !whole(first) => {
            lines.next().is_none_or(|second| !whole(second))
        }
        _ => false,
    }
}

/// Decodes a block, passing events to `emit`; errors (strict mode) stop the
/// pipeline.
fn decode_block<F>(shared: &Shared<'_>, block: &Block, emit: &mut F) -> ReadStats
where
    F: FnMut(&Event<'_>, &[u8]) -> ControlFlow<()>,
{
    let options = shared.options;
    let mut decoder = Decoder::new(&block.path)
        .with_prefilter(options.prefilter)
        .strict(options.strict)
        .at(block.stream, block.seq);
    let truncated_before = decoder.stats.truncated;
    let mut result = if block.document {
        decode_document(&mut decoder, block, emit)
    } else {
        decoder
            .block(block.first_line, &block.data, block.end_of_file, emit)
            .map(|_| ())
    };
    if block.cut_off && result.is_ok() && decoder.stats.truncated == truncated_before {
        let lines = memchr::memchr_iter(b'\n', &block.data).count() as u64;
        result = decoder.cut_off(block.first_line + lines, "compressed data ends early");
    }
    decoder.stats.files += u64::from(block.new_file);
    if let Err(error) = result {
        let line = match &error {
            Error::BadLine { line, .. } => *line,
            _ => 0,
        };
        shared.fail((block.stream, block.seq, line), error);
    }
    std::mem::take(&mut decoder.stats)
}

/// A whole file parsed as one JSON document (an `EventList` or an event);
/// when it is neither, it is read line by line after all.
fn decode_document<F>(decoder: &mut Decoder<'_>, block: &Block, emit: &mut F) -> Result<()>
where
    F: FnMut(&Event<'_>, &[u8]) -> ControlFlow<()>,
{
    let text = block.data.strip_prefix(BOM).unwrap_or(&block.data);
    let compact = minify_json(text.trim_ascii());
    let mut out = Vec::new();
    let (kind, skipped) = decode_json(&compact, &mut out);
    if !matches!(kind, LineKind::Event | LineKind::EventList) {
        return decoder
            .block(block.first_line, &block.data, true, emit)
            .map(|_| ());
    }
    let stats = &mut decoder.stats;
    let newlines = memchr::memchr_iter(b'\n', &block.data).count() as u64;
    stats.lines += newlines + u64::from(!block.data.ends_with(b"\n"));
    stats.bytes += block.data.len() as u64;
    stats.events += out.len() as u64;
    stats.event_lists += u64::from(kind == LineKind::EventList);
    stats.not_events += u64::from(skipped);
    for decoded in &out {
        if emit(&decoded.event, decoded.raw).is_break() {
            break;
        }
    }
    Ok(())
}

/// Reads every stream and aggregates every event once, in no particular
/// order: each worker thread folds into its own `init()` value with `add`
/// (given the event and its raw JSON), and the values are combined with
/// `merge` at the end.
pub fn fold<A, I, F, M>(
    streams: &[Stream],
    options: &ReadOptions<'_>,
    init: I,
    add: F,
    merge: M,
) -> Result<(A, ReadStats)>
where
    A: Send,
    I: Fn() -> A + Sync,
    F: Fn(&mut A, &Event<'_>, &[u8]) + Sync,
    M: Fn(A, A) -> A,
{
    let workers = worker_count(options);
    let readers = streams.len().clamp(1, workers);
    let per_reader = workers + 2;
    let size = block_size(options, readers * per_reader);
    let shared = Shared::new(options, size);
    let next_stream = AtomicUsize::new(0);
    let (work_tx, work_rx) = mpsc::sync_channel::<Block>(workers);
    let work_rx = Mutex::new(work_rx);
    let (returns, pools) = pools(readers, per_reader, size);

    let results: Vec<(A, ReadStats)> = std::thread::scope(|scope| {
        for (pool_index, mut pool) in pools.into_iter().enumerate() {
            let work_tx = work_tx.clone();
            let (shared, next_stream) = (&shared, &next_stream);
            scope.spawn(move || {
                loop {
                    let index = next_stream.fetch_add(1, Ordering::Relaxed);
                    let Some(stream) = streams.get(index) else {
                        break;
                    };
                    if let Err(error) =
                        read_stream(shared, index, stream, pool_index, &mut pool, &work_tx)
                    {
                        shared.fail((index, 0, 0), error);
                        break;
                    }
                }
            });
        }
        drop(work_tx);
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (shared, work_rx, returns) = (&shared, &work_rx, &returns);
                let (init, add) = (&init, &add);
                scope.spawn(move || {
                    let mut acc = init();
                    let mut stats = ReadStats::default();
                    loop {
                        let received = lock(work_rx).recv();
                        let Ok(block) = received else {
                            break;
                        };
                        if !shared.stopped() {
                            let decoded = shared.guarded(|| {
                                let mut emit = |event: &Event<'_>, raw: &[u8]| {
                                    add(&mut acc, event, raw);
                                    ControlFlow::Continue(())
                                };
                                decode_block(shared, &block, &mut emit)
                            });
                            stats.merge(decoded.unwrap_or_default());
                        }
                        // The reader may be gone already; then nobody needs it.
                        let _ = returns[block.pool].send(block.data);
                    }
                    (acc, stats)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    drop(returns);
    shared.into_result()?;
    let mut stats = ReadStats::default();
    let mut total: Option<A> = None;
    for (acc, part) in results {
        stats.merge(part);
        total = Some(match total {
            Some(sum) => merge(sum, acc),
            None => acc,
        });
    }
    Ok((total.unwrap_or_else(init), stats))
}

/// What reader and worker threads tell the ordering thread.
enum Message<T> {
    Done {
        stream: usize,
        seq: u64,
        pool: usize,
        items: Vec<T>,
        stats: Box<ReadStats>,
        data: Vec<u8>,
    },
    End {
        stream: usize,
        blocks: u64,
    },
    Stop,
}

/// One stream's results as they come back, put in order.
struct Lane<T> {
    next: u64,
    pending: BTreeMap<u64, (Vec<T>, ReadStats, Vec<u8>, usize)>,
    current: VecDeque<T>,
    end: Option<u64>,
}

/// Reads every stream, maps each event (with its raw JSON) to an optional
/// result in parallel, and hands the results to `sink` on the calling thread:
/// one stream's results in file order, several streams' merged by time (each
/// result's [`Timed::time`]), so rotated sets from several API servers come
/// out as one timeline. Stops early when `sink` breaks.
pub fn for_each_ordered<T, M, S>(
    streams: &[Stream],
    options: &ReadOptions<'_>,
    map: M,
    mut sink: S,
) -> Result<ReadStats>
where
    T: Send + Timed,
    M: Fn(&Event<'_>, &[u8]) -> Option<T> + Sync,
    S: FnMut(T) -> ControlFlow<()>,
{
    let workers = worker_count(options);
    let per_stream = workers + 2;
    let size = block_size(options, streams.len() * per_stream);
    let shared = Shared::new(options, size);
    let (work_tx, work_rx) = mpsc::sync_channel::<Block>(workers);
    let work_rx = Mutex::new(work_rx);
    let (results_tx, results_rx) = mpsc::channel::<Message<T>>();
    let (returns, pools) = pools(streams.len(), per_stream, size);
    let mut stats = ReadStats::default();

    std::thread::scope(|scope| {
        for ((index, stream), mut pool) in streams.iter().enumerate().zip(pools) {
            let work_tx = work_tx.clone();
            let results_tx = results_tx.clone();
            let shared = &shared;
            scope.spawn(move || {
                match read_stream(shared, index, stream, index, &mut pool, &work_tx) {
                    Ok(blocks) => {
                        let _ = results_tx.send(Message::End {
                            stream: index,
                            blocks,
                        });
                    }
                    Err(error) => {
                        shared.fail((index, 0, 0), error);
                        let _ = results_tx.send(Message::Stop);
                    }
                }
            });
        }
        drop(work_tx);
        for _ in 0..workers {
            let results_tx = results_tx.clone();
            let (shared, work_rx, map) = (&shared, &work_rx, &map);
            scope.spawn(move || {
                loop {
                    let received = lock(work_rx).recv();
                    let Ok(block) = received else {
                        break;
                    };
                    if shared.stopped() {
                        continue;
                    }
                    let mut items = Vec::new();
                    let decoded = shared.guarded(|| {
                        let mut emit = |event: &Event<'_>, raw: &[u8]| {
                            if let Some(item) = map(event, raw) {
                                items.push(item);
                            }
                            ControlFlow::Continue(())
                        };
                        decode_block(shared, &block, &mut emit)
                    });
                    let message = if let Some(stats) = decoded
                        && !shared.stopped()
                    {
                        Message::Done {
                            stream: block.stream,
                            seq: block.seq,
                            pool: block.pool,
                            items,
                            stats: Box::new(stats),
                            data: block.data,
                        }
                    } else {
                        Message::Stop
                    };
                    let _ = results_tx.send(message);
                }
            });
        }
        drop(results_tx);
        merge_lanes(
            &shared,
            streams.len(),
            &results_rx,
            &returns,
            &mut stats,
            &mut sink,
        );
        // Unblock everyone: readers waiting for a buffer see the pools close,
        // workers drain the queue without decoding.
        shared.stop.store(true, Ordering::Relaxed);
        drop(returns);
        drop(results_rx);
    });
    shared.into_result()?;
    Ok(stats)
}

/// The k-way merge on the calling thread.
fn merge_lanes<T: Timed, S: FnMut(T) -> ControlFlow<()>>(
    shared: &Shared<'_>,
    streams: usize,
    results: &Receiver<Message<T>>,
    returns: &[Sender<Vec<u8>>],
    stats: &mut ReadStats,
    sink: &mut S,
) {
    let mut lanes: Vec<Lane<T>> = (0..streams)
        .map(|_| Lane {
            next: 0,
            pending: BTreeMap::new(),
            current: VecDeque::new(),
            end: None,
        })
        .collect();
    let key = |item: &T| item.time().map_or(i64::MIN, |time| time.0);
    loop {
        if shared.stopped() {
            return;
        }
        let mut waiting = false;
        for lane in &mut lanes {
            while lane.current.is_empty() {
                if let Some((items, part, data, pool)) = lane.pending.remove(&lane.next) {
                    stats.merge(part);
                    let _ = returns[pool].send(data);
                    lane.current = items.into();
                    lane.next += 1;
                } else {
                    waiting |= lane.end != Some(lane.next);
                    break;
                }
            }
        }
        if waiting {
            match results.recv() {
                Ok(Message::Done {
                    stream,
                    seq,
                    pool,
                    items,
                    stats: part,
                    data,
                }) => {
                    lanes[stream]
                        .pending
                        .insert(seq, (items, *part, data, pool));
                }
                Ok(Message::End { stream, blocks }) => lanes[stream].end = Some(blocks),
                Ok(Message::Stop) | Err(_) => return,
            }
            continue;
        }
        let heads = || {
            lanes
                .iter()
                .enumerate()
                .filter_map(|(index, lane)| lane.current.front().map(|item| (key(item), index)))
        };
        let Some(best) = heads().min() else {
            return;
        };
        let index = best.1;
        let other = heads()
            .filter(|&(_, other)| other != index)
            .min()
            .unwrap_or((i64::MAX, usize::MAX));
        let lane = &mut lanes[index];
        while let Some(item) = lane.current.pop_front() {
            if sink(item).is_break() {
                return;
            }
            if lane
                .current
                .front()
                .is_none_or(|next| (key(next), index) > other)
            {
                break;
            }
        }
    }
}
