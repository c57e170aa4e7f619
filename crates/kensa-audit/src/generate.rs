//! A seeded generator of realistic audit logs (`audit.k8s.io/v1` JSON lines),
//! for benchmarks and tests at any size.
//!
//! The traffic is modelled on a small production cluster: leader-election and
//! node leases dominate, kubelets patch node and pod status, controllers
//! update endpoint slices and workloads, add-ons list and watch, probes hit
//! `/readyz` anonymously, and a few people use `kubectl` through OIDC,
//! including exec sessions and secret reads. Levels and stages follow a
//! policy like `samples/synthetic/audit-policy.yaml`: most events are
//! `Metadata` and about a kilobyte long, writes to core groups carry request
//! and response bodies (a pod create is 3 to 5 KB), and a rare full list
//! response runs to hundreds of kilobytes. Watches write `ResponseStarted`
//! when they begin and `ResponseComplete` minutes later; exec, attach and
//! port-forward also write `RequestReceived`. Errors (401, 403, 404, 409,
//! 422) and PodSecurity annotations appear at plausible rates.
//!
//! Output depends only on the options: the same seed gives the same bytes.
//! Lines are written in `stageTimestamp` order; requests still running when
//! the target size is reached never get their later stages, as in a log
//! copied off a live API server.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Write};

use crate::time::{Timestamp, civil_from_days};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateOptions {
    /// The seed: equal seeds give equal logs.
    pub seed: u64,
    /// Stop after the first request that brings the output to this size.
    pub target_bytes: u64,
    /// The time of the first request.
    pub start: Timestamp,
    /// API servers in the cluster (their addresses appear as the control
    /// plane's; each writes its own identity lease).
    pub apiservers: usize,
    /// Worker nodes.
    pub nodes: usize,
    /// The mean request rate, which sets how fast timestamps advance.
    pub requests_per_second: u32,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            seed: 20_250_314,
            target_bytes: 100 << 20,
            // 2025-03-14T08:40:00Z
            start: Timestamp(1_741_941_600_000_000),
            apiservers: 3,
            nodes: 12,
            requests_per_second: 500,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenerateStats {
    /// Bytes written.
    pub bytes: u64,
    /// Lines (events) written.
    pub lines: u64,
    /// Requests begun (a request may write several events).
    pub requests: u64,
    /// `create` events on `pods` (without subresource).
    pub pod_creates: u64,
    /// Events of a request after its first (`ResponseStarted` and
    /// `ResponseComplete` of watches and exec sessions).
    pub multi_stage_events: u64,
    /// Events of 50 KB or more.
    pub big_lines: u64,
    /// Events with a response code of 400 or more.
    pub errors: u64,
    /// The `stageTimestamp` of the last line.
    pub last: Timestamp,
}

/// Writes a log to `out` until it reaches `options.target_bytes`.
pub fn generate(options: &GenerateOptions, out: &mut impl Write) -> io::Result<GenerateStats> {
    let mut generator = Generator::new(options);
    let mut written = 0u64;
    while written + (generator.buf.len() as u64) < options.target_bytes {
        generator.request();
        if generator.buf.len() >= FLUSH_AT {
            out.write_all(&generator.buf)?;
            written += generator.buf.len() as u64;
            generator.buf.clear();
        }
    }
    out.write_all(&generator.buf)?;
    written += generator.buf.len() as u64;
    let mut stats = generator.stats;
    stats.bytes = written;
    Ok(stats)
}

const FLUSH_AT: usize = 1 << 20;

/// SplitMix64: tiny, fast, and good enough for synthetic traffic.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n.max(1))) >> 64) as u64
    }

    fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// True with probability `per_mille / 1000`.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    fn range(&mut self, low: i64, high: i64) -> i64 {
        low + self.below((high - low).max(1) as u64) as i64
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const HEX: &[u8; 16] = b"0123456789abcdef";
/// The alphabet of Kubernetes' generated name suffixes.
const SUFFIX: &[u8; 27] = b"bcdfghjklmnpqrstvwxz2456789";

/// A UUID v4 from 128 random bits.
fn uuid(bits: (u64, u64), out: &mut Vec<u8>) {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&bits.0.to_le_bytes());
    bytes[8..].copy_from_slice(&bits.1.to_le_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push(b'-');
        }
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
}

/// A stable UUID for a name, so objects keep their uid across events.
fn stable_uuid(key: u64, out: &mut Vec<u8>) {
    uuid((mix(key), mix(key ^ 0x5555_5555_5555_5555)), out);
}

fn push_num(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

fn push_padded(out: &mut Vec<u8>, n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut n = n;
    for slot in digits[..width].iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.extend_from_slice(&digits[..width]);
}

/// A Kubernetes-style random suffix of `len` characters, derived from `key`.
fn push_suffix(out: &mut Vec<u8>, key: u64, len: usize) {
    let mut k = mix(key);
    for _ in 0..len {
        out.push(SUFFIX[(k % 27) as usize]);
        k /= 27;
    }
}

/// Formats MicroTime quickly: the date and time of day are cached per second.
#[derive(Debug)]
struct Clock {
    second: i64,
    prefix: Vec<u8>,
}

impl Clock {
    fn push(&mut self, out: &mut Vec<u8>, micros: i64) {
        let second = micros.div_euclid(1_000_000);
        if second != self.second || self.prefix.is_empty() {
            self.second = second;
            self.prefix.clear();
            let days = second.div_euclid(86_400);
            let of_day = second.rem_euclid(86_400);
            let (y, m, d) = civil_from_days(days);
            push_padded(&mut self.prefix, y.max(0) as u64, 4);
            self.prefix.push(b'-');
            push_padded(&mut self.prefix, m as u64, 2);
            self.prefix.push(b'-');
            push_padded(&mut self.prefix, d as u64, 2);
            self.prefix.push(b'T');
            push_padded(&mut self.prefix, (of_day / 3600) as u64, 2);
            self.prefix.push(b':');
            push_padded(&mut self.prefix, (of_day / 60 % 60) as u64, 2);
            self.prefix.push(b':');
            push_padded(&mut self.prefix, (of_day % 60) as u64, 2);
            self.prefix.push(b'.');
        }
        out.extend_from_slice(&self.prefix);
        push_padded(out, micros.rem_euclid(1_000_000) as u64, 6);
        out.push(b'Z');
    }
}

/// A client, with its JSON pre-rendered.
#[derive(Debug)]
struct Actor {
    /// `{"username":...,"groups":[...]}`.
    user: Vec<u8>,
    /// The contents of `sourceIPs`, quoted.
    ips: Vec<u8>,
    user_agent: &'static str,
    /// The authorizer's reason for allowed requests, JSON-escaped.
    reason: Vec<u8>,
}

/// Which actor does what: indices into `Generator::actors`.
#[derive(Debug, Default)]
struct Cast {
    controller_manager: Vec<usize>,
    scheduler: Vec<usize>,
    apiserver: Vec<usize>,
    nodes: Vec<usize>,
    probe: Vec<usize>,
    endpointslice: usize,
    replicaset: usize,
    deployment: usize,
    daemonset: usize,
    job: usize,
    garbage: usize,
    addons: Vec<usize>,
    metrics_server: usize,
    humans: Vec<usize>,
    anonymous_curl: usize,
}

const NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "monitoring",
    "payments",
    "web",
    "argocd",
    "cert-manager",
    "ci",
    "data",
    "ingress-nginx",
];

const APPS: &[&str] = &[
    "checkout", "frontend", "worker", "api", "postgres", "redis", "nginx", "ledger", "search",
    "mailer", "grafana", "loki",
];

const IMAGES: &[&str] = &[
    "registry.example.com/shop/checkout:2.14.1",
    "registry.example.com/shop/frontend:5.2.0",
    "docker.io/library/nginx:1.27.3",
    "docker.io/library/postgres:16.4",
    "docker.io/library/redis:7.4.1",
    "ghcr.io/example/worker:0.9.12",
    "quay.io/prometheus/node-exporter:v1.8.2",
    "registry.k8s.io/coredns/coredns:v1.11.3",
];

const CONFIG_NAMES: &[&str] = &[
    "kube-root-ca.crt",
    "app-config",
    "feature-flags",
    "nginx-conf",
    "grafana-dashboards",
];

const SECRET_NAMES: &[&str] = &[
    "db-credentials",
    "tls-cert",
    "registry-pull",
    "api-token",
    "smtp-password",
];

#[derive(Debug, Clone, Copy)]
enum Stages {
    /// One event, `ResponseComplete`.
    Complete,
    /// `ResponseStarted` now, `ResponseComplete` after this many microseconds.
    Watch(i64),
    /// `RequestReceived` now, `ResponseStarted` shortly, `ResponseComplete`
    /// after this many microseconds (exec, attach, port-forward).
    Stream(i64),
}

/// One request's settings; the variable parts are in the generator's
/// scratch buffers.
#[derive(Debug, Clone, Copy)]
struct Spec {
    level: &'static str,
    verb: &'static str,
    actor: usize,
    code: u16,
    /// `reason` of a failure status.
    failure: &'static str,
    latency: i64,
    stages: Stages,
    /// Whether the response body (scratch `response`) is written.
    response_body: bool,
}

impl Spec {
    fn new(level: &'static str, verb: &'static str, actor: usize, code: u16) -> Spec {
        Spec {
            level,
            verb,
            actor,
            code,
            failure: "",
            latency: 3_000,
            stages: Stages::Complete,
            response_body: false,
        }
    }
}

/// Per-request variable JSON, reused between requests.
#[derive(Debug, Default)]
struct Scratch {
    id: Vec<u8>,
    uri: Vec<u8>,
    /// The contents of `objectRef`, empty for non-resource requests.
    object: Vec<u8>,
    request: Vec<u8>,
    response: Vec<u8>,
    /// Extra annotations, each starting with a comma.
    annotations: Vec<u8>,
    message: Vec<u8>,
    impersonated: Vec<u8>,
}

struct Generator {
    rng: Rng,
    now: i64,
    /// Mean gap between requests, in microseconds (at least 1).
    gap: u64,
    buf: Vec<u8>,
    line: Vec<u8>,
    clock: Clock,
    actors: Vec<Actor>,
    cast: Cast,
    s: Scratch,
    /// Later stages waiting for their time: (time, sequence, line).
    pending: BinaryHeap<Reverse<(i64, u64, Vec<u8>)>>,
    sequence: u64,
    nodes: usize,
    apiservers: usize,
    resource_version: u64,
    stats: GenerateStats,
    /// Scenario weights, cumulative.
    table: Vec<(u32, Scenario)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    LeaderLeaseGet,
    LeaderLeaseUpdate,
    NodeLease,
    ApiserverLease,
    NodeStatus,
    PodStatus,
    Probe,
    EndpointSlice,
    WorkloadStatus,
    AddonList,
    AddonGet,
    KubeletGet,
    ServiceAccountToken,
    Watch,
    TokenReview,
    PodCreate,
    PodDelete,
    HumanRead,
    HumanSecret,
    HumanStream,
    HumanApply,
    Impersonation,
    NotFound,
    Conflict,
    Invalid,
    Forbidden,
    Unauthorized,
    BigList,
}

/// How often each kind of request happens, per 10 000 requests.
const WEIGHTS: &[(u32, Scenario)] = &[
    (1500, Scenario::LeaderLeaseGet),
    (1450, Scenario::LeaderLeaseUpdate),
    (1500, Scenario::NodeLease),
    (250, Scenario::ApiserverLease),
    (500, Scenario::NodeStatus),
    (250, Scenario::PodStatus),
    (700, Scenario::Probe),
    (500, Scenario::EndpointSlice),
    (400, Scenario::WorkloadStatus),
    (550, Scenario::AddonList),
    (400, Scenario::AddonGet),
    (400, Scenario::KubeletGet),
    (200, Scenario::ServiceAccountToken),
    (300, Scenario::Watch),
    (300, Scenario::TokenReview),
    (150, Scenario::PodCreate),
    (100, Scenario::PodDelete),
    (250, Scenario::HumanRead),
    (40, Scenario::HumanSecret),
    (25, Scenario::HumanStream),
    (40, Scenario::HumanApply),
    (5, Scenario::Impersonation),
    (100, Scenario::NotFound),
    (60, Scenario::Conflict),
    (10, Scenario::Invalid),
    (30, Scenario::Forbidden),
    (20, Scenario::Unauthorized),
    (2, Scenario::BigList),
];

impl Generator {
    fn new(options: &GenerateOptions) -> Generator {
        let mut rng = Rng(options.seed ^ 0x6B65_6E73_6121_2121);
        let nodes = options.nodes.max(1);
        let apiservers = options.apiservers.max(1);
        let (actors, cast) = cast(&mut rng, nodes, apiservers);
        let mut total = 0;
        let table = WEIGHTS
            .iter()
            .map(|&(weight, scenario)| {
                total += weight;
                (total, scenario)
            })
            .collect();
        Generator {
            rng,
            now: options.start.0,
            gap: (1_000_000 / u64::from(options.requests_per_second.max(1))).max(1),
            buf: Vec::with_capacity(FLUSH_AT + (512 << 10)),
            line: Vec::with_capacity(8 << 10),
            clock: Clock {
                second: 0,
                prefix: Vec::new(),
            },
            actors,
            cast,
            s: Scratch::default(),
            pending: BinaryHeap::new(),
            sequence: 0,
            nodes,
            apiservers,
            resource_version: 4_800_000,
            stats: GenerateStats::default(),
            table,
        }
    }

    /// Generates one request (and any earlier requests' later stages due).
    fn request(&mut self) {
        // Uniform gaps with the right mean: cheap, and busy enough to look real.
        self.now += self.rng.below(2 * self.gap + 1) as i64;
        while let Some(Reverse((time, _, _))) = self.pending.peek() {
            if *time > self.now {
                break;
            }
            if let Some(Reverse((time, _, line))) = self.pending.pop() {
                self.count_line(&line, time, true);
                self.buf.extend_from_slice(&line);
            }
        }
        self.stats.requests += 1;
        let total = self.table.last().map_or(1, |(t, _)| *t);
        let roll = self.rng.below(u64::from(total)) as u32;
        let scenario = self
            .table
            .iter()
            .find(|(cumulative, _)| roll < *cumulative)
            .map_or(Scenario::Probe, |(_, s)| *s);
        self.scenario(scenario);
    }

    fn count_line(&mut self, line: &[u8], time: i64, later_stage: bool) {
        self.stats.lines += 1;
        self.stats.last = Timestamp(time);
        if later_stage {
            self.stats.multi_stage_events += 1;
        }
        if line.len() >= 50_000 {
            self.stats.big_lines += 1;
        }
    }

    fn new_id(&mut self) {
        self.s.id.clear();
        let bits = (self.rng.next(), self.rng.next());
        uuid(bits, &mut self.s.id);
    }

    fn next_rv(&mut self) -> u64 {
        self.resource_version += 1 + self.rng.below(3);
        self.resource_version
    }

    fn reset(&mut self) {
        self.new_id();
        let s = &mut self.s;
        s.uri.clear();
        s.object.clear();
        s.request.clear();
        s.response.clear();
        s.annotations.clear();
        s.message.clear();
        s.impersonated.clear();
    }

    /// Sets `objectRef`; `name` and `subresource` may be empty.
    fn object(&mut self, resource: &str, namespace: &str, name: &[u8], group: &str, sub: &str) {
        let o = &mut self.s.object;
        o.clear();
        o.extend_from_slice(b"\"resource\":\"");
        o.extend_from_slice(resource.as_bytes());
        o.push(b'"');
        if !namespace.is_empty() {
            o.extend_from_slice(b",\"namespace\":\"");
            o.extend_from_slice(namespace.as_bytes());
            o.push(b'"');
        }
        if !name.is_empty() {
            o.extend_from_slice(b",\"name\":\"");
            o.extend_from_slice(name);
            o.push(b'"');
        }
        if !group.is_empty() {
            o.extend_from_slice(b",\"apiGroup\":\"");
            o.extend_from_slice(group.as_bytes());
            o.push(b'"');
        }
        o.extend_from_slice(b",\"apiVersion\":\"v1\"");
        if !sub.is_empty() {
            o.extend_from_slice(b",\"subresource\":\"");
            o.extend_from_slice(sub.as_bytes());
            o.push(b'"');
        }
    }

    /// The URI of a resource request: `/api/v1/...` or `/apis/<group>/v1/...`.
    fn uri(&mut self, group: &str, namespace: &str, resource: &str, name: &[u8], sub: &str) {
        let u = &mut self.s.uri;
        u.clear();
        if group.is_empty() {
            u.extend_from_slice(b"/api/v1");
        } else {
            u.extend_from_slice(b"/apis/");
            u.extend_from_slice(group.as_bytes());
            u.extend_from_slice(b"/v1");
        }
        if !namespace.is_empty() {
            u.extend_from_slice(b"/namespaces/");
            u.extend_from_slice(namespace.as_bytes());
        }
        u.push(b'/');
        u.extend_from_slice(resource.as_bytes());
        if !name.is_empty() {
            u.push(b'/');
            u.extend_from_slice(name);
        }
        if !sub.is_empty() {
            u.push(b'/');
            u.extend_from_slice(sub.as_bytes());
        }
    }

    /// A name of a pod that exists for long (stable per app and replica).
    fn pod_name(&mut self, namespace_index: usize) -> Vec<u8> {
        let app = self.rng.index(APPS.len());
        let replica = self.rng.below(4);
        pod_name(namespace_index, app, replica)
    }

    /// Renders one event into `self.line`.
    fn render(&mut self, spec: &Spec, stage: &str, stage_time: i64, received: i64) {
        let actor = &self.actors[spec.actor];
        let s = &self.s;
        let out = &mut self.line;
        out.clear();
        out.extend_from_slice(
            b"{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"",
        );
        out.extend_from_slice(spec.level.as_bytes());
        out.extend_from_slice(b"\",\"auditID\":\"");
        out.extend_from_slice(&s.id);
        out.extend_from_slice(b"\",\"stage\":\"");
        out.extend_from_slice(stage.as_bytes());
        out.extend_from_slice(b"\",\"requestURI\":\"");
        out.extend_from_slice(&s.uri);
        out.extend_from_slice(b"\",\"verb\":\"");
        out.extend_from_slice(spec.verb.as_bytes());
        out.extend_from_slice(b"\",\"user\":");
        out.extend_from_slice(&actor.user);
        if !s.impersonated.is_empty() {
            out.extend_from_slice(b",\"impersonatedUser\":");
            out.extend_from_slice(&s.impersonated);
        }
        out.extend_from_slice(b",\"sourceIPs\":[");
        out.extend_from_slice(&actor.ips);
        out.extend_from_slice(b"],\"userAgent\":\"");
        out.extend_from_slice(actor.user_agent.as_bytes());
        out.push(b'"');
        if !s.object.is_empty() {
            out.extend_from_slice(b",\"objectRef\":{");
            out.extend_from_slice(&s.object);
            out.push(b'}');
        }
        let received_only = stage == "RequestReceived";
        if !received_only {
            out.extend_from_slice(b",\"responseStatus\":{\"metadata\":{}");
            if spec.code >= 400 {
                out.extend_from_slice(b",\"status\":\"Failure\",\"message\":\"");
                out.extend_from_slice(&s.message);
                out.extend_from_slice(b"\",\"reason\":\"");
                out.extend_from_slice(spec.failure.as_bytes());
                out.push(b'"');
            }
            out.extend_from_slice(b",\"code\":");
            push_num(out, u64::from(spec.code));
            out.push(b'}');
        }
        if !s.request.is_empty() && spec.level != "Metadata" {
            out.extend_from_slice(b",\"requestObject\":");
            out.extend_from_slice(&s.request);
        }
        if spec.response_body && !received_only && !s.response.is_empty() {
            out.extend_from_slice(b",\"responseObject\":");
            out.extend_from_slice(&s.response);
        }
        out.extend_from_slice(b",\"requestReceivedTimestamp\":\"");
        self.clock.push(out, received);
        out.extend_from_slice(b"\",\"stageTimestamp\":\"");
        self.clock.push(out, stage_time);
        out.push(b'"');
        if !received_only && spec.code != 401 {
            out.extend_from_slice(b",\"annotations\":{\"authorization.k8s.io/decision\":\"");
            if spec.code == 403 {
                out.extend_from_slice(b"forbid\",\"authorization.k8s.io/reason\":\"\"");
            } else {
                out.extend_from_slice(b"allow\",\"authorization.k8s.io/reason\":\"");
                out.extend_from_slice(&actor.reason);
                out.push(b'"');
                out.extend_from_slice(&s.annotations);
            }
            out.push(b'}');
        }
        out.extend_from_slice(b"}\n");
    }

    /// Writes the request's events (or queues its later stages).
    fn emit(&mut self, spec: Spec) {
        if spec.code >= 400 {
            self.stats.errors += 1;
        }
        if spec.verb == "create" && self.s.object.starts_with(b"\"resource\":\"pods\"") {
            let has_sub = self.s.object.windows(14).any(|w| w == b"\"subresource\":");
            if !has_sub {
                self.stats.pod_creates += 1;
            }
        }
        let now = self.now;
        match spec.stages {
            Stages::Complete => {
                self.render(&spec, "ResponseComplete", now, now - spec.latency);
                self.write_line(now);
            }
            Stages::Watch(duration) => {
                self.render(&spec, "ResponseStarted", now, now - 1_500);
                self.write_line(now);
                self.render(&spec, "ResponseComplete", now + duration, now - 1_500);
                self.queue(now + duration);
            }
            Stages::Stream(duration) => {
                self.render(&spec, "RequestReceived", now, now);
                self.write_line(now);
                self.render(&spec, "ResponseStarted", now + spec.latency, now);
                self.queue(now + spec.latency);
                self.render(&spec, "ResponseComplete", now + duration, now);
                self.queue(now + duration);
            }
        }
    }

    fn write_line(&mut self, time: i64) {
        let line = std::mem::take(&mut self.line);
        self.count_line(&line, time, false);
        self.buf.extend_from_slice(&line);
        self.line = line;
    }

    fn queue(&mut self, time: i64) {
        self.sequence += 1;
        self.pending
            .push(Reverse((time, self.sequence, self.line.clone())));
    }

    fn scenario(&mut self, scenario: Scenario) {
        self.reset();
        match scenario {
            Scenario::LeaderLeaseGet | Scenario::LeaderLeaseUpdate => {
                let (actor, name) = if self.rng.chance(500) {
                    (
                        *self.rng.pick(&self.cast.controller_manager),
                        "kube-controller-manager",
                    )
                } else {
                    (*self.rng.pick(&self.cast.scheduler), "kube-scheduler")
                };
                let group = "coordination.k8s.io";
                self.uri(group, "kube-system", "leases", name.as_bytes(), "");
                self.s.uri.extend_from_slice(b"?timeout=5s");
                self.object("leases", "kube-system", name.as_bytes(), group, "");
                let verb = if scenario == Scenario::LeaderLeaseGet {
                    "get"
                } else {
                    "update"
                };
                let mut spec = Spec::new("Metadata", verb, actor, 200);
                spec.latency = self.rng.range(1_500, 9_000);
                self.emit(spec);
            }
            Scenario::NodeLease => {
                let node = self.rng.index(self.nodes);
                let name = node_name(node);
                let group = "coordination.k8s.io";
                self.uri(group, "kube-node-lease", "leases", &name, "");
                self.s.uri.extend_from_slice(b"?timeout=10s");
                self.object("leases", "kube-node-lease", &name, group, "");
                let mut spec = Spec::new("Metadata", "update", self.cast.nodes[node], 200);
                spec.latency = self.rng.range(2_000, 12_000);
                self.emit(spec);
            }
            Scenario::ApiserverLease => {
                let index = self.rng.index(self.apiservers);
                let mut name = b"apiserver-".to_vec();
                push_suffix(&mut name, index as u64 + 77, 26);
                let group = "coordination.k8s.io";
                self.uri(group, "kube-system", "leases", &name, "");
                self.object("leases", "kube-system", &name, group, "");
                let spec = Spec::new("Metadata", "update", self.cast.apiserver[index], 200);
                self.emit(spec);
            }
            Scenario::NodeStatus => {
                let node = self.rng.index(self.nodes);
                let name = node_name(node);
                self.uri("", "", "nodes", &name, "status");
                self.object("nodes", "", &name, "", "status");
                self.node_status_patch();
                let mut spec = Spec::new("Request", "patch", self.cast.nodes[node], 200);
                spec.latency = self.rng.range(4_000, 15_000);
                self.emit(spec);
            }
            Scenario::PodStatus => {
                let node = self.rng.index(self.nodes);
                let ns = self.rng.index(NAMESPACES.len());
                let pod = self.pod_name(ns);
                self.uri("", NAMESPACES[ns], "pods", &pod, "status");
                self.object("pods", NAMESPACES[ns], &pod, "", "status");
                self.pod_status_patch();
                let spec = Spec::new("Request", "patch", self.cast.nodes[node], 200);
                self.emit(spec);
            }
            Scenario::Probe => {
                let path = *self.rng.pick(&["/readyz", "/livez", "/healthz"]);
                self.s.uri.extend_from_slice(path.as_bytes());
                let actor = *self.rng.pick(&self.cast.probe);
                let mut spec = Spec::new("Metadata", "get", actor, 200);
                spec.latency = self.rng.range(800, 4_000);
                self.emit(spec);
            }
            Scenario::EndpointSlice => {
                let ns = self.rng.index(NAMESPACES.len());
                let mut name = APPS[self.rng.index(APPS.len())].as_bytes().to_vec();
                name.push(b'-');
                push_suffix(&mut name, self.rng.below(8), 5);
                let group = "discovery.k8s.io";
                self.uri(group, NAMESPACES[ns], "endpointslices", &name, "");
                self.object("endpointslices", NAMESPACES[ns], &name, group, "");
                let rv = self.next_rv();
                self.s.object.extend_from_slice(b",\"resourceVersion\":\"");
                push_num(&mut self.s.object, rv);
                self.s.object.push(b'"');
                let spec = Spec::new("Metadata", "update", self.cast.endpointslice, 200);
                self.emit(spec);
            }
            Scenario::WorkloadStatus => {
                let ns = self.rng.index(NAMESPACES.len());
                let (resource, kind, actor) = if self.rng.chance(500) {
                    ("replicasets", "ReplicaSet", self.cast.replicaset)
                } else {
                    ("deployments", "Deployment", self.cast.deployment)
                };
                let mut name = APPS[self.rng.index(APPS.len())].as_bytes().to_vec();
                if resource == "replicasets" {
                    name.push(b'-');
                    push_suffix(&mut name, self.rng.below(3), 9);
                }
                self.uri("apps", NAMESPACES[ns], resource, &name, "status");
                self.object(resource, NAMESPACES[ns], &name, "apps", "status");
                let rv = self.next_rv();
                let generation = self.rng.range(1, 60) as u64;
                let replicas = self.rng.range(1, 6) as u64;
                let body = &mut self.s.request;
                body.extend_from_slice(b"{\"kind\":\"");
                body.extend_from_slice(kind.as_bytes());
                body.extend_from_slice(b"\",\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":\"");
                body.extend_from_slice(&name);
                body.extend_from_slice(b"\",\"namespace\":\"");
                body.extend_from_slice(NAMESPACES[ns].as_bytes());
                body.extend_from_slice(b"\",\"resourceVersion\":\"");
                push_num(body, rv);
                body.extend_from_slice(b"\"},\"status\":{\"observedGeneration\":");
                push_num(body, generation);
                body.extend_from_slice(b",\"replicas\":");
                push_num(body, replicas);
                body.extend_from_slice(b",\"readyReplicas\":");
                push_num(body, replicas);
                body.extend_from_slice(b",\"availableReplicas\":");
                push_num(body, replicas);
                body.extend_from_slice(b"}}");
                self.s.response = self.s.request.clone();
                let mut spec = Spec::new("RequestResponse", "update", actor, 200);
                spec.response_body = true;
                self.emit(spec);
            }
            Scenario::AddonList => {
                let actor = *self.rng.pick(&self.cast.addons);
                let (group, resource): (&str, &str) = *self.rng.pick(&[
                    ("", "pods"),
                    ("", "services"),
                    ("", "endpoints"),
                    ("apps", "deployments"),
                    ("", "configmaps"),
                    ("networking.k8s.io", "ingresses"),
                ]);
                let ns = if self.rng.chance(300) {
                    ""
                } else {
                    NAMESPACES[self.rng.index(NAMESPACES.len())]
                };
                self.uri(group, ns, resource, b"", "");
                self.s
                    .uri
                    .extend_from_slice(b"?limit=500\\u0026resourceVersion=0");
                self.object(resource, ns, b"", group, "");
                let level = if resource == "configmaps" {
                    "Metadata"
                } else {
                    "Request"
                };
                let mut spec = Spec::new(level, "list", actor, 200);
                spec.latency = self.rng.range(8_000, 90_000);
                self.emit(spec);
            }
            Scenario::AddonGet | Scenario::KubeletGet => {
                let actor = if scenario == Scenario::AddonGet {
                    *self.rng.pick(&self.cast.addons)
                } else {
                    *self.rng.pick(&self.cast.nodes)
                };
                let ns = NAMESPACES[self.rng.index(NAMESPACES.len())];
                let (resource, name) = if self.rng.chance(450) {
                    ("secrets", *self.rng.pick(SECRET_NAMES))
                } else {
                    ("configmaps", *self.rng.pick(CONFIG_NAMES))
                };
                self.uri("", ns, resource, name.as_bytes(), "");
                self.object(resource, ns, name.as_bytes(), "", "");
                let spec = Spec::new("Metadata", "get", actor, 200);
                self.emit(spec);
            }
            Scenario::ServiceAccountToken => {
                let node = self.rng.index(self.nodes);
                let ns = self.rng.index(NAMESPACES.len());
                let name = *self
                    .rng
                    .pick(&["default", "prometheus-k8s", "frontend", "deployer"]);
                self.uri(
                    "",
                    NAMESPACES[ns],
                    "serviceaccounts",
                    name.as_bytes(),
                    "token",
                );
                self.object(
                    "serviceaccounts",
                    NAMESPACES[ns],
                    name.as_bytes(),
                    "",
                    "token",
                );
                let spec = Spec::new("Metadata", "create", self.cast.nodes[node], 201);
                self.emit(spec);
            }
            Scenario::Watch => {
                let kubelet = self.rng.chance(500);
                let actor = if kubelet {
                    *self.rng.pick(&self.cast.nodes)
                } else {
                    *self.rng.pick(&self.cast.addons)
                };
                let (group, resource): (&str, &str) = *self.rng.pick(&[
                    ("", "pods"),
                    ("", "nodes"),
                    ("", "services"),
                    ("", "configmaps"),
                    ("apps", "deployments"),
                    ("discovery.k8s.io", "endpointslices"),
                ]);
                self.uri(group, "", resource, b"", "");
                let rv = self.resource_version;
                let seconds = self.rng.range(300, 600);
                let u = &mut self.s.uri;
                u.extend_from_slice(b"?allowWatchBookmarks=true\\u0026resourceVersion=");
                push_num(u, rv);
                u.extend_from_slice(b"\\u0026timeout=");
                push_num(u, (seconds / 60) as u64);
                u.push(b'm');
                push_num(u, (seconds % 60) as u64);
                u.extend_from_slice(b"s\\u0026timeoutSeconds=");
                push_num(u, seconds as u64);
                u.extend_from_slice(b"\\u0026watch=true");
                self.object(resource, "", b"", group, "");
                let mut spec = Spec::new("Request", "watch", actor, 200);
                spec.stages = Stages::Watch(seconds * 1_000_000 + self.rng.range(0, 900_000));
                self.emit(spec);
            }
            Scenario::TokenReview => {
                let group = "authentication.k8s.io";
                self.uri(group, "", "tokenreviews", b"", "");
                self.object("tokenreviews", "", b"", group, "");
                let spec = Spec::new("Metadata", "create", self.cast.metrics_server, 201);
                self.emit(spec);
            }
            Scenario::PodCreate => self.pod_create(),
            Scenario::PodDelete => {
                let ns = self.rng.index(NAMESPACES.len());
                let pod = self.pod_name(ns);
                self.uri("", NAMESPACES[ns], "pods", &pod, "");
                self.object("pods", NAMESPACES[ns], &pod, "", "");
                self.s.request.extend_from_slice(
                    b"{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"propagationPolicy\":\"Background\"}",
                );
                let actor = if self.rng.chance(500) {
                    self.cast.garbage
                } else {
                    self.cast.replicaset
                };
                let mut spec = Spec::new("RequestResponse", "delete", actor, 200);
                spec.latency = self.rng.range(5_000, 20_000);
                self.emit(spec);
            }
            Scenario::HumanRead => {
                let actor = *self.rng.pick(&self.cast.humans);
                let ns = NAMESPACES[self.rng.index(NAMESPACES.len())];
                let (group, resource): (&str, &str) = *self.rng.pick(&[
                    ("", "pods"),
                    ("apps", "deployments"),
                    ("", "services"),
                    ("apps", "replicasets"),
                ]);
                if self.rng.chance(400) {
                    let pod = self.pod_name(1);
                    if resource == "pods" {
                        self.uri(group, ns, resource, &pod, "log");
                        self.object(resource, ns, &pod, group, "log");
                    } else {
                        self.uri(group, ns, resource, APPS[0].as_bytes(), "");
                        self.object(resource, ns, APPS[0].as_bytes(), group, "");
                    }
                    let spec = Spec::new("Request", "get", actor, 200);
                    self.emit(spec);
                } else {
                    self.uri(group, ns, resource, b"", "");
                    self.s.uri.extend_from_slice(b"?limit=500");
                    self.object(resource, ns, b"", group, "");
                    let spec = Spec::new("Request", "list", actor, 200);
                    self.emit(spec);
                }
            }
            Scenario::HumanSecret => {
                let actor = *self.rng.pick(&self.cast.humans);
                let ns = NAMESPACES[self.rng.index(NAMESPACES.len())];
                let name = *self.rng.pick(SECRET_NAMES);
                self.uri("", ns, "secrets", name.as_bytes(), "");
                self.object("secrets", ns, name.as_bytes(), "", "");
                let spec = Spec::new("Metadata", "get", actor, 200);
                self.emit(spec);
            }
            Scenario::HumanStream => {
                let actor = *self.rng.pick(&self.cast.humans);
                let ns = self.rng.index(NAMESPACES.len());
                let pod = self.pod_name(ns);
                let sub = *self.rng.pick(&["exec", "exec", "attach", "portforward"]);
                self.uri("", NAMESPACES[ns], "pods", &pod, sub);
                if sub == "exec" {
                    let command =
                        *self
                            .rng
                            .pick(&["sh", "bash", "env", "cat\\u0026command=%2Fetc%2Fpasswd"]);
                    let u = &mut self.s.uri;
                    u.extend_from_slice(b"?command=");
                    u.extend_from_slice(command.as_bytes());
                    u.extend_from_slice(
                        b"\\u0026container=app\\u0026stdin=true\\u0026stdout=true\\u0026tty=true",
                    );
                }
                self.object("pods", NAMESPACES[ns], &pod, "", sub);
                let mut spec = Spec::new("RequestResponse", "create", actor, 101);
                spec.latency = self.rng.range(10_000, 40_000);
                spec.stages = Stages::Stream(self.rng.range(20, 900) * 1_000_000);
                self.emit(spec);
            }
            Scenario::HumanApply => {
                let actor = *self.rng.pick(&self.cast.humans);
                let ns = self.rng.index(NAMESPACES.len());
                let app = self.rng.index(APPS.len());
                self.uri(
                    "apps",
                    NAMESPACES[ns],
                    "deployments",
                    APPS[app].as_bytes(),
                    "",
                );
                self.s.uri.extend_from_slice(
                    b"?fieldManager=kubectl-client-side-apply\\u0026fieldValidation=Strict",
                );
                self.object(
                    "deployments",
                    NAMESPACES[ns],
                    APPS[app].as_bytes(),
                    "apps",
                    "",
                );
                self.deployment_body(ns, app);
                let mut spec = Spec::new("RequestResponse", "patch", actor, 200);
                spec.response_body = true;
                spec.latency = self.rng.range(10_000, 40_000);
                self.emit(spec);
            }
            Scenario::Impersonation => {
                let actor = *self.rng.pick(&self.cast.humans);
                let ns = NAMESPACES[self.rng.index(NAMESPACES.len())];
                self.uri("", ns, "pods", b"", "");
                self.object("pods", ns, b"", "", "");
                self.s.impersonated.extend_from_slice(
                    b"{\"username\":\"system:serviceaccount:ci:deployer\",\"groups\":[\"system:serviceaccounts\",\"system:serviceaccounts:ci\",\"system:authenticated\"]}",
                );
                let spec = Spec::new("Request", "list", actor, 200);
                self.emit(spec);
            }
            Scenario::NotFound => {
                let actor = if self.rng.chance(300) {
                    *self.rng.pick(&self.cast.humans)
                } else {
                    *self.rng.pick(&self.cast.addons)
                };
                let ns = NAMESPACES[self.rng.index(NAMESPACES.len())];
                let mut name = b"missing-".to_vec();
                push_suffix(&mut name, self.rng.next(), 5);
                self.uri("", ns, "configmaps", &name, "");
                self.object("configmaps", ns, &name, "", "");
                let m = &mut self.s.message;
                m.extend_from_slice(b"configmaps \\\"");
                m.extend_from_slice(&name);
                m.extend_from_slice(b"\\\" not found");
                let mut spec = Spec::new("Metadata", "get", actor, 404);
                spec.failure = "NotFound";
                self.emit(spec);
            }
            Scenario::Conflict => {
                let ns = NAMESPACES[self.rng.index(NAMESPACES.len())];
                let name = APPS[self.rng.index(APPS.len())];
                self.uri("apps", ns, "deployments", name.as_bytes(), "");
                self.object("deployments", ns, name.as_bytes(), "apps", "");
                self.s.request.extend_from_slice(b"{\"kind\":\"Deployment\",\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":\"");
                self.s.request.extend_from_slice(name.as_bytes());
                self.s.request.extend_from_slice(b"\"}}");
                let m = &mut self.s.message;
                m.extend_from_slice(b"Operation cannot be fulfilled on deployments.apps \\\"");
                m.extend_from_slice(name.as_bytes());
                m.extend_from_slice(b"\\\": the object has been modified; please apply your changes to the latest version and try again");
                let mut spec = Spec::new("RequestResponse", "update", self.cast.deployment, 409);
                spec.failure = "Conflict";
                self.emit(spec);
            }
            Scenario::Invalid => {
                let actor = *self.rng.pick(&self.cast.humans);
                let ns = NAMESPACES[self.rng.index(NAMESPACES.len())];
                self.uri("", ns, "services", b"", "");
                self.object("services", ns, b"", "", "");
                self.s.request.extend_from_slice(b"{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"Web_Front\"},\"spec\":{\"ports\":[{\"port\":80}]}}");
                self.s.message.extend_from_slice(b"Service \\\"Web_Front\\\" is invalid: metadata.name: Invalid value: \\\"Web_Front\\\": a DNS-1035 label must consist of lower case alphanumeric characters or '-'");
                let mut spec = Spec::new("RequestResponse", "create", actor, 422);
                spec.failure = "Invalid";
                self.emit(spec);
            }
            Scenario::Forbidden => {
                let actor = *self.rng.pick(&self.cast.addons);
                self.uri("", "", "secrets", b"", "");
                self.object("secrets", "", b"", "", "");
                self.s.message.extend_from_slice(b"secrets is forbidden: User cannot list resource \\\"secrets\\\" in API group \\\"\\\" at the cluster scope");
                let mut spec = Spec::new("Metadata", "list", actor, 403);
                spec.failure = "Forbidden";
                self.emit(spec);
            }
            Scenario::Unauthorized => {
                let ns = NAMESPACES[self.rng.index(NAMESPACES.len())];
                self.uri("", ns, "secrets", b"", "");
                self.object("secrets", ns, b"", "", "");
                self.s.message.extend_from_slice(b"Unauthorized");
                let mut spec = Spec::new("Metadata", "list", self.cast.anonymous_curl, 401);
                spec.failure = "Unauthorized";
                spec.latency = 400;
                self.emit(spec);
            }
            Scenario::BigList => {
                let actor = *self.rng.pick(&self.cast.humans);
                self.uri("", "", "pods", b"", "");
                self.s.uri.extend_from_slice(b"?limit=500");
                self.object("pods", "", b"", "", "");
                let size = self.rng.range(50_000, 300_000) as usize;
                self.pod_list(size);
                let mut spec = Spec::new("RequestResponse", "list", actor, 200);
                spec.response_body = true;
                spec.latency = self.rng.range(150_000, 900_000);
                self.emit(spec);
            }
        }
    }

    fn node_status_patch(&mut self) {
        let heartbeat = self.now.div_euclid(1_000_000) * 1_000_000;
        let b = &mut self.s.request;
        b.extend_from_slice(b"{\"status\":{\"$setElementOrder/conditions\":[{\"type\":\"MemoryPressure\"},{\"type\":\"DiskPressure\"},{\"type\":\"PIDPressure\"},{\"type\":\"Ready\"}],\"conditions\":[{\"lastHeartbeatTime\":\"");
        let t = b.len();
        self.clock.push(b, heartbeat);
        // RFC 3339 without fraction, as metav1.Time writes it.
        b.truncate(t + 19);
        b.extend_from_slice(b"Z\",\"type\":\"Ready\"}]}}");
    }

    fn pod_status_patch(&mut self) {
        let b = &mut self.s.request;
        b.extend_from_slice(b"{\"metadata\":{\"uid\":\"");
        let key = self.rng.below(1 << 20);
        stable_uuid(key, b);
        b.extend_from_slice(b"\"},\"status\":{\"$setElementOrder/conditions\":[{\"type\":\"PodReadyToStartContainers\"},{\"type\":\"Initialized\"},{\"type\":\"Ready\"},{\"type\":\"ContainersReady\"},{\"type\":\"PodScheduled\"}],\"conditions\":[{\"lastProbeTime\":null,\"lastTransitionTime\":\"");
        let t = b.len();
        self.clock.push(b, self.now);
        b.truncate(t + 19);
        b.extend_from_slice(b"Z\",\"status\":\"True\",\"type\":\"Ready\"}]}}");
    }

    /// A pod create by a controller: full spec in and out (3 to 5 KB).
    fn pod_create(&mut self) {
        let ns = self.rng.index(NAMESPACES.len());
        let app = self.rng.index(APPS.len());
        let mut name = APPS[app].as_bytes().to_vec();
        name.push(b'-');
        push_suffix(&mut name, self.rng.below(6), 9);
        name.push(b'-');
        push_suffix(&mut name, self.rng.next(), 5);
        let (actor, owner_kind) = match self.rng.below(10) {
            0..=6 => (self.cast.replicaset, "ReplicaSet"),
            7 | 8 => (self.cast.daemonset, "DaemonSet"),
            _ => (self.cast.job, "Job"),
        };
        self.uri("", NAMESPACES[ns], "pods", b"", "");
        self.object("pods", NAMESPACES[ns], &name, "", "");
        let containers = if self.rng.chance(300) { 2 } else { 1 };
        let privileged = self.rng.chance(40);
        let host_path = self.rng.chance(60);
        let shape = PodShape {
            ns,
            app,
            owner_kind,
            containers,
            privileged,
            host_path,
        };
        self.pod_object(&name, &shape, Body::Request, None);
        let stored = (self.rng.next(), self.next_rv());
        self.pod_object(&name, &shape, Body::Response, Some(stored));
        match NAMESPACES[ns] {
            "kube-system" => self
                .s
                .annotations
                .extend_from_slice(b",\"pod-security.kubernetes.io/exempt\":\"namespace\""),
            _ => {
                self.s.annotations.extend_from_slice(
                    b",\"pod-security.kubernetes.io/enforce-policy\":\"baseline:latest\"",
                );
                if privileged || host_path || self.rng.chance(250) {
                    self.s.annotations.extend_from_slice(b",\"pod-security.kubernetes.io/audit-violations\":\"would violate PodSecurity \\\"restricted:latest\\\": allowPrivilegeEscalation != false (container \\\"app\\\" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container \\\"app\\\" must set securityContext.capabilities.drop=[\\\"ALL\\\"]), runAsNonRoot != true (pod or container \\\"app\\\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container \\\"app\\\" must set securityContext.seccompProfile.type to \\\"RuntimeDefault\\\" or \\\"Localhost\\\")\"");
                }
            }
        }
        let mut spec = Spec::new("RequestResponse", "create", actor, 201);
        spec.response_body = true;
        spec.latency = self.rng.range(8_000, 30_000);
        self.emit(spec);
    }

    /// Appends a pod manifest to a scratch body; `stored` (uid key and
    /// resource version) adds what the API server sets when it stores it.
    fn pod_object(
        &mut self,
        name: &[u8],
        shape: &PodShape,
        body: Body,
        stored: Option<(u64, u64)>,
    ) {
        let PodShape {
            ns,
            app,
            owner_kind,
            containers,
            privileged,
            host_path,
        } = *shape;
        let node = node_name(self.rng.index(self.nodes));
        let owner_uid = mix(app as u64 * 31 + ns as u64);
        let b = match body {
            Body::Request => &mut self.s.request,
            Body::Response => &mut self.s.response,
        };
        b.extend_from_slice(b"{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"");
        b.extend_from_slice(name);
        b.extend_from_slice(b"\",\"generateName\":\"");
        b.extend_from_slice(APPS[app].as_bytes());
        b.extend_from_slice(b"-\",\"namespace\":\"");
        b.extend_from_slice(NAMESPACES[ns].as_bytes());
        if let Some((uid, rv)) = stored {
            b.extend_from_slice(b"\",\"uid\":\"");
            stable_uuid(uid, b);
            b.extend_from_slice(b"\",\"resourceVersion\":\"");
            push_num(b, rv);
            b.extend_from_slice(b"\",\"creationTimestamp\":\"");
            let t = b.len();
            self.clock.push(b, self.now);
            // metav1.Time: whole seconds.
            b.truncate(t + 19);
            b.push(b'Z');
        }
        b.extend_from_slice(b"\",\"labels\":{\"app.kubernetes.io/name\":\"");
        b.extend_from_slice(APPS[app].as_bytes());
        b.extend_from_slice(b"\",\"app.kubernetes.io/part-of\":\"shop\",\"pod-template-hash\":\"");
        push_suffix(b, owner_uid, 9);
        b.extend_from_slice(b"\"},\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"");
        b.extend_from_slice(owner_kind.as_bytes());
        b.extend_from_slice(b"\",\"name\":\"");
        b.extend_from_slice(APPS[app].as_bytes());
        b.extend_from_slice(b"\",\"uid\":\"");
        stable_uuid(owner_uid, b);
        b.extend_from_slice(b"\",\"controller\":true,\"blockOwnerDeletion\":true}]},\"spec\":{\"volumes\":[{\"name\":\"kube-api-access\",\"projected\":{\"sources\":[{\"serviceAccountToken\":{\"expirationSeconds\":3607,\"path\":\"token\"}},{\"configMap\":{\"name\":\"kube-root-ca.crt\",\"items\":[{\"key\":\"ca.crt\",\"path\":\"ca.crt\"}]}}],\"defaultMode\":420}}");
        if host_path {
            b.extend_from_slice(
                b",{\"name\":\"host\",\"hostPath\":{\"path\":\"/var/run\",\"type\":\"\"}}",
            );
        }
        b.extend_from_slice(b"],\"containers\":[");
        for c in 0..containers {
            if c > 0 {
                // A logging sidecar: small.
                b.extend_from_slice(b",{\"name\":\"log-shipper\",\"image\":\"docker.io/fluent/fluent-bit:3.1.9\",\"resources\":{\"requests\":{\"cpu\":\"10m\",\"memory\":\"32Mi\"}},\"terminationMessagePath\":\"/dev/termination-log\",\"terminationMessagePolicy\":\"File\",\"imagePullPolicy\":\"IfNotPresent\"}");
                continue;
            }
            b.extend_from_slice(b"{\"name\":\"app\",\"image\":\"");
            b.extend_from_slice(IMAGES[app % IMAGES.len()].as_bytes());
            b.extend_from_slice(b"\",\"ports\":[{\"name\":\"http\",\"containerPort\":8080,\"protocol\":\"TCP\"}],\"env\":[{\"name\":\"LOG_LEVEL\",\"value\":\"info\"},{\"name\":\"DB_PASSWORD\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"db-credentials\",\"key\":\"password\"}}}],\"resources\":{\"limits\":{\"memory\":\"512Mi\"},\"requests\":{\"cpu\":\"100m\",\"memory\":\"256Mi\"}},\"volumeMounts\":[{\"name\":\"kube-api-access\",\"readOnly\":true,\"mountPath\":\"/var/run/secrets/kubernetes.io/serviceaccount\"}");
            if host_path {
                b.extend_from_slice(b",{\"name\":\"host\",\"mountPath\":\"/host/run\"}");
            }
            b.extend_from_slice(b"],\"terminationMessagePath\":\"/dev/termination-log\",\"terminationMessagePolicy\":\"File\",\"imagePullPolicy\":\"IfNotPresent\"");
            if privileged {
                b.extend_from_slice(b",\"securityContext\":{\"privileged\":true}");
            }
            b.push(b'}');
        }
        b.extend_from_slice(b"],\"restartPolicy\":\"Always\",\"terminationGracePeriodSeconds\":30,\"dnsPolicy\":\"ClusterFirst\",\"serviceAccountName\":\"default\",\"securityContext\":{},\"schedulerName\":\"default-scheduler\"");
        if stored.is_some() {
            // Defaults and admission add these.
            b.extend_from_slice(b",\"serviceAccount\":\"default\",\"nodeName\":\"");
            b.extend_from_slice(&node);
            b.extend_from_slice(b"\",\"tolerations\":[{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":300},{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":300}],\"priority\":0,\"enableServiceLinks\":true,\"preemptionPolicy\":\"PreemptLowerPriority\"");
        }
        b.push(b'}');
        if stored.is_some() {
            b.extend_from_slice(b",\"status\":{\"phase\":\"Pending\",\"qosClass\":\"Burstable\"}");
        }
        b.push(b'}');
    }

    fn deployment_body(&mut self, ns: usize, app: usize) {
        let replicas = self.rng.range(1, 6) as u64;
        let b = &mut self.s.request;
        b.extend_from_slice(b"{\"metadata\":{\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":\"{\\\"apiVersion\\\":\\\"apps/v1\\\",\\\"kind\\\":\\\"Deployment\\\",\\\"metadata\\\":{\\\"name\\\":\\\"");
        b.extend_from_slice(APPS[app].as_bytes());
        b.extend_from_slice(b"\\\",\\\"namespace\\\":\\\"");
        b.extend_from_slice(NAMESPACES[ns].as_bytes());
        b.extend_from_slice(b"\\\"}}\\n\"}},\"spec\":{\"replicas\":");
        push_num(b, replicas);
        b.extend_from_slice(
            b",\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"",
        );
        b.extend_from_slice(IMAGES[app % IMAGES.len()].as_bytes());
        b.extend_from_slice(b"\"}]}}}}");
        let rv = self.next_rv();
        let r = &mut self.s.response;
        r.extend_from_slice(
            b"{\"kind\":\"Deployment\",\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":\"",
        );
        r.extend_from_slice(APPS[app].as_bytes());
        r.extend_from_slice(b"\",\"namespace\":\"");
        r.extend_from_slice(NAMESPACES[ns].as_bytes());
        r.extend_from_slice(b"\",\"resourceVersion\":\"");
        push_num(r, rv);
        r.extend_from_slice(b"\",\"generation\":");
        push_num(r, rv % 97 + 1);
        r.extend_from_slice(b"},\"spec\":{\"replicas\":");
        push_num(r, replicas);
        r.extend_from_slice(b",\"selector\":{\"matchLabels\":{\"app.kubernetes.io/name\":\"");
        r.extend_from_slice(APPS[app].as_bytes());
        r.extend_from_slice(
            b"\"}},\"template\":{\"metadata\":{\"labels\":{\"app.kubernetes.io/name\":\"",
        );
        r.extend_from_slice(APPS[app].as_bytes());
        r.extend_from_slice(b"\"}},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"");
        r.extend_from_slice(IMAGES[app % IMAGES.len()].as_bytes());
        r.extend_from_slice(b"\",\"resources\":{},\"terminationMessagePath\":\"/dev/termination-log\",\"terminationMessagePolicy\":\"File\",\"imagePullPolicy\":\"IfNotPresent\"}],\"restartPolicy\":\"Always\",\"terminationGracePeriodSeconds\":30,\"dnsPolicy\":\"ClusterFirst\",\"securityContext\":{},\"schedulerName\":\"default-scheduler\"}},\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":\"25%\",\"maxSurge\":\"25%\"}},\"revisionHistoryLimit\":10,\"progressDeadlineSeconds\":600},\"status\":{\"observedGeneration\":3,\"replicas\":");
        push_num(r, replicas);
        r.extend_from_slice(b"}}");
    }

    /// A `PodList` of about `size` bytes in scratch `response`.
    fn pod_list(&mut self, size: usize) {
        let rv = self.resource_version;
        let r = &mut self.s.response;
        r.extend_from_slice(
            b"{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"",
        );
        push_num(r, rv);
        r.extend_from_slice(b"\"},\"items\":[");
        let mut first = true;
        while self.s.response.len() < size {
            if !first {
                self.s.response.push(b',');
            }
            first = false;
            let ns = self.rng.index(NAMESPACES.len());
            let name = self.pod_name(ns);
            let app = self.rng.index(APPS.len());
            let shape = PodShape {
                ns,
                app,
                owner_kind: "ReplicaSet",
                containers: 1,
                privileged: false,
                host_path: false,
            };
            let stored = (self.rng.next(), self.resource_version);
            self.pod_object(&name, &shape, Body::Response, Some(stored));
        }
        self.s.response.extend_from_slice(b"]}");
    }
}

/// Which scratch body to write.
#[derive(Debug, Clone, Copy)]
enum Body {
    Request,
    Response,
}

/// What a generated pod looks like.
#[derive(Debug, Clone, Copy)]
struct PodShape {
    ns: usize,
    app: usize,
    owner_kind: &'static str,
    containers: usize,
    privileged: bool,
    host_path: bool,
}

fn node_name(index: usize) -> Vec<u8> {
    let mut name = b"node-".to_vec();
    push_padded(&mut name, index as u64 + 1, 2);
    name
}

fn pod_name(namespace: usize, app: usize, replica: u64) -> Vec<u8> {
    let mut name = APPS[app].as_bytes().to_vec();
    name.push(b'-');
    let key = (namespace as u64) << 32 | (app as u64) << 8;
    push_suffix(&mut name, key, 9);
    name.push(b'-');
    push_suffix(&mut name, key | replica, 5);
    name
}

/// The clients of the cluster.
fn cast(rng: &mut Rng, nodes: usize, apiservers: usize) -> (Vec<Actor>, Cast) {
    let mut actors = Vec::new();
    let mut cast = Cast::default();
    let cp_ip = |i: usize| format!("\"10.0.0.{}\"", 11 + i % 200);
    let binding = |name: &str, subject: &str| {
        format!(
            "RBAC: allowed by ClusterRoleBinding \\\"{name}\\\" of ClusterRole \\\"{name}\\\" to {subject}"
        )
    };
    let mut add = |user: String, ips: String, user_agent: &'static str, reason: String| {
        actors.push(Actor {
            user: user.into_bytes(),
            ips: ips.into_bytes(),
            user_agent,
            reason: reason.into_bytes(),
        });
        actors.len() - 1
    };
    for i in 0..apiservers {
        cast.controller_manager.push(add(
            r#"{"username":"system:kube-controller-manager","groups":["system:authenticated"]}"#
                .into(),
            cp_ip(i),
            "kube-controller-manager/v1.31.4 (linux/amd64) kubernetes/a78aa47/leader-election",
            binding(
                "system:kube-controller-manager",
                "User \\\"system:kube-controller-manager\\\"",
            ),
        ));
        cast.scheduler.push(add(
            r#"{"username":"system:kube-scheduler","groups":["system:authenticated"]}"#.into(),
            cp_ip(i),
            "kube-scheduler/v1.31.4 (linux/amd64) kubernetes/a78aa47/leader-election",
            binding(
                "system:kube-scheduler",
                "User \\\"system:kube-scheduler\\\"",
            ),
        ));
        cast.apiserver.push(add(
            r#"{"username":"system:apiserver","uid":"8a1f3c2e-6b7d-4e90-a1b2-c3d4e5f60718","groups":["system:authenticated"]}"#.into(),
            "\"::1\"".into(),
            "kube-apiserver/v1.31.4 (linux/amd64) kubernetes/a78aa47",
            binding("system:apiserver", "User \\\"system:apiserver\\\""),
        ));
        cast.probe.push(add(
            r#"{"username":"system:anonymous","groups":["system:unauthenticated"]}"#.into(),
            cp_ip(i),
            "kube-probe/1.31",
            binding(
                "system:public-info-viewer",
                "Group \\\"system:unauthenticated\\\"",
            ),
        ));
    }
    for n in 0..nodes {
        let name = String::from_utf8_lossy(&node_name(n)).into_owned();
        cast.nodes.push(add(
            format!(r#"{{"username":"system:node:{name}","groups":["system:nodes","system:authenticated"]}}"#),
            format!("\"10.0.{}.{}\"", 1 + n / 200, 10 + n % 200),
            "kubelet/v1.31.4 (linux/amd64) kubernetes/a78aa47",
            String::new(),
        ));
    }
    let mut controller = |name: &'static str, ua: &'static str| {
        let mut uid = Vec::new();
        stable_uuid(
            name.len() as u64 * 7919 + u64::from(name.as_bytes()[0]),
            &mut uid,
        );
        add(
            format!(
                r#"{{"username":"system:serviceaccount:kube-system:{name}","uid":"{}","groups":["system:serviceaccounts","system:serviceaccounts:kube-system","system:authenticated"]}}"#,
                String::from_utf8_lossy(&uid)
            ),
            cp_ip(0),
            ua,
            format!(
                "RBAC: allowed by ClusterRoleBinding \\\"system:controller:{name}\\\" of ClusterRole \\\"system:controller:{name}\\\" to ServiceAccount \\\"{name}/kube-system\\\""
            ),
        )
    };
    cast.endpointslice = controller(
        "endpointslice-controller",
        "kube-controller-manager/v1.31.4 (linux/amd64) kubernetes/a78aa47/system:serviceaccount:kube-system:endpointslice-controller",
    );
    cast.replicaset = controller(
        "replicaset-controller",
        "kube-controller-manager/v1.31.4 (linux/amd64) kubernetes/a78aa47/system:serviceaccount:kube-system:replicaset-controller",
    );
    cast.deployment = controller(
        "deployment-controller",
        "kube-controller-manager/v1.31.4 (linux/amd64) kubernetes/a78aa47/system:serviceaccount:kube-system:deployment-controller",
    );
    cast.daemonset = controller(
        "daemon-set-controller",
        "kube-controller-manager/v1.31.4 (linux/amd64) kubernetes/a78aa47/system:serviceaccount:kube-system:daemon-set-controller",
    );
    cast.job = controller(
        "job-controller",
        "kube-controller-manager/v1.31.4 (linux/amd64) kubernetes/a78aa47/system:serviceaccount:kube-system:job-controller",
    );
    cast.garbage = controller(
        "generic-garbage-collector",
        "kube-controller-manager/v1.31.4 (linux/amd64) kubernetes/a78aa47/system:serviceaccount:kube-system:generic-garbage-collector",
    );
    let addons: &[(&str, &str, &str, &'static str)] = &[
        (
            "monitoring",
            "prometheus-k8s",
            "prometheus-k8s-0",
            "prometheus-k8s/v0.0.0 (linux/amd64) kubernetes/$Format",
        ),
        (
            "argocd",
            "argocd-application-controller",
            "argocd-application-controller-0",
            "argocd-application-controller/v0.0.0 (linux/amd64) kubernetes/$Format",
        ),
        (
            "cert-manager",
            "cert-manager",
            "cert-manager-7d9f8c6b5-x2x7q",
            "cert-manager/v0.0.0 (linux/amd64) kubernetes/$Format",
        ),
        (
            "kube-system",
            "metrics-server",
            "metrics-server-5f9f776df5-k8q2m",
            "metrics-server/v0.7.2 (linux/amd64) kubernetes/$Format",
        ),
        (
            "ingress-nginx",
            "ingress-nginx",
            "ingress-nginx-controller-6b4f9-mm2kd",
            "nginx-ingress-controller/v1.11.3 (linux/amd64) ingress-nginx/be3a6f8",
        ),
        (
            "kube-system",
            "coredns",
            "coredns-7db6d8ff4d-8wq5v",
            "coredns/v1.11.3 (linux/amd64) kubernetes/$Format",
        ),
    ];
    for (i, &(ns, name, pod, ua)) in addons.iter().enumerate() {
        let mut ids = Vec::new();
        for key in 0..4u64 {
            let mut id = Vec::new();
            stable_uuid(rng.next() ^ key, &mut id);
            ids.push(String::from_utf8_lossy(&id).into_owned());
        }
        let node = String::from_utf8_lossy(&node_name(i % nodes)).into_owned();
        let actor = add(
            format!(
                r#"{{"username":"system:serviceaccount:{ns}:{name}","uid":"{}","groups":["system:serviceaccounts","system:serviceaccounts:{ns}","system:authenticated"],"extra":{{"authentication.kubernetes.io/credential-id":["JTI={}"],"authentication.kubernetes.io/node-name":["{node}"],"authentication.kubernetes.io/node-uid":["{}"],"authentication.kubernetes.io/pod-name":["{pod}"],"authentication.kubernetes.io/pod-uid":["{}"]}}}}"#,
                ids[0], ids[1], ids[2], ids[3]
            ),
            format!("\"10.244.{}.{}\"", i + 1, 17 + i * 13),
            ua,
            binding(name, &format!("ServiceAccount \\\"{name}/{ns}\\\"")),
        );
        cast.addons.push(actor);
        if name == "metrics-server" {
            cast.metrics_server = actor;
        }
    }
    let humans: &[(&str, &str, &'static str, &str)] = &[
        (
            "alice@example.com",
            "platform-team",
            "kubectl/v1.29.3 (darwin/arm64) kubernetes/6813625",
            "platform-team-admin\\\" of ClusterRole \\\"cluster-admin",
        ),
        (
            "bob@example.com",
            "developers",
            "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46",
            "developers-edit\\\" of ClusterRole \\\"edit",
        ),
        (
            "carol@example.com",
            "sre",
            "kubectl/v1.30.6 (darwin/amd64) kubernetes/a21a1b3",
            "sre-view\\\" of ClusterRole \\\"view",
        ),
    ];
    for (i, &(email, group, ua, role)) in humans.iter().enumerate() {
        cast.humans.push(add(
            format!(
                r#"{{"username":"oidc:{email}","groups":["oidc:{group}","system:authenticated"]}}"#
            ),
            format!("\"192.168.50.{}\",\"10.0.0.5\"", 23 + i),
            ua,
            format!(
                "RBAC: allowed by ClusterRoleBinding \\\"{role}\\\" to Group \\\"oidc:{group}\\\""
            ),
        ));
    }
    cast.anonymous_curl = add(
        "{}".into(),
        "\"203.0.113.45\",\"10.0.0.5\"".into(),
        "curl/8.5.0",
        String::new(),
    );
    (actors, cast)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(options: &GenerateOptions) -> (Vec<u8>, GenerateStats) {
        let mut out = Vec::new();
        let stats = generate(options, &mut out).unwrap();
        (out, stats)
    }

    fn small(seed: u64, bytes: u64) -> GenerateOptions {
        GenerateOptions {
            seed,
            target_bytes: bytes,
            ..GenerateOptions::default()
        }
    }

    #[test]
    fn same_seed_same_bytes() {
        let (a, sa) = run(&small(7, 2 << 20));
        let (b, sb) = run(&small(7, 2 << 20));
        assert_eq!(a, b);
        assert_eq!(sa, sb);
        let (c, _) = run(&small(8, 2 << 20));
        assert_ne!(a, c);
        assert_eq!(sa.bytes, a.len() as u64);
        assert!(a.len() as u64 >= 2 << 20 && (a.len() as u64) < (2 << 20) + (1 << 20));
    }

    #[test]
    fn tiny_targets() {
        let (out, stats) = run(&small(1, 0));
        assert!(out.is_empty() && stats.lines == 0);
        let (out, stats) = run(&small(1, 1));
        assert!(!out.is_empty());
        assert_eq!(
            stats.lines as usize,
            out.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count()
        );
    }

    #[test]
    fn uuids_are_v4() {
        let mut out = Vec::new();
        uuid((u64::MAX, 0), &mut out);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.len(), 36);
        assert_eq!(&text[14..15], "4");
        assert!(matches!(&text[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn timestamps_format_like_the_api_server() {
        let mut clock = Clock {
            second: 0,
            prefix: Vec::new(),
        };
        let mut out = Vec::new();
        let t = Timestamp::parse("2025-03-14T08:51:07.000022Z").unwrap();
        clock.push(&mut out, t.0);
        assert_eq!(out, b"2025-03-14T08:51:07.000022Z");
        out.clear();
        clock.push(&mut out, t.0 + 1_000_000);
        assert_eq!(out, b"2025-03-14T08:51:08.000022Z");
    }
}
