//! The runtime agent's Prometheus metrics ([`RuntimeMetrics`]) and a tiny
//! HTTP/1.1 server for them ([`serve_metrics`]) on a std thread, so the agent
//! needs no async runtime.
//!
//! Every name is prefixed `kensa_runtime_`. Tetragon's closest metric, from
//! its metrics reference (`tetragon-metrics.json`), is named on each item.
//!
//! | kensa | Tetragon |
//! |---|---|
//! | `events_total{type}` | `tetragon_events_total{type}` |
//! | `lost_events_total{reason="ringbuf_full"}` | `tetragon_bpf_missed_events_total`, `tetragon_observer_ringbuf_events_lost_total` |
//! | `lost_events_total{reason="subscriber_slow"}` | `tetragon_notify_overflowed_events_total` |
//! | `lost_events_total{reason="decode"}` | `tetragon_handler_errors_total` |
//! | `policy_actions_total{policy, action}` | `tetragon_tracingpolicy_selector_actions_total` |
//! | `process_cache_entries` | `tetragon_process_cache_size` |
//! | `process_cache_evictions_total` | `tetragon_process_cache_evictions_total` |
//! | `policies_loaded` | `tetragon_tracingpolicy_loaded{state}` |
//! | `bpf_programs_attached` | none |

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::events::{Event, EventKind};

/// The `Content-Type` of `GET /metrics`.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The `type` label of `kensa_runtime_events_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// `process_exec`.
    ProcessExec,
    /// `process_exit`.
    ProcessExit,
    /// `process_kprobe`.
    ProcessKprobe,
    /// `process_tracepoint`.
    ProcessTracepoint,
    /// `process_uprobe`.
    ProcessUprobe,
}

impl EventType {
    /// Every type, in label order.
    pub const ALL: [EventType; 5] = [
        EventType::ProcessExec,
        EventType::ProcessExit,
        EventType::ProcessKprobe,
        EventType::ProcessTracepoint,
        EventType::ProcessUprobe,
    ];

    /// The label value; Tetragon's `type` values are the upper-case forms
    /// (`PROCESS_EXEC`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ProcessExec => "process_exec",
            EventType::ProcessExit => "process_exit",
            EventType::ProcessKprobe => "process_kprobe",
            EventType::ProcessTracepoint => "process_tracepoint",
            EventType::ProcessUprobe => "process_uprobe",
        }
    }

    /// The type of an event.
    pub fn of(event: &Event) -> Self {
        match event.kind {
            EventKind::Exec { .. } => EventType::ProcessExec,
            EventKind::Exit { .. } => EventType::ProcessExit,
            EventKind::Kprobe { .. } => EventType::ProcessKprobe,
            EventKind::Tracepoint { .. } => EventType::ProcessTracepoint,
            EventKind::Uprobe { .. } => EventType::ProcessUprobe,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The `reason` label of `kensa_runtime_lost_events_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LostReason {
    /// `ringbuf_full`: the BPF side could not reserve ring-buffer space.
    /// Tetragon counts kernel-side send failures in
    /// `tetragon_bpf_missed_events_total{error, msg_op}` ("Number of Tetragon
    /// perf events that are failed to be sent from the kernel") and records
    /// lost by its reader in `tetragon_observer_ringbuf_events_lost_total`.
    RingbufFull,
    /// `subscriber_slow`: a subscriber's queue was full, so the event was
    /// dropped for that subscriber. Tetragon:
    /// `tetragon_notify_overflowed_events_total` ("events dropped because
    /// listener buffer was full").
    SubscriberSlow,
    /// `decode`: a ring-buffer record that could not be turned into an event.
    /// Tetragon: `tetragon_handler_errors_total{opcode, error}` (errors
    /// `event_handler_failed`, `perf_empty_data`, `unknown_opcode`).
    Decode,
}

impl LostReason {
    /// Every reason, in label order.
    pub const ALL: [LostReason; 3] = [
        LostReason::RingbufFull,
        LostReason::SubscriberSlow,
        LostReason::Decode,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            LostReason::RingbufFull => "ringbuf_full",
            LostReason::SubscriberSlow => "subscriber_slow",
            LostReason::Decode => "decode",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TypeLabels {
    r#type: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PolicyActionLabels {
    policy: String,
    action: String,
}

/// The runtime agent's metrics. Shared as `Arc<RuntimeMetrics>`; every
/// update is an atomic operation, so the ring-buffer reader can count
/// without taking locks (except for a first-seen `policy_actions` series).
pub struct RuntimeMetrics {
    registry: Registry,
    // Fixed label sets are resolved once so the hot path skips the family's
    // lock and hash lookup.
    events: [Counter; EventType::ALL.len()],
    lost: [Counter; 3],
    /// The last absolute value reported by the BPF side, to turn it into
    /// increments.
    ringbuf_lost_seen: AtomicU64,
    policy_actions: Family<PolicyActionLabels, Counter>,
    process_cache_entries: Gauge,
    process_cache_evictions: Counter,
    policies_loaded: Gauge,
    bpf_programs_attached: Gauge,
}

impl Default for RuntimeMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for RuntimeMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeMetrics").finish_non_exhaustive()
    }
}

fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl RuntimeMetrics {
    /// Registers every metric, with the fixed label values present at zero
    /// so that a missing series never has to be read as "zero".
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("kensa_runtime");

        let events_family = Family::<TypeLabels, Counter>::default();
        registry.register("events", "Events produced, by type", events_family.clone());
        let events = EventType::ALL
            .map(|t| events_family.get_or_create_owned(&TypeLabels { r#type: t.as_str() }));

        let lost_family = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "lost_events",
            "Events lost, by reason: ringbuf_full (BPF side), subscriber_slow (a subscriber's queue was full), decode (undecodable record)",
            lost_family.clone(),
        );
        let lost = LostReason::ALL
            .map(|r| lost_family.get_or_create_owned(&ReasonLabels { reason: r.as_str() }));

        let policy_actions = Family::<PolicyActionLabels, Counter>::default();
        registry.register(
            "policy_actions",
            "Actions taken by tracing policies",
            policy_actions.clone(),
        );
        let process_cache_entries = Gauge::default();
        registry.register(
            "process_cache_entries",
            "Entries in the process cache",
            process_cache_entries.clone(),
        );
        let process_cache_evictions = Counter::default();
        registry.register(
            "process_cache_evictions",
            "Process cache evictions",
            process_cache_evictions.clone(),
        );
        let policies_loaded = Gauge::default();
        registry.register(
            "policies_loaded",
            "Tracing policies loaded",
            policies_loaded.clone(),
        );
        let bpf_programs_attached = Gauge::default();
        registry.register(
            "bpf_programs_attached",
            "BPF programs attached",
            bpf_programs_attached.clone(),
        );

        RuntimeMetrics {
            registry,
            events,
            lost,
            ringbuf_lost_seen: AtomicU64::new(0),
            policy_actions,
            process_cache_entries,
            process_cache_evictions,
            policies_loaded,
            bpf_programs_attached,
        }
    }

    /// Counts one event in `kensa_runtime_events_total{type}`.
    ///
    /// Tetragon: `tetragon_events_total{type}`, whose type values are upper
    /// case and which also carries `binary`, `namespace`, `node_name`, `pod`
    /// and `workload` labels; ours has `type` only.
    pub fn count_event(&self, event: &Event) {
        self.count_event_type(EventType::of(event));
    }

    /// Counts one event of the given type.
    pub fn count_event_type(&self, event_type: EventType) {
        self.events[event_type.index()].inc();
    }

    /// The value of `kensa_runtime_events_total{type}`.
    pub fn events_total(&self, event_type: EventType) -> u64 {
        self.events[event_type.index()].get()
    }

    /// Adds `count` to `kensa_runtime_lost_events_total{reason}`.
    pub fn add_lost(&self, reason: LostReason, count: u64) {
        self.lost[reason.index()].inc_by(count);
    }

    /// Feeds the BPF side's cumulative count of events it could not write to
    /// the ring buffer into `lost_events_total{reason="ringbuf_full"}`.
    ///
    /// The BPF map holds an absolute count while a Prometheus counter only
    /// grows, so the difference to the last report is added. A value below
    /// the last one means the map started over (programs reloaded): the
    /// whole value is then new.
    pub fn observe_ringbuf_lost(&self, bpf_total: u64) {
        let previous = self.ringbuf_lost_seen.swap(bpf_total, Ordering::Relaxed);
        let delta = bpf_total.checked_sub(previous).unwrap_or(bpf_total);
        self.add_lost(LostReason::RingbufFull, delta);
    }

    /// The value of `kensa_runtime_lost_events_total{reason}`.
    pub fn lost_total(&self, reason: LostReason) -> u64 {
        self.lost[reason.index()].get()
    }

    /// Counts an action taken by a policy in
    /// `kensa_runtime_policy_actions_total{policy, action}`. The action is
    /// the `matchActions` name lower-cased (`Sigkill` becomes `sigkill`), as
    /// Tetragon's label values are lower case.
    ///
    /// Tetragon: `tetragon_tracingpolicy_selector_actions_total`, which also
    /// labels `hook`, `hook_index`, `policy_namespace`, `selector_index` and
    /// `selector_label`.
    pub fn count_policy_action(&self, policy: &str, action: &str) {
        self.policy_actions
            .get_or_create(&PolicyActionLabels {
                policy: policy.to_owned(),
                action: action.to_ascii_lowercase(),
            })
            .inc();
    }

    /// The value of `kensa_runtime_policy_actions_total{policy, action}`
    /// (the action as given to [`RuntimeMetrics::count_policy_action`]).
    pub fn policy_actions_total(&self, policy: &str, action: &str) -> u64 {
        self.policy_actions
            .get(&PolicyActionLabels {
                policy: policy.to_owned(),
                action: action.to_ascii_lowercase(),
            })
            .map_or(0, |c| c.get())
    }

    /// Sets `kensa_runtime_process_cache_entries`.
    /// Tetragon: `tetragon_process_cache_size`.
    pub fn set_process_cache_entries(&self, entries: u64) {
        self.process_cache_entries.set(saturating_i64(entries));
    }

    /// Adds to `kensa_runtime_process_cache_evictions_total`.
    /// Tetragon: `tetragon_process_cache_evictions_total`, which counts both
    /// explicit and capacity evictions.
    pub fn add_process_cache_evictions(&self, count: u64) {
        self.process_cache_evictions.inc_by(count);
    }

    /// Sets `kensa_runtime_policies_loaded`.
    /// Tetragon: `tetragon_tracingpolicy_loaded{state}`, a count per state
    /// (`enabled`, `disabled`, `error`, ...); ours has no state label.
    pub fn set_policies_loaded(&self, count: u64) {
        self.policies_loaded.set(saturating_i64(count));
    }

    /// Sets `kensa_runtime_bpf_programs_attached`. Tetragon's metrics
    /// reference lists no counterpart.
    pub fn set_bpf_programs_attached(&self, count: u64) {
        self.bpf_programs_attached.set(saturating_i64(count));
    }

    /// Every metric in the OpenMetrics text format, `# EOF` included.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// The metrics server could not start.
#[derive(Debug, thiserror::Error)]
#[error("metrics server on {addr}: {source}")]
pub struct MetricsServerError {
    /// The address asked for.
    pub addr: SocketAddr,
    /// Why.
    #[source]
    pub source: io::Error,
}

/// A running metrics server. Dropping it stops the server.
#[derive(Debug)]
pub struct MetricsServerHandle {
    local_addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl MetricsServerHandle {
    /// The address the server listens on (the real port when asked for
    /// port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops the server and waits for its thread.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        self.stop.store(true, Ordering::SeqCst);
        // `accept` has no timeout and std cannot shut a listener down, so a
        // connection of our own wakes it to see the flag. If that connection
        // fails (a firewall on loopback), the thread is left to exit on the
        // next connection rather than hanging the caller.
        if TcpStream::connect_timeout(&wake_addr(self.local_addr), Duration::from_secs(2)).is_ok() {
            let _ = thread.join();
        }
    }
}

impl Drop for MetricsServerHandle {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// A wildcard address cannot be connected to; its loopback can.
fn wake_addr(local: SocketAddr) -> SocketAddr {
    let ip = match local.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, local.port())
}

/// Serves `GET /metrics` (and `HEAD /metrics`) on `addr` with
/// [`RuntimeMetrics::encode`]; every other request gets 404.
///
/// One std thread answers connections one at a time: a scrape is a
/// few kilobytes, and short socket timeouts keep a stuck client from holding
/// the server for long. Each connection gets one response and is closed.
pub fn serve_metrics(
    addr: SocketAddr,
    metrics: Arc<RuntimeMetrics>,
) -> Result<MetricsServerHandle, MetricsServerError> {
    let error = |source| MetricsServerError { addr, source };
    let listener = TcpListener::bind(addr).map_err(error)?;
    let local_addr = listener.local_addr().map_err(error)?;
    let stop = Arc::new(AtomicBool::new(false));
    let thread = {
        let stop = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("kensa-metrics".into())
            .spawn(move || accept_loop(&listener, &stop, &metrics))
            .map_err(error)?
    };
    Ok(MetricsServerHandle {
        local_addr,
        stop,
        thread: Some(thread),
    })
}

fn accept_loop(listener: &TcpListener, stop: &AtomicBool, metrics: &RuntimeMetrics) {
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        // Per-connection failures (a client gone, a timeout) concern that
        // client only.
        if let Ok(stream) = conn {
            let _ = answer(stream, metrics);
        }
    }
}

/// The longest request head read; Prometheus sends a few hundred bytes.
const MAX_HEAD: u64 = 16 * 1024;

fn answer(stream: TcpStream, metrics: &RuntimeMetrics) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new((&stream).take(MAX_HEAD));
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // The headers are read though unused: closing a TCP socket with unread
    // input makes Linux send RST, which can destroy the response before the
    // client has read it.
    let mut header = String::new();
    loop {
        header.clear();
        if reader.read_line(&mut header)? == 0 || header.trim_end().is_empty() {
            break;
        }
    }

    let mut parts = request_line.split_ascii_whitespace();
    let (method, target, version) = (parts.next(), parts.next(), parts.next());
    let response = match (method, target, version) {
        (Some(method), Some(target), Some(version)) if version.starts_with("HTTP/") => {
            let path = target.split_once('?').map_or(target, |(path, _)| path);
            match (method, path) {
                ("GET" | "HEAD", "/metrics") => {
                    let body = metrics.encode();
                    response("200 OK", OPENMETRICS_CONTENT_TYPE, &body, method == "HEAD")
                }
                (_, _) => response(
                    "404 Not Found",
                    "text/plain; charset=utf-8",
                    "not found\n",
                    method == "HEAD",
                ),
            }
        }
        _ => response(
            "400 Bad Request",
            "text/plain; charset=utf-8",
            "bad request\n",
            false,
        ),
    };
    let mut stream = stream;
    stream.write_all(response.as_bytes())?;
    stream.flush()?;
    stream.shutdown(std::net::Shutdown::Write)
}

fn response(status: &str, content_type: &str, body: &str, head_only: bool) -> String {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if !head_only {
        out.push_str(body);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_series_exist_at_zero() {
        let m = RuntimeMetrics::new();
        let text = m.encode();
        for t in EventType::ALL {
            let series = format!("kensa_runtime_events_total{{type=\"{}\"}} 0\n", t.as_str());
            assert!(text.contains(&series), "{series} in\n{text}");
        }
        for r in LostReason::ALL {
            let series = format!(
                "kensa_runtime_lost_events_total{{reason=\"{}\"}} 0\n",
                r.as_str()
            );
            assert!(text.contains(&series), "{series} in\n{text}");
        }
        for name in [
            "kensa_runtime_process_cache_entries 0\n",
            "kensa_runtime_process_cache_evictions_total 0\n",
            "kensa_runtime_policies_loaded 0\n",
            "kensa_runtime_bpf_programs_attached 0\n",
        ] {
            assert!(text.contains(name), "{name} in\n{text}");
        }
        // A family without series is left out until a policy acts.
        assert!(!text.contains("policy_actions"));
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn updates_show_in_text() {
        let m = RuntimeMetrics::new();
        m.count_event_type(EventType::ProcessKprobe);
        m.count_event_type(EventType::ProcessKprobe);
        m.add_lost(LostReason::Decode, 3);
        m.count_policy_action("block-passwd", "Sigkill");
        m.set_process_cache_entries(42);
        m.add_process_cache_evictions(7);
        m.set_policies_loaded(2);
        m.set_bpf_programs_attached(11);
        let text = m.encode();
        for line in [
            "kensa_runtime_events_total{type=\"process_kprobe\"} 2\n",
            "kensa_runtime_lost_events_total{reason=\"decode\"} 3\n",
            "kensa_runtime_policy_actions_total{policy=\"block-passwd\",action=\"sigkill\"} 1\n",
            "kensa_runtime_process_cache_entries 42\n",
            "kensa_runtime_process_cache_evictions_total 7\n",
            "kensa_runtime_policies_loaded 2\n",
            "kensa_runtime_bpf_programs_attached 11\n",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        assert_eq!(m.policy_actions_total("block-passwd", "SIGKILL"), 1);
        assert_eq!(m.policy_actions_total("block-passwd", "post"), 0);
    }

    #[test]
    fn ringbuf_lost_follows_the_bpf_counter() {
        let m = RuntimeMetrics::new();
        m.observe_ringbuf_lost(5);
        m.observe_ringbuf_lost(5);
        m.observe_ringbuf_lost(12);
        assert_eq!(m.lost_total(LostReason::RingbufFull), 12);
        // The map started over: its 3 are new losses.
        m.observe_ringbuf_lost(3);
        assert_eq!(m.lost_total(LostReason::RingbufFull), 15);
    }

    #[test]
    fn wildcard_addresses_wake_through_loopback() {
        let v4: SocketAddr = "0.0.0.0:9100".parse().unwrap();
        assert_eq!(wake_addr(v4), "127.0.0.1:9100".parse().unwrap());
        let v6: SocketAddr = "[::]:9100".parse().unwrap();
        assert_eq!(wake_addr(v6), "[::1]:9100".parse().unwrap());
        let fixed: SocketAddr = "10.0.0.1:9100".parse().unwrap();
        assert_eq!(wake_addr(fixed), fixed);
    }
}
