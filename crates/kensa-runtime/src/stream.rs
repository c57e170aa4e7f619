//! Event distribution: an in-process fan-out ([`EventHub`]), a unix-socket
//! server over it ([`serve_unix`]) and its client ([`subscribe_unix`]), plus
//! the decoder from Tetragon-shaped JSON back to [`Event`]
//! ([`events_from_json`]) that `kensa runtime events -o compact` needs.
//!
//! The producer is the BPF ring-buffer reader, which must never wait on a
//! consumer: the kernel drops records when the reader falls behind. So every
//! subscriber has its own bounded queue, and an event that does not fit is
//! dropped for that subscriber alone and counted
//! (`kensa_runtime_lost_events_total{reason="subscriber_slow"}`).
//!
//! # Socket protocol
//!
//! The client sends one line of JSON, a [`Filter`] (`{}` for everything,
//! `{"namespace":"default","pod":"web"}`), and then receives events, one
//! [`events::to_json`] object per line. A filter the server cannot read is
//! answered with one `{"error":"..."}` line and the connection is closed.
//! The client keeps its sending side open: end-of-file from the client ends
//! the subscription, which is how a client gone idle is noticed without
//! waiting for an event to fail to write.

use std::collections::{HashMap, VecDeque};
use std::fs;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::Shutdown;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, RwLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::events::{self, Arg, Event, EventKind, Pod, Process};
use crate::metrics::{LostReason, RuntimeMetrics};

/// Queue capacity of a subscriber when none is given. A queue holds `Arc`s
/// of events shared by all subscribers, so a full one costs 512 KiB beyond
/// the events themselves.
pub const DEFAULT_CAPACITY: usize = 65_536;

// ---------------------------------------------------------------- filter --

/// Which events a subscriber wants, matched against the pod of the event's
/// process. An unset (or empty) field matches anything; a filter naming a
/// namespace or a pod never matches an event without a pod.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// Only events from pods in this namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Only events from pods of this name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
}

impl Filter {
    /// Whether the event passes the filter.
    pub fn matches(&self, event: &Event) -> bool {
        let (namespace, name) = (wanted(&self.namespace), wanted(&self.pod));
        if namespace.is_none() && name.is_none() {
            return true;
        }
        let Some(pod) = &process_of(event).pod else {
            return false;
        };
        namespace.is_none_or(|ns| pod.namespace == ns) && name.is_none_or(|n| pod.name == n)
    }
}

/// JSON clients send `""` for "any" as readily as they omit the key.
fn wanted(field: &Option<String>) -> Option<&str> {
    field.as_deref().filter(|v| !v.is_empty())
}

fn process_of(event: &Event) -> &Process {
    match &event.kind {
        EventKind::Exec { process, .. }
        | EventKind::Exit { process, .. }
        | EventKind::Kprobe { process, .. }
        | EventKind::Tracepoint { process, .. }
        | EventKind::Uprobe { process, .. } => process,
    }
}

// ------------------------------------------------------------------- hub --

/// A poisoned lock only means another thread panicked mid-update of a queue
/// or a list, which stays structurally valid; the producer must keep going.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Debug, Default)]
struct Queue {
    items: VecDeque<Arc<Event>>,
    closed: bool,
}

#[derive(Debug)]
struct Slot {
    id: u64,
    filter: Filter,
    capacity: usize,
    queue: Mutex<Queue>,
    ready: Condvar,
    enqueued: AtomicU64,
    lost: AtomicU64,
}

enum Offer {
    Queued,
    Full,
    Closed,
}

impl Slot {
    fn offer(&self, event: &Arc<Event>) -> Offer {
        let mut queue = lock(&self.queue);
        if queue.closed {
            return Offer::Closed;
        }
        if queue.items.len() >= self.capacity {
            drop(queue);
            self.lost.fetch_add(1, Ordering::Relaxed);
            return Offer::Full;
        }
        let was_empty = queue.items.is_empty();
        queue.items.push_back(Arc::clone(event));
        drop(queue);
        self.enqueued.fetch_add(1, Ordering::Relaxed);
        // A consumer only waits on an empty queue, so only that transition
        // needs a wake-up; skipping the others saves a futex call per event.
        if was_empty {
            self.ready.notify_one();
        }
        Offer::Queued
    }

    fn close(&self) {
        lock(&self.queue).closed = true;
        self.ready.notify_all();
    }
}

#[derive(Debug)]
struct HubInner {
    subscribers: RwLock<Vec<Arc<Slot>>>,
    capacity: usize,
    next_id: AtomicU64,
    published: AtomicU64,
    lost: AtomicU64,
    closed: AtomicBool,
    metrics: Option<Arc<RuntimeMetrics>>,
}

/// Fan-out of events to subscribers. Cloning gives another handle on the
/// same hub.
///
/// [`EventHub::publish`] never waits for a subscriber: each has a bounded
/// queue, and an event that does not fit is dropped for that subscriber
/// and counted, per subscriber ([`Subscription::lost`]) and in total
/// ([`EventHub::lost_total`] and, with metrics,
/// `kensa_runtime_lost_events_total{reason="subscriber_slow"}`).
#[derive(Debug, Clone)]
pub struct EventHub {
    inner: Arc<HubInner>,
}

impl Default for EventHub {
    fn default() -> Self {
        Self::new()
    }
}

/// A snapshot of one subscriber, from [`EventHub::subscribers`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberStats {
    /// The subscription's id, unique within the hub, increasing.
    pub id: u64,
    /// Its filter.
    pub filter: Filter,
    /// Events waiting in its queue.
    pub queued: usize,
    /// Events put in its queue so far.
    pub enqueued: u64,
    /// Events dropped for it because its queue was full.
    pub lost: u64,
}

impl EventHub {
    /// A hub whose subscribers queue up to [`DEFAULT_CAPACITY`] events.
    pub fn new() -> Self {
        Self::build(DEFAULT_CAPACITY, None)
    }

    /// A hub whose subscribers queue up to `capacity` events (at least 1).
    pub fn with_capacity(capacity: usize) -> Self {
        Self::build(capacity, None)
    }

    /// A hub that also counts into `metrics`: every published event in
    /// `events_total{type}`, every drop in
    /// `lost_events_total{reason="subscriber_slow"}`.
    pub fn with_metrics(capacity: usize, metrics: Arc<RuntimeMetrics>) -> Self {
        Self::build(capacity, Some(metrics))
    }

    fn build(capacity: usize, metrics: Option<Arc<RuntimeMetrics>>) -> Self {
        EventHub {
            inner: Arc::new(HubInner {
                subscribers: RwLock::new(Vec::new()),
                capacity: capacity.max(1),
                next_id: AtomicU64::new(1),
                published: AtomicU64::new(0),
                lost: AtomicU64::new(0),
                closed: AtomicBool::new(false),
                metrics,
            }),
        }
    }

    /// The default queue capacity of a subscriber.
    pub fn capacity(&self) -> usize {
        self.inner.capacity
    }

    /// Hands `event` to every subscriber whose filter matches it, without
    /// waiting: a full queue loses the event. Returns how many subscribers
    /// queued it.
    pub fn publish(&self, event: Event) -> usize {
        let inner = &*self.inner;
        inner.published.fetch_add(1, Ordering::Relaxed);
        if let Some(metrics) = &inner.metrics {
            metrics.count_event(&event);
        }
        // One allocation shared by every queue instead of a clone each.
        let event = Arc::new(event);
        let mut queued = 0;
        let mut lost = 0;
        let subscribers = inner
            .subscribers
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        for slot in subscribers.iter().filter(|s| s.filter.matches(&event)) {
            match slot.offer(&event) {
                Offer::Queued => queued += 1,
                Offer::Full => lost += 1,
                Offer::Closed => {}
            }
        }
        drop(subscribers);
        if lost > 0 {
            inner.lost.fetch_add(lost, Ordering::Relaxed);
            if let Some(metrics) = &inner.metrics {
                metrics.add_lost(LostReason::SubscriberSlow, lost);
            }
        }
        queued
    }

    /// A new subscriber with the hub's queue capacity.
    pub fn subscribe(&self, filter: Filter) -> Subscription {
        self.subscribe_with_capacity(filter, self.inner.capacity)
    }

    /// A new subscriber whose queue holds up to `capacity` events (at
    /// least 1). On a closed hub the subscription starts closed.
    pub fn subscribe_with_capacity(&self, filter: Filter, capacity: usize) -> Subscription {
        let slot = Arc::new(Slot {
            id: self.inner.next_id.fetch_add(1, Ordering::Relaxed),
            filter,
            capacity: capacity.max(1),
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
            enqueued: AtomicU64::new(0),
            lost: AtomicU64::new(0),
        });
        let mut subscribers = self
            .inner
            .subscribers
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        // Checked under the list's lock so `close` cannot miss this slot.
        if self.inner.closed.load(Ordering::SeqCst) {
            slot.close();
        } else {
            subscribers.push(Arc::clone(&slot));
        }
        drop(subscribers);
        Subscription {
            slot,
            hub: Arc::clone(&self.inner),
        }
    }

    /// Closes every subscription: their queued events can still be
    /// received, then they report the end. Later subscriptions start
    /// closed; later events reach no one (but are still counted).
    pub fn close(&self) {
        let subscribers = self
            .inner
            .subscribers
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        self.inner.closed.store(true, Ordering::SeqCst);
        for slot in subscribers.iter() {
            slot.close();
        }
    }

    /// Current subscribers.
    pub fn subscriber_count(&self) -> usize {
        self.inner
            .subscribers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// A snapshot of every current subscriber, by id.
    pub fn subscribers(&self) -> Vec<SubscriberStats> {
        let subscribers = self
            .inner
            .subscribers
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        subscribers
            .iter()
            .map(|slot| SubscriberStats {
                id: slot.id,
                filter: slot.filter.clone(),
                queued: lock(&slot.queue).items.len(),
                enqueued: slot.enqueued.load(Ordering::Relaxed),
                lost: slot.lost.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// Events published so far.
    pub fn published_total(&self) -> u64 {
        self.inner.published.load(Ordering::Relaxed)
    }

    /// Events dropped for full queues so far, over all subscribers past and
    /// present (one event dropped for two subscribers counts twice).
    pub fn lost_total(&self) -> u64 {
        self.inner.lost.load(Ordering::Relaxed)
    }

    fn unsubscribe(inner: &HubInner, id: u64) {
        inner
            .subscribers
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|slot| slot.id != id);
    }
}

/// One subscriber's end of an [`EventHub`]. Dropping it unsubscribes.
///
/// Meant for one consuming thread; [`Subscription::closer`] gives other
/// threads a way to end it.
#[derive(Debug)]
pub struct Subscription {
    slot: Arc<Slot>,
    hub: Arc<HubInner>,
}

/// Closes a [`Subscription`] from another thread, waking its consumer.
#[derive(Debug, Clone)]
pub struct SubscriptionCloser {
    slot: Arc<Slot>,
}

impl SubscriptionCloser {
    /// No more events are queued; those already queued can still be
    /// received, then the subscription reports the end.
    pub fn close(&self) {
        self.slot.close();
    }
}

impl Subscription {
    /// The subscription's id, as in [`SubscriberStats::id`].
    pub fn id(&self) -> u64 {
        self.slot.id
    }

    /// Its filter.
    pub fn filter(&self) -> &Filter {
        &self.slot.filter
    }

    /// Events dropped for this subscriber because its queue was full.
    pub fn lost(&self) -> u64 {
        self.slot.lost.load(Ordering::Relaxed)
    }

    /// Events waiting in the queue.
    pub fn queued(&self) -> usize {
        lock(&self.slot.queue).items.len()
    }

    /// A handle that closes this subscription from elsewhere.
    pub fn closer(&self) -> SubscriptionCloser {
        SubscriptionCloser {
            slot: Arc::clone(&self.slot),
        }
    }

    /// Closes the subscription, as [`SubscriptionCloser::close`].
    pub fn close(&self) {
        self.slot.close();
    }

    /// The next event, waiting for one; `None` once the subscription is
    /// closed and drained.
    pub fn recv(&self) -> Option<Arc<Event>> {
        let mut queue = lock(&self.slot.queue);
        loop {
            if let Some(event) = queue.items.pop_front() {
                return Some(event);
            }
            if queue.closed {
                return None;
            }
            queue = self
                .slot
                .ready
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The next event, waiting at most `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Arc<Event>, RecvTimeoutError> {
        let Some(deadline) = Instant::now().checked_add(timeout) else {
            return self.recv().ok_or(RecvTimeoutError::Disconnected);
        };
        let mut queue = lock(&self.slot.queue);
        loop {
            if let Some(event) = queue.items.pop_front() {
                return Ok(event);
            }
            if queue.closed {
                return Err(RecvTimeoutError::Disconnected);
            }
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return Err(RecvTimeoutError::Timeout);
            };
            queue = self
                .slot
                .ready
                .wait_timeout(queue, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// The next event if one is queued.
    pub fn try_recv(&self) -> Result<Arc<Event>, TryRecvError> {
        let mut queue = lock(&self.slot.queue);
        match queue.items.pop_front() {
            Some(event) => Ok(event),
            None if queue.closed => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Waits for at least one event, then moves up to `limit` queued events
    /// to `out` under one lock. Returns how many were moved: 0 means the
    /// subscription is closed and drained (or `limit` is 0).
    pub fn recv_many(&self, out: &mut Vec<Arc<Event>>, limit: usize) -> usize {
        if limit == 0 {
            return 0;
        }
        let mut queue = lock(&self.slot.queue);
        loop {
            if !queue.items.is_empty() {
                let n = queue.items.len().min(limit);
                out.extend(queue.items.drain(..n));
                return n;
            }
            if queue.closed {
                return 0;
            }
            queue = self
                .slot
                .ready
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        EventHub::unsubscribe(&self.hub, self.slot.id);
        // A closer may keep the slot alive a while; its events need not.
        let mut queue = lock(&self.slot.queue);
        queue.closed = true;
        queue.items = VecDeque::new();
    }
}

// ---------------------------------------------------------------- errors --

/// What can go wrong serving or reading the event socket. Every variant
/// names the socket.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// Another server answers on the socket.
    #[error("{}: another server is listening on this socket", path.display())]
    InUse {
        /// The socket.
        path: PathBuf,
    },
    /// The path exists and is not a socket, so it is left alone.
    #[error("{}: exists and is not a socket; refusing to replace it", path.display())]
    NotASocket {
        /// The path.
        path: PathBuf,
    },
    /// A system call on the socket failed.
    #[error("{}: {action}: {source}", path.display())]
    Io {
        /// The socket.
        path: PathBuf,
        /// What was being done, e.g. `bind`.
        action: &'static str,
        /// Why it failed.
        #[source]
        source: io::Error,
    },
    /// The server refused the subscription (it answered `{"error":...}`).
    #[error("{}: the server refused the subscription: {message}", path.display())]
    Refused {
        /// The socket.
        path: PathBuf,
        /// The server's message.
        message: String,
    },
    /// The server sent a line that is not a JSON object.
    #[error("{}: the server sent an invalid line: {message}", path.display())]
    Protocol {
        /// The socket.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
}

fn io_error(path: &Path, action: &'static str) -> impl FnOnce(io::Error) -> StreamError {
    let path = path.to_path_buf();
    move |source| StreamError::Io {
        path,
        action,
        source,
    }
}

// ---------------------------------------------------------------- server --

/// How long a new client has to send its filter line.
const FILTER_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest filter line accepted.
const MAX_FILTER_LINE: u64 = 64 * 1024;
/// Events taken from the queue per write; bounds what a writer holds
/// outside its queue.
const WRITE_BATCH: usize = 256;

#[derive(Debug, Default)]
struct CloserSlot {
    closed: bool,
    closer: Option<SubscriptionCloser>,
}

/// What shutdown needs to end one client: its subscription and a clone of
/// its socket (shutting the socket down wakes threads blocked on it).
#[derive(Debug)]
struct ConnState {
    control: UnixStream,
    closer: Mutex<CloserSlot>,
}

impl ConnState {
    fn close(&self) {
        let closer = {
            let mut slot = lock(&self.closer);
            slot.closed = true;
            slot.closer.take()
        };
        if let Some(closer) = closer {
            closer.close();
        }
        let _ = self.control.shutdown(Shutdown::Both);
    }
}

#[derive(Debug)]
struct Conn {
    state: Arc<ConnState>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Conns {
    stopping: bool,
    next_id: u64,
    live: HashMap<u64, Conn>,
}

#[derive(Debug)]
struct ServerShared {
    hub: EventHub,
    conns: Mutex<Conns>,
}

/// A running event socket server. Dropping it (or [`ServerHandle::shutdown`])
/// stops accepting, disconnects every client and removes the socket file.
#[derive(Debug)]
pub struct ServerHandle {
    path: PathBuf,
    /// Device and inode of the socket we bound, so that shutdown never
    /// removes a file someone else has put at the path since.
    identity: (u64, u64),
    shared: Arc<ServerShared>,
    accept: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Clients currently connected.
    pub fn client_count(&self) -> usize {
        lock(&self.shared.conns).live.len()
    }

    /// Stops the server: no new clients, every client disconnected and its
    /// thread joined, the socket file removed.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn still_ours(&self) -> bool {
        fs::symlink_metadata(&self.path).is_ok_and(|meta| (meta.dev(), meta.ino()) == self.identity)
    }

    fn stop(&mut self) {
        let Some(accept) = self.accept.take() else {
            return;
        };
        lock(&self.shared.conns).stopping = true;
        // std cannot shut a listener down, so a connection of our own wakes
        // `accept` to see the flag. When the path no longer leads to our
        // socket, nothing can wake it: the thread is left blocked rather
        // than hanging the caller.
        if self.still_ours() && UnixStream::connect(&self.path).is_ok() {
            let _ = accept.join();
        }
        let conns = std::mem::take(&mut lock(&self.shared.conns).live);
        for conn in conns.values() {
            conn.state.close();
        }
        for conn in conns.into_values() {
            if let Some(thread) = conn.thread {
                let _ = thread.join();
            }
        }
        if self.still_ours() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Serves `hub`'s events on a unix socket at `path`, mode 0600. See the
/// [module documentation](self) for the protocol.
///
/// A socket file already at `path` is removed only when nothing answers on
/// it; any other file there is an error.
pub fn serve_unix(path: impl AsRef<Path>, hub: EventHub) -> Result<ServerHandle, StreamError> {
    serve_unix_with_mode(path, hub, 0o600)
}

/// [`serve_unix`] with another file mode, e.g. 0660 to let a group
/// subscribe. Only the permission bits (0777) are used.
///
/// The mode is set right after `bind`, so for a moment the socket has the
/// umask's mode: keep it in a directory only the agent can write to.
pub fn serve_unix_with_mode(
    path: impl AsRef<Path>,
    hub: EventHub,
    mode: u32,
) -> Result<ServerHandle, StreamError> {
    let path = path.as_ref().to_path_buf();
    clear_stale_socket(&path)?;
    let listener = UnixListener::bind(&path).map_err(io_error(&path, "bind"))?;
    let prepared = (|| {
        fs::set_permissions(&path, fs::Permissions::from_mode(mode & 0o777))
            .map_err(io_error(&path, "set the socket's mode"))?;
        let meta = fs::symlink_metadata(&path).map_err(io_error(&path, "stat the socket"))?;
        let shared = Arc::new(ServerShared {
            hub,
            conns: Mutex::new(Conns::default()),
        });
        let accept = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("kensa-events-accept".into())
                .spawn(move || accept_loop(&listener, &shared))
                .map_err(io_error(&path, "start the server thread"))?
        };
        Ok(((meta.dev(), meta.ino()), shared, accept))
    })();
    match prepared {
        Ok((identity, shared, accept)) => Ok(ServerHandle {
            path,
            identity,
            shared,
            accept: Some(accept),
        }),
        Err(err) => {
            let _ = fs::remove_file(&path);
            Err(err)
        }
    }
}

/// Makes room for a new socket at `path`: a socket nobody answers on is
/// left over from a crashed agent and removed; anything else stays.
fn clear_stale_socket(path: &Path) -> Result<(), StreamError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(io_error(path, "inspect the existing file")(err)),
    };
    if !meta.file_type().is_socket() {
        return Err(StreamError::NotASocket {
            path: path.to_path_buf(),
        });
    }
    match UnixStream::connect(path) {
        Ok(_) => Err(StreamError::InUse {
            path: path.to_path_buf(),
        }),
        Err(err) if err.kind() == io::ErrorKind::ConnectionRefused => match fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(io_error(path, "remove the stale socket")(err)),
        },
        Err(err) => Err(io_error(path, "probe the existing socket")(err)),
    }
}

fn accept_loop(listener: &UnixListener, shared: &Arc<ServerShared>) {
    for conn in listener.incoming() {
        if lock(&shared.conns).stopping {
            return;
        }
        match conn {
            Ok(stream) => register(shared, stream),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            // Out of descriptors (EMFILE) persists until a client leaves;
            // retrying at once would spin a core.
            Err(_) => thread::sleep(Duration::from_millis(100)),
        }
    }
}

fn register(shared: &Arc<ServerShared>, stream: UnixStream) {
    let Ok(control) = stream.try_clone() else {
        return;
    };
    let state = Arc::new(ConnState {
        control,
        closer: Mutex::new(CloserSlot::default()),
    });
    let id = {
        let mut conns = lock(&shared.conns);
        if conns.stopping {
            return;
        }
        let id = conns.next_id;
        conns.next_id += 1;
        // Listed before its thread starts, so that a quick client removing
        // itself never races with being added.
        conns.live.insert(
            id,
            Conn {
                state: Arc::clone(&state),
                thread: None,
            },
        );
        id
    };
    let spawned = {
        let shared = Arc::clone(shared);
        thread::Builder::new()
            .name("kensa-events-client".into())
            .spawn(move || {
                client_session(&shared.hub, &state, stream);
                lock(&shared.conns).live.remove(&id);
            })
    };
    let mut conns = lock(&shared.conns);
    match spawned {
        Ok(thread) => {
            // Absent when the client already left: its thread is done.
            if let Some(conn) = conns.live.get_mut(&id) {
                conn.thread = Some(thread);
            }
        }
        Err(_) => {
            conns.live.remove(&id);
        }
    }
}

/// Reads the client's filter line: `Ok(None)` when the client left first.
fn read_filter(reader: &mut BufReader<io::Take<UnixStream>>) -> Result<Option<Filter>, String> {
    let mut line = String::new();
    match reader.read_line(&mut line) {
        Ok(_) => {}
        Err(err)
            if matches!(
                err.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            return Err(format!(
                "no filter line within {}s",
                FILTER_TIMEOUT.as_secs()
            ));
        }
        Err(err) if err.kind() == io::ErrorKind::InvalidData => {
            return Err("the filter line is not UTF-8".into());
        }
        Err(_) => return Ok(None),
    }
    if !line.ends_with('\n') {
        if reader.get_ref().limit() == 0 {
            return Err(format!("filter line longer than {MAX_FILTER_LINE} bytes"));
        }
        if line.is_empty() {
            return Ok(None);
        }
    }
    let line = line.trim();
    if line.is_empty() {
        return Ok(Some(Filter::default()));
    }
    serde_json::from_str(line).map_err(|err| {
        format!(r#"invalid filter: {err}; expected {{"namespace": "...", "pod": "..."}}"#)
    })
}

fn client_session(hub: &EventHub, state: &ConnState, stream: UnixStream) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let _ = read_half.set_read_timeout(Some(FILTER_TIMEOUT));
    let mut reader = BufReader::new(read_half.take(MAX_FILTER_LINE));
    let filter = match read_filter(&mut reader) {
        Ok(Some(filter)) => filter,
        Ok(None) => return,
        Err(message) => {
            let mut line = serde_json::json!({ "error": message }).to_string();
            line.push('\n');
            let _ = stream.set_write_timeout(Some(FILTER_TIMEOUT));
            let _ = (&stream).write_all(line.as_bytes());
            return;
        }
    };
    let subscription = hub.subscribe(filter);
    let closer = subscription.closer();
    {
        let mut slot = lock(&state.closer);
        if slot.closed {
            return;
        }
        slot.closer = Some(closer.clone());
    }
    // Bytes the client sent after its filter are of no interest.
    let read_half = reader.into_inner().into_inner();
    let _ = read_half.set_read_timeout(None);
    let writer = thread::Builder::new()
        .name("kensa-events-writer".into())
        .spawn(move || write_events(&subscription, stream));
    let Ok(writer) = writer else {
        return;
    };
    wait_for_eof(&read_half);
    closer.close();
    let _ = writer.join();
}

/// Returns when the client has closed its end (or the socket was shut
/// down): the only way to notice a client leaving while no event is
/// written to it.
fn wait_for_eof(mut stream: &UnixStream) {
    let mut buf = [0u8; 512];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

fn write_events(subscription: &Subscription, stream: UnixStream) {
    let mut out = BufWriter::with_capacity(64 * 1024, &stream);
    let mut batch = Vec::with_capacity(WRITE_BATCH);
    let mut line = Vec::new();
    loop {
        batch.clear();
        if subscription.recv_many(&mut batch, WRITE_BATCH) == 0 {
            break;
        }
        let written = batch.iter().try_for_each(|event| {
            line.clear();
            events::write_json(event, &mut line);
            line.push(b'\n');
            out.write_all(&line)
        });
        // Flushed per batch, so a quiet period never leaves events sitting
        // in the buffer.
        if written.and_then(|()| out.flush()).is_err() {
            break;
        }
    }
    drop(out);
    // Ends the session's wait for end-of-file when the client vanished
    // under a write.
    let _ = stream.shutdown(Shutdown::Both);
}

// ---------------------------------------------------------------- client --

/// The events of a subscription, from [`subscribe_unix`]: one JSON object
/// per event, as [`events::to_json`] writes it. Ends when the server closes
/// the connection; a refusal or a read error is the last item.
#[derive(Debug)]
pub struct EventStream {
    path: PathBuf,
    reader: BufReader<UnixStream>,
    line: Vec<u8>,
    done: bool,
}

/// Connects to the event socket at `path` and subscribes with `filter`.
pub fn subscribe_unix(path: impl AsRef<Path>, filter: &Filter) -> Result<EventStream, StreamError> {
    let path = path.as_ref().to_path_buf();
    let mut stream = UnixStream::connect(&path).map_err(io_error(&path, "connect"))?;
    let mut request = serde_json::to_vec(filter)
        .map_err(|err| io_error(&path, "encode the filter")(err.into()))?;
    request.push(b'\n');
    stream
        .write_all(&request)
        .map_err(io_error(&path, "send the filter"))?;
    Ok(EventStream {
        path,
        reader: BufReader::new(stream),
        line: Vec::new(),
        done: false,
    })
}

impl EventStream {
    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bounds the wait for the next event: when it passes, the iterator
    /// yields an [`StreamError::Io`] (kind `WouldBlock` or `TimedOut`) and
    /// can be resumed. `None` waits for ever.
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> Result<(), StreamError> {
        self.reader
            .get_ref()
            .set_read_timeout(timeout)
            .map_err(io_error(&self.path, "set the read timeout"))
    }

    fn fail(&mut self, err: StreamError) -> Option<Result<Value, StreamError>> {
        self.done = true;
        Some(Err(err))
    }
}

impl Iterator for EventStream {
    type Item = Result<Value, StreamError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            // Bytes, not a String: a read cut short by the timeout keeps its
            // partial line (even half a UTF-8 sequence) for the next call.
            match self.reader.read_until(b'\n', &mut self.line) {
                Ok(0) => {
                    self.done = true;
                    if self.line.trim_ascii().is_empty() {
                        return None;
                    }
                }
                Ok(_) => {}
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Some(Err(io_error(&self.path, "read events")(err)));
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => {
                    let err = io_error(&self.path, "read events")(err);
                    return self.fail(err);
                }
            }
            let line = std::mem::take(&mut self.line);
            let line = line.trim_ascii();
            if line.is_empty() {
                continue;
            }
            let value = match serde_json::from_slice::<Value>(line) {
                Ok(value @ Value::Object(_)) => value,
                Ok(_) => {
                    return Some(Err(StreamError::Protocol {
                        path: self.path.clone(),
                        message: "not a JSON object".into(),
                    }));
                }
                Err(err) => {
                    return Some(Err(StreamError::Protocol {
                        path: self.path.clone(),
                        message: err.to_string(),
                    }));
                }
            };
            // No event has a top-level `error` key, so this is a refusal.
            if let Some(message) = value.get("error") {
                let message = message
                    .as_str()
                    .map_or_else(|| message.to_string(), str::to_owned);
                let err = StreamError::Refused {
                    path: self.path.clone(),
                    message,
                };
                return self.fail(err);
            }
            return Some(Ok(value));
        }
        None
    }
}

// ---------------------------------------------------- JSON back to events --

/// An event object [`events_from_json`] cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event JSON at {at}: {problem}")]
pub struct EventJsonError {
    /// Where, as a path from the root, e.g. `process_kprobe.args[1]`.
    pub at: String,
    /// What is wrong.
    pub problem: String,
}

fn problem(at: &str, problem: impl Into<String>) -> EventJsonError {
    EventJsonError {
        at: at.to_owned(),
        problem: problem.into(),
    }
}

fn object<'v>(value: &'v Value, at: &str) -> Result<&'v Map<String, Value>, EventJsonError> {
    value
        .as_object()
        .ok_or_else(|| problem(at, format!("expected an object, found {value}")))
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}

/// An omitted string is an empty one, as `to_json` omits empty strings.
fn string(map: &Map<String, Value>, key: &str, at: &str) -> Result<String, EventJsonError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(problem(
            &join(at, key),
            format!("expected a string, found {other}"),
        )),
    }
}

fn optional_string(
    map: &Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<Option<String>, EventJsonError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => string(map, key, at).map(Some),
    }
}

/// protojson writes 64-bit integers as strings and accepts numbers as
/// either, so both are read for every width.
fn integer<T>(value: &Value, at: &str) -> Result<T, EventJsonError>
where
    T: TryFrom<i64> + TryFrom<u64> + std::str::FromStr,
{
    let parsed = match value {
        Value::Number(n) => n
            .as_u64()
            .and_then(|v| T::try_from(v).ok())
            .or_else(|| n.as_i64().and_then(|v| T::try_from(v).ok())),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| {
        problem(
            at,
            format!(
                "expected an integer of type {}, found {value}",
                std::any::type_name::<T>()
            ),
        )
    })
}

/// An omitted number is zero, as protojson omits zero scalars.
fn number<T>(map: &Map<String, Value>, key: &str, at: &str) -> Result<T, EventJsonError>
where
    T: TryFrom<i64> + TryFrom<u64> + std::str::FromStr + Default,
{
    match map.get(key) {
        None | Some(Value::Null) => Ok(T::default()),
        Some(value) => integer(value, &join(at, key)),
    }
}

fn pod_from_json(value: &Value, at: &str) -> Result<Pod, EventJsonError> {
    let map = object(value, at)?;
    let container_name = match map.get("container") {
        None | Some(Value::Null) => None,
        Some(container) => {
            let at = join(at, "container");
            let name = string(object(container, &at)?, "name", &at)?;
            Some(name).filter(|n| !n.is_empty())
        }
    };
    let labels = match map.get("pod_labels") {
        None | Some(Value::Null) => Default::default(),
        Some(labels) => {
            let at = join(at, "pod_labels");
            object(labels, &at)?
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    other => Err(problem(
                        &join(&at, k),
                        format!("expected a string, found {other}"),
                    )),
                })
                .collect::<Result<_, _>>()?
        }
    };
    Ok(Pod {
        namespace: string(map, "namespace", at)?,
        name: string(map, "name", at)?,
        container_name,
        labels,
    })
}

fn process_from_json(value: &Value, at: &str) -> Result<Process, EventJsonError> {
    let map = object(value, at)?;
    let pod = match map.get("pod") {
        None | Some(Value::Null) => None,
        Some(pod) => Some(pod_from_json(pod, &join(at, "pod"))?),
    };
    Ok(Process {
        exec_id: string(map, "exec_id", at)?,
        pid: number(map, "pid", at)?,
        uid: number(map, "uid", at)?,
        cwd: string(map, "cwd", at)?,
        binary: string(map, "binary", at)?,
        arguments: string(map, "arguments", at)?,
        start_time: string(map, "start_time", at)?,
        pod,
        parent_exec_id: string(map, "parent_exec_id", at)?,
    })
}

fn processes_from_json(
    body: &Map<String, Value>,
    at: &str,
) -> Result<(Process, Option<Process>), EventJsonError> {
    let process = match body.get("process") {
        Some(p) => process_from_json(p, &join(at, "process"))?,
        None => return Err(problem(at, "no `process`")),
    };
    let parent = match body.get("parent") {
        None | Some(Value::Null) => None,
        Some(p) => Some(process_from_json(p, &join(at, "parent"))?),
    };
    Ok((process, parent))
}

/// `int_arg` or `long_arg`: how `to_json` writes a signed integer.
fn signed_from_json(value: &Value, at: &str) -> Result<i64, EventJsonError> {
    let map = object(value, at)?;
    if let Some(v) = map.get("int_arg") {
        integer::<i32>(v, &join(at, "int_arg")).map(i64::from)
    } else if let Some(v) = map.get("long_arg") {
        integer::<i64>(v, &join(at, "long_arg"))
    } else {
        Err(problem(at, "expected `int_arg` or `long_arg`"))
    }
}

fn arg_from_json(value: &Value, at: &str) -> Result<Arg, EventJsonError> {
    let map = object(value, at)?;
    let mut keys = map.keys();
    let (Some(key), None) = (keys.next(), keys.next()) else {
        return Err(problem(at, "expected an object with exactly one key"));
    };
    let inner = &map[key];
    let at_key = join(at, key);
    Ok(match key.as_str() {
        "file_arg" => {
            let file = object(inner, &at_key)?;
            Arg::File {
                path: string(file, "path", &at_key)?,
                permission: optional_string(file, "permission", &at_key)?,
            }
        }
        "path_arg" => Arg::Path {
            path: string(object(inner, &at_key)?, "path", &at_key)?,
        },
        "int_arg" => Arg::Int(integer::<i32>(inner, &at_key)?.into()),
        "long_arg" => Arg::Int(integer(inner, &at_key)?),
        "uint_arg" => Arg::Uint(integer::<u32>(inner, &at_key)?.into()),
        "size_arg" => Arg::Size(integer(inner, &at_key)?),
        "sock_arg" => {
            let sock = object(inner, &at_key)?;
            Arg::Sock {
                family: string(sock, "family", &at_key)?,
                protocol: string(sock, "protocol", &at_key)?,
                saddr: string(sock, "saddr", &at_key)?,
                sport: number(sock, "sport", &at_key)?,
                daddr: string(sock, "daddr", &at_key)?,
                dport: number(sock, "dport", &at_key)?,
            }
        }
        "string_arg" => match inner {
            Value::String(s) => Arg::String(s.clone()),
            other => {
                return Err(problem(
                    &at_key,
                    format!("expected a string, found {other}"),
                ));
            }
        },
        other => return Err(problem(at, format!("unsupported argument kind `{other}`"))),
    })
}

const EVENT_KEYS: [&str; 5] = [
    "process_exec",
    "process_exit",
    "process_kprobe",
    "process_tracepoint",
    "process_uprobe",
];

/// The inverse of [`events::to_json`]: reads one event object back, so that
/// a client of the event socket can print [`events::to_compact`] lines.
///
/// Fields the model does not have (Tetragon's `flags`, `auid`, `docker`,
/// ...) are ignored; omitted strings and numbers read as empty and zero, as
/// `to_json` omits them. `to_json` folds a few values, so these come back
/// changed: `Arg::Uint` above `u32::MAX` as `Arg::Size`, and an empty
/// `permission`, container name or exit `signal` as `None`.
pub fn events_from_json(value: &Value) -> Result<Event, EventJsonError> {
    let root = object(value, "$")?;
    let mut present = EVENT_KEYS.iter().filter(|k| root.contains_key(**k));
    let key = match (present.next(), present.next()) {
        (Some(key), None) => *key,
        (Some(_), Some(_)) => {
            return Err(problem("$", "more than one event kind in one object"));
        }
        (None, _) => {
            let keys: Vec<&str> = root
                .keys()
                .map(String::as_str)
                .filter(|k| !matches!(*k, "node_name" | "time"))
                .collect();
            return Err(problem(
                "$",
                format!(
                    "expected one of {}; found {}",
                    EVENT_KEYS.join(", "),
                    if keys.is_empty() {
                        "none".to_owned()
                    } else {
                        keys.join(", ")
                    }
                ),
            ));
        }
    };
    let body = object(&root[key], key)?;
    let (process, parent) = processes_from_json(body, key)?;
    let kind = match key {
        "process_exec" => EventKind::Exec { process, parent },
        "process_exit" => EventKind::Exit {
            process,
            parent,
            // `to_json` writes the status as the proto's uint32; the cast
            // restores a negative one.
            status: number::<u32>(body, "status", key)? as i32,
            signal: optional_string(body, "signal", key)?.filter(|s| !s.is_empty()),
        },
        "process_tracepoint" => EventKind::Tracepoint {
            process,
            parent,
            subsys: string(body, "subsys", key)?,
            event: string(body, "event", key)?,
            args: args_from_json(body, key)?,
            action: string(body, "action", key)?,
            policy_name: string(body, "policy_name", key)?,
        },
        "process_uprobe" => EventKind::Uprobe {
            process,
            parent,
            path: string(body, "path", key)?,
            symbol: string(body, "symbol", key)?,
            offset: number::<u64>(body, "offset", key)?,
            args: args_from_json(body, key)?,
            action: string(body, "action", key)?,
            policy_name: string(body, "policy_name", key)?,
        },
        _ => {
            let args = args_from_json(body, key)?;
            let return_value = match body.get("return") {
                None | Some(Value::Null) => None,
                Some(ret) => Some(signed_from_json(ret, &join(key, "return"))?),
            };
            EventKind::Kprobe {
                process,
                parent,
                function_name: string(body, "function_name", key)?,
                args,
                action: string(body, "action", key)?,
                policy_name: string(body, "policy_name", key)?,
                return_value,
            }
        }
    };
    Ok(Event {
        node_name: string(root, "node_name", "")?,
        time: string(root, "time", "")?,
        kind,
    })
}

fn args_from_json(body: &Map<String, Value>, key: &str) -> Result<Vec<Arg>, EventJsonError> {
    match body.get("args") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(args)) => args
            .iter()
            .enumerate()
            .map(|(i, arg)| arg_from_json(arg, &format!("{key}.args[{i}]")))
            .collect(),
        Some(other) => Err(problem(
            &join(key, "args"),
            format!("expected an array, found {other}"),
        )),
    }
}

/// The `tetra getevents -o compact` line of an event object received from
/// the socket.
pub fn compact_line(value: &Value) -> Result<String, EventJsonError> {
    events_from_json(value).map(|event| events::to_compact(&event))
}
