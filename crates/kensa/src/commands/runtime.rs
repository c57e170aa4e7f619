//! `kensa runtime`: Tetragon-style TracingPolicies enforced by BPF programs.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use kensa_runtime::compile::{self, ActionCode, Compiled, FileAccess, FileDeny, Mode};
use kensa_runtime::events::{self, Event};
use kensa_runtime::kernel::{self, Engine, Scope, abi};
use kensa_runtime::namespaces::HostNamespaces;
use kensa_runtime::policy::Workload;
use kensa_runtime::process_cache::{BootOffset, Clock, ProcessCache};
use kensa_runtime::{Plan, Policy};
use kensa_sandbox::cgroup::{RunCgroup, cgroup2_mount};
use kensa_sandbox::landlock::{self, Access, DenyRule};
use kensa_sandbox::notify::{self, Denial, Supervisor};
use kensa_sandbox::spawn::{
    Notified, SpawnOptions, Spawned, spawn_into_cgroup, spawn_into_cgroup_notified, wait,
};

use crate::commands::shell_exit_code;
use crate::exit;
use crate::output::{self, ColorChoice};

/// `kensa runtime ...`
#[derive(Subcommand)]
pub enum RuntimeCommand {
    /// Run a command under TracingPolicies, in a cgroup of its own, printing events.
    #[command(after_help = "\
The command runs in a fresh cgroup, as a pod's container would; the policies apply to it and its
descendants only, never to other processes. Events go to standard error (or --events FILE), so the
command's own output stays on standard output.

Actions: Sigkill kills the process before the operation returns to it; Override refuses a connect
(cgroup connect4/6 hook, EPERM) or fails the open of a file under the policy's path with argError
(-1: EPERM, -13: EACCES) through a seccomp supervisor, with Landlock behind it failing what the
supervisor's path check misses with EACCES, and prints an Override event for each refusal;
Signal sends argSig; Post/NoPost choose whether an event is printed.

Exit status: the command's own; 128+N when a signal N ended it (137: SIGKILL);
2 when the policies cannot be loaded or the command cannot start.

Examples:
  kensa runtime run --policy deny-secrets.yaml -- cat /etc/shadow
  kensa runtime run --policy egress.yaml --namespace shop --labels app=web -o json -- ./server")]
    Run(RunArgs),
    /// The node agent: enforce the policies of a directory on this node's pods, serve events.
    #[command(after_help = "\
Policies are read from --policy-dir (*.yaml, *.yml) and re-read when the directory changes; a
set that does not load is reported and the previous one stays in force. A cluster-wide
TracingPolicy without podSelector or containerSelector applies to every process of the node,
as in Tetragon; others apply to the pods they select, found below the cgroup root by the
kubelet's pod cgroup names (pod<UID>, kubepods-...-pod<UID>.slice). A containerSelector
(matched against {name: <container name>}) narrows a policy to those containers' cgroups
below the pod's (<id>, cri-containerd-<id>.scope, crio-<id>.scope, docker-<id>.scope), by the
ids in the pod's status.containerStatuses.

Pods come from the API server: a watch on pods with spec.nodeName=<--node> through the
kubeconfig (--context) or, in a pod, the service account (RBAC: get, list, watch on pods).
New pods, restarted containers and deleted pods take effect without a restart. With --pods
FILE they come from a `kubectl get pods -A -o json` snapshot instead, re-read when it changes.

Override on file access is refused here: its seccomp supervisor and Landlock can only confine a
workload kensa starts itself (kensa runtime run); connect Override works node-wide through
cgroup connect4/6 hooks on the cgroup root.

Events: JSON lines on the unix socket (--listen); read them with `kensa runtime events`.
Metrics: OpenMetrics on --metrics ADDR at /metrics (events, lost events, actions, process cache).
SIGTERM or SIGINT: detach everything and exit 0.

Example:
  NODE_NAME=$(hostname) kensa runtime agent --policy-dir /etc/kensa/policies \\
    --listen unix:/run/kensa/events.sock --metrics 127.0.0.1:2112
  kensa runtime agent --policy-dir /etc/kensa/policies --pods pods.json")]
    Agent(AgentArgs),
    /// Stream events from a running agent, as `tetra getevents` does.
    #[command(after_help = "\
Examples:
  kensa runtime events                       compact lines from /run/kensa/events.sock
  kensa runtime events -o json --namespace shop --pod web-1")]
    Events(EventsArgs),
}

/// `kensa runtime agent`
#[derive(Args)]
pub struct AgentArgs {
    /// Directory of TracingPolicy / TracingPolicyNamespaced YAML files.
    #[arg(long, value_name = "DIR")]
    pub policy_dir: PathBuf,
    /// Where to serve events: unix:PATH.
    #[arg(
        long,
        value_name = "unix:PATH",
        default_value = "unix:/run/kensa/events.sock"
    )]
    pub listen: String,
    /// Serve Prometheus/OpenMetrics metrics on this address.
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<std::net::SocketAddr>,
    /// Read pods from this snapshot (kubectl get pods -A -o json, re-read when it changes)
    /// instead of watching the API server.
    #[arg(long, value_name = "FILE")]
    pub pods: Option<PathBuf>,
    /// Kubeconfig context for watching pods (default: the current context; in a pod
    /// without a kubeconfig, the service account). Needs get, list and watch on pods.
    #[arg(long, value_name = "CONTEXT", conflicts_with = "pods")]
    pub context: Option<String>,
    /// This node's name: only pods with spec.nodeName equal to it are watched
    /// (default: $NODE_NAME, else the hostname).
    #[arg(long, value_name = "NAME")]
    pub node: Option<String>,
    /// Where to look for the kubelet's pod cgroups (default: the cgroup2 mount).
    #[arg(long, value_name = "DIR")]
    pub cgroup_root: Option<PathBuf>,
    /// Processes the process cache holds (its memory bound).
    #[arg(long, value_name = "N", default_value_t = 65_536)]
    pub process_cache: u32,
    /// How often to look for policy and pod changes, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    pub rescan: f64,
}

/// `kensa runtime events`
#[derive(Args)]
pub struct EventsArgs {
    /// The agent's socket: unix:PATH or PATH.
    #[arg(
        long,
        value_name = "unix:PATH",
        default_value = "unix:/run/kensa/events.sock"
    )]
    pub server: String,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = EventFormat::Compact)]
    pub format: EventFormat,
    /// Only events of pods in this namespace.
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Only events of this pod.
    #[arg(long, value_name = "NAME")]
    pub pod: Option<String>,
}

/// Event output formats.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum EventFormat {
    /// tetra's compact lines (`🚀 process`, `📚 read`, `💥 exit`).
    Compact,
    /// One JSON object per line, Tetragon's export schema.
    Json,
}

/// `kensa runtime run`
#[derive(Args)]
pub struct RunArgs {
    /// TracingPolicy or TracingPolicyNamespaced YAML (repeatable; a file may hold several).
    #[arg(long = "policy", value_name = "FILE", required = true)]
    pub policies: Vec<PathBuf>,
    /// The workload's namespace (namespaced policies apply only in theirs).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// The workload's pod labels, for podSelector: k=v,k2=v2.
    #[arg(long, value_name = "K=V,...")]
    pub labels: Option<String>,
    /// The container name, for containerSelector (default: the command's file name).
    #[arg(long, value_name = "NAME")]
    pub container: Option<String>,
    /// Event format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = EventFormat::Compact)]
    pub format: EventFormat,
    /// Write events to FILE instead of standard error.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    /// Processes the process cache holds (its memory bound).
    #[arg(long, value_name = "N", default_value_t = 32_768)]
    pub process_cache: u32,
    /// The command and its arguments.
    #[arg(required = true, last = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

/// Entry point.
pub fn run(command: RuntimeCommand, color: ColorChoice) -> anyhow::Result<u8> {
    match command {
        RuntimeCommand::Run(args) => run_workload(&args, color),
        RuntimeCommand::Agent(args) => crate::commands::runtime_agent::run(&args, color),
        RuntimeCommand::Events(args) => crate::commands::runtime_agent::events(&args),
    }
}

fn parse_labels(text: Option<&str>) -> anyhow::Result<BTreeMap<String, String>> {
    let mut labels = BTreeMap::new();
    for pair in text
        .unwrap_or_default()
        .split(',')
        .filter(|p| !p.trim().is_empty())
    {
        let Some((k, v)) = pair.split_once('=') else {
            bail!("--labels: {pair:?} is not key=value");
        };
        labels.insert(k.trim().to_owned(), v.trim().to_owned());
    }
    Ok(labels)
}

/// Reads, validates and plans every policy in `files`; every problem of
/// every file is reported before giving up.
pub(crate) fn load_policies(files: &[PathBuf]) -> Result<Vec<(Policy, Plan)>, Vec<String>> {
    let mut loaded = Vec::new();
    let mut problems = Vec::new();
    for file in files {
        let name = file.display().to_string();
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(err) => {
                problems.push(format!("{name}: {err}"));
                continue;
            }
        };
        let (policies, errors) = kensa_runtime::parse_policies(&name, &text);
        problems.extend(errors.iter().map(ToString::to_string));
        for policy in policies {
            let invalid = kensa_runtime::validate(&policy);
            if !invalid.is_empty() {
                problems.extend(invalid.iter().map(|e| {
                    let line = e.line.map(|l| format!(":{l}")).unwrap_or_default();
                    format!("{name}{line}: {}: {}", e.path, e.problem)
                }));
                continue;
            }
            match kensa_runtime::plan(&policy) {
                Ok(plan) => loaded.push((policy, plan)),
                Err(unsupported) => problems.extend(unsupported.iter().map(|u| {
                    let line = policy
                        .line_of(&u.path)
                        .map(|l| format!(":{l}"))
                        .unwrap_or_default();
                    format!("{name}{line}: {u}")
                })),
            }
        }
    }
    if problems.is_empty() {
        Ok(loaded)
    } else {
        Err(problems)
    }
}

pub(crate) fn resolve_binary(path: &str) -> Option<String> {
    std::fs::canonicalize(path)
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
}

fn access_of(deny: &FileDeny) -> Access {
    deny.access.iter().fold(Access::NONE, |acc, a| {
        acc | match a {
            FileAccess::Read => Access::READ,
            FileAccess::Write => Access::WRITE,
        }
    })
}

fn landlock_rules(compiled: &Compiled) -> Vec<DenyRule> {
    compiled
        .file_denies
        .iter()
        .map(|deny| DenyRule::new(&deny.path, access_of(deny)))
        .collect()
}

/// The supervisor's rules, one per file deny and in the same order, so a
/// denial's rule index is the deny's.
fn notify_rules(compiled: &Compiled) -> Vec<notify::Rule> {
    compiled
        .file_denies
        .iter()
        .map(|deny| notify::Rule::new(&deny.path, access_of(deny), deny.errno))
        .collect()
}

/// The `process` of a denial's event, read from /proc while the caller
/// waits for the answer. kensa saw the process exec in its BPF events but
/// under a kernel exec time the supervisor does not know, so the exec id
/// is left out; the pid ties the two together.
fn process_of(tid: u32, pod: Option<events::Pod>) -> events::Process {
    let proc = PathBuf::from(format!("/proc/{tid}"));
    let status = std::fs::read_to_string(proc.join("status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u32>().ok())
    };
    let link = |name: &str| {
        std::fs::read_link(proc.join(name))
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let cmdline = std::fs::read(proc.join("cmdline")).unwrap_or_default();
    let arguments = cmdline
        .split(|b| *b == 0)
        .skip(1)
        .filter(|a| !a.is_empty())
        .map(String::from_utf8_lossy)
        .collect::<Vec<_>>()
        .join(" ");
    events::Process {
        exec_id: String::new(),
        pid: field("Tgid:").unwrap_or(tid),
        uid: field("Uid:").unwrap_or_default(),
        cwd: link("cwd"),
        binary: link("exe"),
        arguments,
        start_time: String::new(),
        pod,
        parent_exec_id: String::new(),
    }
}

/// What the supervisor's refusals need to become events.
struct DenialEvents {
    denies: Vec<FileDeny>,
    node: String,
    pod: Option<events::Pod>,
    clock: BootOffset,
}

impl DenialEvents {
    /// A kprobe event for the policy's hook with the Override action, its
    /// arguments shaped as the hook's would be.
    fn event(&self, denial: &Denial) -> Option<Event> {
        let deny = self.denies.get(denial.rule)?;
        let path = denial.path.to_string_lossy().into_owned();
        let refused_write =
            denial.access.contains(Access::WRITE) && deny.access.contains(&FileAccess::Write);
        let args = match deny.function.as_str() {
            "security_file_permission" => vec![
                events::Arg::File {
                    path,
                    permission: None,
                },
                // MAY_WRITE or MAY_READ, as the hook would see it.
                events::Arg::Int(if refused_write { 2 } else { 4 }),
            ],
            "security_path_truncate" => vec![events::Arg::Path { path }],
            _ => vec![events::Arg::File {
                path,
                permission: None,
            }],
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as i128)
            .unwrap_or_default();
        Some(Event {
            node_name: self.node.clone(),
            time: self
                .clock
                .rfc3339(u64::try_from(now - self.clock.unix_ns_at_boot).unwrap_or_default()),
            kind: events::EventKind::Kprobe {
                process: process_of(denial.pid, self.pod.clone()),
                parent: None,
                function_name: deny.function.clone(),
                args,
                action: ActionCode::Override.event_name().to_owned(),
                policy_name: deny.policy.clone(),
                return_value: None,
            },
        })
    }
}

/// Where events go.
struct EventWriter {
    out: Box<dyn Write + Send>,
    format: EventFormat,
    line: Vec<u8>,
}

impl EventWriter {
    fn open(path: Option<&Path>, format: EventFormat) -> anyhow::Result<Self> {
        let out: Box<dyn Write + Send> = match path {
            Some(p) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(p).with_context(|| format!("--events {}", p.display()))?,
            )),
            // Buffered too: `flush` runs after each batch the ring buffer
            // hands over, so events still show up as they happen, without
            // a write(2) per event.
            None => Box::new(std::io::BufWriter::with_capacity(
                64 * 1024,
                std::io::stderr(),
            )),
        };
        Ok(Self {
            out,
            format,
            line: Vec::with_capacity(1024),
        })
    }

    fn write(&mut self, event: &Event) -> std::io::Result<()> {
        match self.format {
            EventFormat::Compact => writeln!(self.out, "{}", events::to_compact(event)),
            EventFormat::Json => {
                self.line.clear();
                events::write_json(event, &mut self.line);
                self.line.push(b'\n');
                self.out.write_all(&self.line)
            }
        }
    }
}

pub(crate) fn boot_offset() -> BootOffset {
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or_default();
    let boot = std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|u| u.split_whitespace().next()?.parse::<f64>().ok())
        .map(|s| (s * 1e9) as i128)
        .unwrap_or_default();
    BootOffset {
        unix_ns_at_boot: unix - boot,
    }
}

fn run_workload(args: &RunArgs, color: ColorChoice) -> anyhow::Result<u8> {
    let loaded = match load_policies(&args.policies) {
        Ok(loaded) => loaded,
        Err(problems) => {
            for p in &problems {
                output::error_line(color, p);
            }
            return Ok(exit::USAGE);
        }
    };
    let program = &args.command[0];
    let workload = Workload {
        namespace: args.namespace.clone(),
        labels: parse_labels(args.labels.as_deref())?,
        container: args.container.clone().unwrap_or_else(|| {
            Path::new(program)
                .file_name()
                .unwrap_or(program)
                .to_string_lossy()
                .into_owned()
        }),
    };
    let (selected, skipped): (Vec<_>, Vec<_>) =
        loaded.into_iter().partition(|(p, _)| p.selects(&workload));
    for (policy, _) in &skipped {
        eprintln!(
            "kensa: policy {} does not select this workload; not loaded",
            policy.metadata.name
        );
    }
    let compiled = match compile::compile(
        &selected,
        Mode::Run,
        &resolve_binary,
        &HostNamespaces::read(Path::new("/proc")),
    ) {
        Ok(c) => c,
        Err(errors) => {
            for e in &errors {
                output::error_line(color, &e.to_string());
            }
            return Ok(exit::USAGE);
        }
    };
    for warning in &compiled.warnings {
        eprintln!("kensa: note: {warning}");
    }

    // From here on a SIGTERM must not skip the cleanup below.
    kensa_sandbox::signals::install();
    let mount = cgroup2_mount().context("finding the cgroup2 hierarchy")?;
    let cgroup =
        RunCgroup::create(&mount, "kensa-run").context("creating the workload's cgroup")?;
    let id = kernel::cgroup_id(cgroup.path()).context("reading the workload cgroup's id")?;
    // File Overrides: the seccomp supervisor answers with argError, and
    // Landlock behind it refuses (EACCES) what its path check misses.
    let (ruleset, file_rules) = if compiled.file_denies.is_empty() {
        (None, None)
    } else {
        let ruleset = landlock::ruleset(&landlock_rules(&compiled))
            .context("building the Landlock ruleset")?;
        let rules = notify::Rules::new(&notify_rules(&compiled))
            .context("preparing the file Override rules")?;
        let filter = rules
            .filter()
            .context("building the file Override seccomp filter")?;
        (Some(ruleset), Some((rules, filter)))
    };
    let scope = Scope::Workload {
        dir: cgroup.path().to_path_buf(),
        id,
    };
    let options = kernel::Options {
        process_cache_entries: args.process_cache,
    };
    let engine = Engine::load(&compiled, &scope, &options).context("loading the BPF programs")?;
    let writer = Arc::new(std::sync::Mutex::new(EventWriter::open(
        args.events.as_deref(),
        args.format,
    )?));
    let mut cache = ProcessCache::new(node_name(), args.process_cache as usize);
    cache.pod = args.namespace.as_ref().map(|ns| events::Pod {
        namespace: ns.clone(),
        name: workload.container.clone(),
        container_name: Some(workload.container.clone()),
        labels: workload.labels.clone(),
    });

    let directory = cgroup
        .directory()
        .context("opening the workload's cgroup")?;
    let spawn_options = SpawnOptions {
        stdout_to_stderr: false,
        landlock: ruleset.as_ref().map(|r| std::os::fd::AsFd::as_fd(r)),
    };
    use std::os::fd::AsFd;
    let spawned = match &file_rules {
        Some((_, filter)) => spawn_into_cgroup_notified(
            program,
            &args.command[1..],
            directory.as_fd(),
            &spawn_options,
            filter,
        )
        .map(|n| match n {
            Notified::Child { pid, listener } => Some((pid, Some(listener))),
            Notified::Fallback => None,
        }),
        None => spawn_into_cgroup(
            program,
            &args.command[1..],
            directory.as_fd(),
            &spawn_options,
        )
        .map(|s| match s {
            Spawned::Child(pid) => Some((pid, None)),
            Spawned::Fallback => None,
        }),
    };
    let (pid, listener) = match spawned {
        Ok(Some(child)) => child,
        Ok(None) => bail!(
            "this kernel has no clone3(CLONE_INTO_CGROUP) (Linux 5.7+), which kensa runtime needs"
        ),
        Err(err) => {
            output::error_line(color, &format!("{err:#}"));
            return Ok(exit::USAGE);
        }
    };
    kensa_sandbox::signals::forward_to(pid);
    let supervisor = match (listener, file_rules) {
        (Some(listener), Some((rules, _))) => {
            let denial_events = DenialEvents {
                denies: compiled.file_denies.clone(),
                node: node_name(),
                pod: cache.pod.clone(),
                clock: boot_offset(),
            };
            let writer = Arc::clone(&writer);
            // The event is written (and flushed) before the refusal reaches
            // the process, so it precedes whatever the process does next.
            let on_denial = move |denial: &Denial| {
                if let Some(event) = denial_events.event(denial)
                    && let Ok(mut writer) = writer.lock()
                    && writer.write(&event).is_ok()
                {
                    writer.out.flush().ok();
                }
            };
            match Supervisor::start(listener, rules, on_denial) {
                Ok(supervisor) => Some(supervisor),
                Err(err) => {
                    // Nobody answers the workload's opens: stop it.
                    let _ = kensa_sandbox::spawn::kill(pid);
                    let _ = wait_for(pid);
                    return Err(err).context("starting the file Override supervisor");
                }
            }
        }
        _ => None,
    };

    let done = Arc::new(AtomicBool::new(false));
    let waiter = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let status = wait_for(pid);
            done.store(true, Ordering::SeqCst);
            status
        })
    };
    let clock = boot_offset();
    let mut write_error = None;
    let lock = || {
        writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    engine.read_records(
        Duration::from_millis(50),
        // Called between batches: the moment to hand the batch on.
        &|| {
            lock().out.flush().ok();
            done.load(Ordering::SeqCst)
        },
        &mut |data| match abi::decode(data) {
            Ok(record) => {
                if let Some(event) = cache.event(&record, &compiled, &clock)
                    && write_error.is_none()
                    && let Err(err) = lock().write(&event)
                {
                    write_error = Some(err);
                }
            }
            Err(err) => eprintln!("kensa: {err}"),
        },
    )?;
    let status = waiter
        .join()
        .map_err(|_| anyhow::anyhow!("the waiting thread panicked"))??;
    if let Some(supervisor) = supervisor {
        // The workload is gone; a descendant it left behind would get
        // ENOSYS from the opens the filter stops, as with kensa gone.
        match supervisor.stop() {
            Ok(_) => {}
            Err(err) => eprintln!("kensa: {err}"),
        }
    }
    lock().out.flush().ok();
    let lost = engine.ringbuf_lost();
    drop(engine);
    if lost > 0 {
        eprintln!("kensa: {lost} events were lost (ring buffer full)");
    }
    if let Some(err) = write_error {
        return Err(err).context("writing events");
    }
    drop(cgroup);
    Ok(shell_exit_code(status))
}

/// Waits for the workload, no longer forwarding signals once it is gone
/// (its pid may be reused after it is reaped).
fn wait_for(pid: i32) -> std::io::Result<std::process::ExitStatus> {
    let status = wait(pid);
    kensa_sandbox::signals::stop_forwarding();
    status
}

pub(crate) fn node_name() -> String {
    std::env::var("NODE_NAME")
        .ok()
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .unwrap_or_else(|| "localhost".into())
}
