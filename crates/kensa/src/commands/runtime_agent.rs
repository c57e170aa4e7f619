//! `kensa runtime agent` and `kensa runtime events`: the node daemon and its
//! event client.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use kensa_k8s::node_pods::NodePods;
use kensa_runtime::compile::{self, Compiled, Mode};
use kensa_runtime::events::EventKind;
use kensa_runtime::kernel::{self, Engine, Scope, abi};
use kensa_runtime::metrics::{LostReason, RuntimeMetrics, serve_metrics};
use kensa_runtime::namespaces::HostNamespaces;
use kensa_runtime::pods::{self, PodCgroup, PodInfo};
use kensa_runtime::process_cache::ProcessCache;
use kensa_runtime::stream::{self, EventHub, Filter};
use kensa_runtime::{Plan, Policy};

use super::runtime::{
    AgentArgs, EventFormat, EventsArgs, boot_offset, load_policies, node_name, resolve_binary,
};
use crate::exit;
use crate::output::{self, ColorChoice};

fn socket_path(spec: &str) -> PathBuf {
    PathBuf::from(spec.strip_prefix("unix:").unwrap_or(spec))
}

/// What the policy directory and the pods snapshot looked like, to notice
/// changes without a file-watching dependency: names, sizes, mtimes.
fn fingerprint(dir: &Path, pods: Option<&Path>) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let mut files: Vec<_> = policy_files(dir)
        .into_iter()
        .chain(pods.map(Path::to_path_buf))
        .map(|p| {
            let meta = std::fs::metadata(&p).ok();
            let size = meta.as_ref().map_or(0, |m| m.len());
            let mtime = meta.and_then(|m| m.modified().ok());
            (p, size, mtime)
        })
        .collect();
    files.sort();
    files
}

fn policy_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The policies in force and everything derived from them.
struct Loaded {
    policies: Vec<(Policy, Plan)>,
    compiled: Compiled,
    engine: Engine,
    roots: Vec<(u64, u64)>,
}

/// How long the agent waits for the API server's first list before it
/// starts enforcing without pods (node-wide policies must not wait on an
/// unreachable API server); the pods are scoped when the list arrives.
const FIRST_LIST_WAIT: Duration = Duration::from_secs(10);

/// Where the agent learns the pods of its node.
enum PodSource {
    /// A `kubectl get pods -A -o json` snapshot, re-read when it changes.
    Snapshot(PathBuf),
    /// A watch on the API server, converted when its generation moves.
    Live {
        watch: NodePods,
        generation: Option<u64>,
        pods: Vec<PodInfo>,
    },
}

impl PodSource {
    fn open(args: &AgentArgs, node: &str) -> anyhow::Result<Self> {
        if let Some(file) = &args.pods {
            return Ok(Self::Snapshot(file.clone()));
        }
        let watch = NodePods::watch(args.context.as_deref(), node).context(
            "watching this node's pods on the API server (--pods FILE reads a snapshot instead)",
        )?;
        if watch.wait_synced(FIRST_LIST_WAIT) {
            eprintln!("kensa: agent: watching the pods of node {node}");
        } else {
            for e in watch.take_errors() {
                eprintln!("kensa: agent: listing pods: {e}");
            }
            eprintln!(
                "kensa: agent: no pod list for node {node} yet; node-wide policies are in force, pod policies follow when it comes"
            );
        }
        Ok(Self::Live {
            watch,
            generation: None,
            pods: Vec::new(),
        })
    }

    /// The snapshot file, whose changes the agent looks for.
    fn file(&self) -> Option<&Path> {
        match self {
            Self::Snapshot(file) => Some(file),
            Self::Live { .. } => None,
        }
    }

    fn pods(&mut self) -> anyhow::Result<Vec<PodInfo>> {
        match self {
            Self::Snapshot(file) => {
                let text = std::fs::read_to_string(&*file)
                    .with_context(|| format!("--pods {}", file.display()))?;
                Ok(pods::parse_pods(&file.display().to_string(), &text)?)
            }
            Self::Live {
                watch,
                generation,
                pods,
            } => {
                for e in watch.take_errors() {
                    eprintln!("kensa: agent: watching pods: {e}");
                }
                if *generation != Some(watch.generation())
                    && let Some((now, listed)) = watch.current()
                {
                    *pods = listed.iter().filter_map(pods::pod_from_json).collect();
                    *generation = Some(now);
                }
                Ok(pods.clone())
            }
        }
    }
}

fn load(
    args: &AgentArgs,
    cgroup2: &Path,
    pod_cgroups: &[PodCgroup],
) -> Result<Loaded, Vec<String>> {
    let policies = load_policies(&policy_files(&args.policy_dir))?;
    let compiled = compile::compile(
        &policies,
        Mode::Agent,
        &resolve_binary,
        &HostNamespaces::read(Path::new("/proc")),
    )
    .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    let plain: Vec<Policy> = policies.iter().map(|(p, _)| p.clone()).collect();
    let (roots, global) = pods::scope(&plain, pod_cgroups);
    let scope = Scope::Node {
        root: cgroup2.to_path_buf(),
        cgroups: roots.clone(),
        global,
    };
    let options = kernel::Options {
        process_cache_entries: args.process_cache,
    };
    let engine = Engine::load(&compiled, &scope, &options)
        .map_err(|e| vec![format!("loading the BPF programs: {e}")])?;
    Ok(Loaded {
        policies,
        compiled,
        engine,
        roots,
    })
}

/// `kensa runtime agent`
pub fn run(args: &AgentArgs, color: ColorChoice) -> anyhow::Result<u8> {
    kensa_sandbox::signals::install();
    let cgroup2 =
        kensa_sandbox::cgroup::cgroup2_mount().context("finding the cgroup2 hierarchy")?;
    let pod_root = args.cgroup_root.clone().unwrap_or_else(|| cgroup2.clone());
    let node = args.node.clone().unwrap_or_else(node_name);
    let mut source = PodSource::open(args, &node)?;
    let mut pod_cgroups = pods::find_pod_cgroups(&pod_root, &source.pods()?);
    let mut loaded = match load(args, &cgroup2, &pod_cgroups) {
        Ok(loaded) => loaded,
        Err(problems) => {
            for p in &problems {
                output::error_line(color, p);
            }
            return Ok(exit::USAGE);
        }
    };
    for warning in &loaded.compiled.warnings {
        eprintln!("kensa: note: {warning}");
    }
    let metrics = Arc::new(RuntimeMetrics::new());
    let hub = EventHub::with_metrics(stream::DEFAULT_CAPACITY, Arc::clone(&metrics));
    let socket = socket_path(&args.listen);
    if let Some(parent) = socket.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let _server = stream::serve_unix(&socket, hub.clone()).context("serving events")?;
    let _metrics_server = match args.metrics {
        Some(addr) => Some(serve_metrics(addr, Arc::clone(&metrics)).context("serving metrics")?),
        None => None,
    };
    let mut cache = ProcessCache::new(node, args.process_cache as usize);
    cache.pods = pods::pods_by_cgroup(&pod_cgroups);
    let clock = boot_offset();
    let rescan = Duration::from_secs_f64(args.rescan.max(0.1));
    let mut seen = fingerprint(&args.policy_dir, source.file());
    eprintln!(
        "kensa: agent: {} policies, {} pod or container cgroups with policies, events on {}",
        loaded.policies.len(),
        loaded.roots.len(),
        socket.display()
    );
    loop {
        metrics.set_policies_loaded(loaded.policies.len() as u64);
        metrics.set_bpf_programs_attached(loaded.engine.attached() as u64);
        let until = Instant::now() + rescan;
        let compiled = &loaded.compiled;
        loaded.engine.read_records(
            Duration::from_millis(100),
            &|| Instant::now() >= until || kensa_sandbox::signals::pending().is_some(),
            &mut |data| match abi::decode(data) {
                Ok(record) => {
                    if let Some(event) = cache.event(&record, compiled, &clock) {
                        if let EventKind::Kprobe {
                            policy_name,
                            action,
                            ..
                        }
                        | EventKind::Tracepoint {
                            policy_name,
                            action,
                            ..
                        }
                        | EventKind::Uprobe {
                            policy_name,
                            action,
                            ..
                        } = &event.kind
                        {
                            let action = action.strip_prefix("KPROBE_ACTION_").unwrap_or(action);
                            metrics.count_policy_action(policy_name, action);
                        }
                        hub.publish(event);
                    }
                }
                Err(_) => metrics.add_lost(LostReason::Decode, 1),
            },
        )?;
        metrics.observe_ringbuf_lost(loaded.engine.ringbuf_lost());
        metrics.set_process_cache_entries(cache.len() as u64);
        metrics.add_process_cache_evictions(std::mem::take(&mut cache.evictions));
        if kensa_sandbox::signals::pending().is_some() {
            break;
        }
        // Containers start after their pod's cgroup appears: look again.
        let now_seen = fingerprint(&args.policy_dir, source.file());
        let policies_changed = now_seen != seen;
        let fresh_pods = match source.pods() {
            Ok(infos) => pods::find_pod_cgroups(&pod_root, &infos),
            Err(e) => {
                eprintln!("kensa: {e:#}; keeping the pods read before");
                pod_cgroups.clone()
            }
        };
        if policies_changed {
            seen = now_seen;
            match load(args, &cgroup2, &fresh_pods) {
                Ok(new) => {
                    eprintln!("kensa: agent: policies reloaded: {}", names(&new.policies));
                    // The old programs detach when `loaded` is replaced,
                    // after the new ones are attached: no gap.
                    loaded = new;
                }
                Err(problems) => {
                    for p in &problems {
                        output::error_line(color, p);
                    }
                    eprintln!(
                        "kensa: agent: the changed policies do not load; the previous ones stay in force"
                    );
                }
            }
        } else if fresh_pods != pod_cgroups {
            let plain: Vec<Policy> = loaded.policies.iter().map(|(p, _)| p.clone()).collect();
            let (roots, _) = pods::scope(&plain, &fresh_pods);
            loaded.engine.update_scope(&roots)?;
            loaded.roots = roots;
        }
        cache.pods = pods::pods_by_cgroup(&fresh_pods);
        pod_cgroups = fresh_pods;
    }
    eprintln!("kensa: agent: stopping; detaching");
    hub.close();
    Ok(exit::OK)
}

fn names(policies: &[(Policy, Plan)]) -> String {
    let names: Vec<&str> = policies
        .iter()
        .map(|(p, _)| p.metadata.name.as_str())
        .collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// `kensa runtime events`
pub fn events(args: &EventsArgs) -> anyhow::Result<u8> {
    let path = socket_path(&args.server);
    let filter = Filter {
        namespace: args.namespace.clone(),
        pod: args.pod.clone(),
    };
    let stream = stream::subscribe_unix(&path, &filter)
        .with_context(|| format!("connecting to the agent at {}", path.display()))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for event in stream {
        let event = event?;
        match args.format {
            EventFormat::Json => writeln!(out, "{event}")?,
            EventFormat::Compact => writeln!(out, "{}", stream::compact_line(&event)?)?,
        }
        out.flush()?;
    }
    Ok(exit::OK)
}
