//! `kensa seccomp`: the runtimes' RuntimeDefault, validating and comparing
//! profiles, running a command under a profile, recording a minimal profile
//! from a workload, and installing a profile for the kubelet.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use kensa_seccomp::advise::advise;
use kensa_seccomp::diff::diff;
use kensa_seccomp::filter::FilterSpec;
use kensa_seccomp::install::{DEFAULT_ROOT, install};
use kensa_seccomp::profile::{Profile, merge_profiles};
use kensa_seccomp::record::{self, RecordOptions, RecordReport};
use kensa_seccomp::recording::Recording;
use kensa_seccomp::resolve::{Runtime, resolve_default};
use kensa_seccomp::run::{RunOptions, run_with};
use kensa_seccomp::spo::to_spo;
use kensa_seccomp::validate::{Severity, Target, validate};

use crate::commands::shell_exit_code;
use crate::exit;
use crate::output::{self, ColorChoice, Style};

/// The name that stands for the runtime's default profile wherever a
/// profile file is asked for.
const RUNTIME_DEFAULT: &str = "runtime-default";

/// `kensa seccomp`.
#[derive(Debug, clap::Subcommand)]
pub enum SeccompCommand {
    /// Print the RuntimeDefault profile exactly as containerd or Docker builds it.
    #[command(after_help = "\
containerd's is what Kubernetes' `seccompProfile: {type: RuntimeDefault}` means on
containerd nodes. The capability set changes the profile (e.g. CAP_SYS_ADMIN allows
mount, unshare, setns); the default is the runtime's own 14 capabilities.

Examples:
  kensa seccomp default
  kensa seccomp default --runtime docker --arch arm64 --caps +CAP_SYS_ADMIN
  kensa seccomp default -o spo --name runtime-default > profile.yaml")]
    Default(DefaultArgs),
    /// Check a profile: schema, syscall names per architecture, rules with no effect.
    #[command(after_help = "\
Exit codes: 0 no errors or warnings, 1 warnings or errors found, 2 unreadable file.")]
    Validate(ValidateArgs),
    /// Syscalls and argument rules added and removed between two profiles.
    #[command(after_help = "\
`runtime-default` may stand for either side (containerd's, for this machine).

Example:
  kensa seccomp diff runtime-default my-profile.json")]
    Diff(DiffArgs),
    /// Run a command under a profile (it never runs unconfined).
    #[command(after_help = "\
The filter is compiled before the command starts and loaded in the child just before
exec, with no_new_privs set. If it cannot be loaded the command does not run.
The exit status is the command's (128+N when killed by signal N).

Examples:
  kensa seccomp run --profile runtime-default -- unshare -rmC true
  kensa seccomp run --profile advised.json -- python3 app.py")]
    Run(RunArgs),
    /// Record a command (or a running workload) and print a minimal profile.
    #[command(after_help = "\
Recording uses a BPF program on the raw_syscalls:sys_enter tracepoint that only looks
at processes in the workload's cgroup: every thread and child from the first syscall,
32-bit (compat) syscalls under their own architecture. Needs root (CAP_BPF and
CAP_PERFMON) and cgroup2.

Examples:
  kensa seccomp advise -- sh -c 'ls / | wc -l'
  kensa seccomp advise --base runtime-default -o spo --name web -- ./server
  kensa seccomp advise --pid 4242 --duration 60s -o json
  kensa seccomp advise --record-only -o recording.json -- ./job   # then `kensa seccomp merge`")]
    Advise(AdviseArgs),
    /// Combine profiles (or recordings) of several replicas or runs into one.
    Merge(MergeArgs),
    /// Write a profile where the kubelet looks for Localhost profiles.
    #[command(after_help = "\
The file is written atomically (temporary file, fsync, rename) to
ROOT/profiles/NAME.json; the pod securityContext that uses it is printed.

Example:
  kensa seccomp install advised.json --name web")]
    Install(InstallArgs),
}

/// `-o` for profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProfileFormat {
    /// The OCI `linux.seccomp` JSON (what the kubelet and runc read).
    Json,
    /// A Security Profiles Operator SeccompProfile (YAML).
    Spo,
}

/// `kensa seccomp default`.
#[derive(Debug, clap::Args)]
pub struct DefaultArgs {
    /// The container runtime whose default to build.
    #[arg(long, default_value = "containerd", value_parser = ["containerd", "docker"])]
    pub runtime: String,
    /// The architecture (Go names: amd64, arm64, 386, arm, ppc64le, s390x, riscv64, ...);
    /// default: this machine's.
    #[arg(long)]
    pub arch: Option<String>,
    /// The bounding capability set, comma-separated; `+CAP` adds to the runtime's default.
    #[arg(long, value_delimiter = ',', value_name = "CAP,...")]
    pub caps: Vec<String>,
    /// The kernel version the runtime sees (MAJOR.MINOR); default: this machine's.
    #[arg(long, value_name = "X.Y")]
    pub kernel: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = ProfileFormat::Json)]
    pub format: ProfileFormat,
    /// The SeccompProfile's name (with -o spo).
    #[arg(long, default_value = "runtime-default")]
    pub name: String,
}

/// `kensa seccomp validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The profile (OCI JSON).
    pub file: PathBuf,
    /// Where the profile will be used: any OCI runtime, or containerd's Localhost
    /// (which silently ignores moby-only fields).
    #[arg(long, value_parser = ["oci", "containerd"], default_value = "containerd")]
    pub target: String,
    /// table or json.
    #[arg(short = 'o', long = "output", value_parser = ["table", "json"], default_value = "table")]
    pub format: String,
}

/// `kensa seccomp diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The old profile (a file, or runtime-default).
    pub a: String,
    /// The new profile (a file, or runtime-default).
    pub b: String,
    /// table or json.
    #[arg(short = 'o', long = "output", value_parser = ["table", "json"], default_value = "table")]
    pub format: String,
}

/// `kensa seccomp run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// runtime-default (containerd's, for this machine and --caps) or a profile file.
    #[arg(long)]
    pub profile: String,
    /// Capabilities: the set RuntimeDefault is resolved for, and the command's
    /// capabilities are narrowed to it (never widened).
    #[arg(long, value_delimiter = ',', value_name = "CAP,...")]
    pub caps: Vec<String>,
    /// The command and its arguments.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

/// `kensa seccomp advise`.
#[derive(Debug, clap::Args)]
pub struct AdviseArgs {
    /// Output format: the profile as OCI JSON or an SPO SeccompProfile.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = ProfileFormat::Json)]
    pub format: ProfileFormat,
    /// Write to this file (atomically) instead of stdout.
    #[arg(long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The SeccompProfile's name (with -o spo).
    #[arg(long, default_value = "advised")]
    pub name: String,
    /// The SeccompProfile's namespace (with -o spo).
    #[arg(long)]
    pub namespace: Option<String>,
    /// Keep this profile's argument conditions (clone flags, personality, socket
    /// family), restricted to the values seen, instead of a flat allow-list.
    #[arg(long, value_name = "runtime-default|FILE")]
    pub base: Option<String>,
    /// Record an already running workload: the cgroup of this process.
    #[arg(long, conflicts_with_all = ["cgroup", "command"])]
    pub pid: Option<u32>,
    /// Record an already running workload: this cgroup2 directory.
    #[arg(long, conflicts_with = "command")]
    pub cgroup: Option<PathBuf>,
    /// With --pid/--cgroup: record for this long (30s, 5m); default until Ctrl-C.
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Print the raw recording (JSON) instead of a profile, for `kensa seccomp merge`.
    #[arg(long)]
    pub record_only: bool,
    /// The command to record.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

/// `kensa seccomp merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Profiles (OCI JSON) or recordings (from `advise --record-only`), at least two.
    #[arg(required = true, num_args = 2..)]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = ProfileFormat::Json)]
    pub format: ProfileFormat,
    /// The SeccompProfile's name (with -o spo).
    #[arg(long, default_value = "merged")]
    pub name: String,
    /// With recordings: the base, as for `advise --base`.
    #[arg(long, value_name = "runtime-default|FILE")]
    pub base: Option<String>,
}

/// `kensa seccomp install`.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// The profile (OCI JSON).
    pub profile: PathBuf,
    /// The kubelet's seccomp root.
    #[arg(long, default_value = DEFAULT_ROOT)]
    pub root: PathBuf,
    /// The profile's name (default: the file's name without .json).
    #[arg(long)]
    pub name: Option<String>,
}

/// Runs a `kensa seccomp` command.
pub fn run(command: SeccompCommand, color: ColorChoice) -> anyhow::Result<u8> {
    match command {
        SeccompCommand::Default(args) => default(&args),
        SeccompCommand::Validate(args) => validate_file(&args, color),
        SeccompCommand::Diff(args) => diff_profiles(&args),
        SeccompCommand::Run(args) => run_command(&args, color),
        SeccompCommand::Advise(args) => advise_command(&args, color),
        SeccompCommand::Merge(args) => merge(&args),
        SeccompCommand::Install(args) => install_profile(&args),
    }
}

/// This machine's architecture, in Go's names (which the resolver takes).
fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        "riscv64" => "riscv64",
        "s390x" => "s390x",
        "arm" => "arm",
        other => other,
    }
}

/// This machine's kernel version, from `uname -r` (e.g. `6.18.44-fc` → 6.18).
fn host_kernel() -> (u32, u32) {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .and_then(|text| parse_kernel(text.trim()))
        .unwrap_or((6, 8))
}

fn parse_kernel(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.split(['.', '-']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// `--caps`: a full set, or `+CAP` additions to the runtime's default.
fn capability_set(runtime: Runtime, caps: &[String]) -> Option<Vec<String>> {
    if caps.is_empty() {
        return None;
    }
    let normalise = |cap: &str| {
        let cap = cap.trim().to_ascii_uppercase();
        if cap.starts_with("CAP_") {
            cap
        } else {
            format!("CAP_{cap}")
        }
    };
    let mut set = if caps.iter().all(|c| c.starts_with('+')) {
        runtime.default_caps()
    } else {
        Vec::new()
    };
    for cap in caps {
        let cap = normalise(cap.trim_start_matches('+'));
        if !set.contains(&cap) {
            set.push(cap);
        }
    }
    Some(set)
}

fn runtime_default(caps: &[String]) -> anyhow::Result<Profile> {
    let runtime = Runtime::Containerd;
    let caps = capability_set(runtime, caps);
    Ok(resolve_default(
        runtime,
        host_arch(),
        caps.as_deref(),
        host_kernel(),
    )?)
}

/// A profile file, or `runtime-default`.
fn load_profile(name: &str, caps: &[String]) -> anyhow::Result<Profile> {
    if name == RUNTIME_DEFAULT {
        return runtime_default(caps);
    }
    let text = std::fs::read_to_string(name).with_context(|| format!("reading {name}"))?;
    Profile::from_json(&text).with_context(|| name.to_string())
}

fn print_profile(
    profile: &Profile,
    format: ProfileFormat,
    name: &str,
    namespace: Option<&str>,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    let text = match format {
        ProfileFormat::Json => format!("{}\n", profile.to_json()),
        ProfileFormat::Spo => to_spo(profile, name, namespace)?,
    };
    match out {
        Some(path) => output::write_atomically(path, |w| Ok(w.write_all(text.as_bytes())?)),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
            Ok(())
        }
    }
}

fn default(args: &DefaultArgs) -> anyhow::Result<u8> {
    let runtime: Runtime = args.runtime.parse()?;
    let kernel = match &args.kernel {
        Some(text) => parse_kernel(text)
            .with_context(|| format!("--kernel {text:?}: expected MAJOR.MINOR, e.g. 6.8"))?,
        None => host_kernel(),
    };
    let caps = capability_set(runtime, &args.caps);
    let arch = args.arch.as_deref().unwrap_or(host_arch());
    let profile = resolve_default(runtime, arch, caps.as_deref(), kernel)?;
    print_profile(&profile, args.format, &args.name, None, None)?;
    Ok(exit::OK)
}

fn validate_file(args: &ValidateArgs, color: ColorChoice) -> anyhow::Result<u8> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let target = match args.target.as_str() {
        "oci" => Target::Oci,
        _ => Target::ContainerdLocalhost,
    };
    let findings = validate(&text, target);
    let mut out = std::io::stdout().lock();
    if args.format == "json" {
        serde_json::to_writer_pretty(&mut out, &findings)?;
        writeln!(out)?;
    } else if findings.is_empty() {
        let style = Style { on: color.stdout() };
        writeln!(out, "{}", style.good("no problems found"))?;
    } else {
        let style = Style { on: color.stdout() };
        let file = args.file.display();
        for finding in &findings {
            let severity = match finding.severity {
                Severity::Error => style.bad("error"),
                Severity::Warning => style.warn("warning"),
                Severity::Info => style.dim("info"),
            };
            let at = if finding.path.is_empty() {
                String::new()
            } else {
                format!(" {}", finding.path)
            };
            writeln!(out, "{file}:{at}: {severity}: {}", finding.message)?;
        }
    }
    let failed = findings
        .iter()
        .any(|f| matches!(f.severity, Severity::Error | Severity::Warning));
    Ok(if failed { exit::FOUND } else { exit::OK })
}

fn diff_profiles(args: &DiffArgs) -> anyhow::Result<u8> {
    let a = load_profile(&args.a, &[])?;
    let b = load_profile(&args.b, &[])?;
    let changes = diff(&a, &b);
    let mut out = std::io::stdout().lock();
    if args.format == "json" {
        serde_json::to_writer_pretty(&mut out, &changes)?;
        writeln!(out)?;
    } else {
        out.write_all(changes.to_text().as_bytes())?;
    }
    Ok(if changes.is_empty() {
        exit::OK
    } else {
        exit::FOUND
    })
}

/// Where compiled filters are kept between runs: `$XDG_CACHE_HOME/kensa/seccomp`
/// or `~/.cache/kensa/seccomp` (the library trusts it only if it is private).
fn filter_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("kensa").join("seccomp"))
}

fn run_command(args: &RunArgs, color: ColorChoice) -> anyhow::Result<u8> {
    let profile = load_profile(&args.profile, &args.caps)?;
    let spec = FilterSpec::from_json(&profile.to_json())
        .with_context(|| format!("profile {}", args.profile))?;
    let caps = if args.caps.is_empty() {
        None
    } else {
        capability_set(Runtime::Containerd, &args.caps)
    };
    let options = RunOptions {
        caps,
        cache_dir: filter_cache_dir(),
        ..RunOptions::default()
    };
    let status = run_with(&spec, &args.command, &options).with_context(|| {
        format!(
            "running {} under {}",
            args.command[0].to_string_lossy(),
            args.profile
        )
    });
    let status = match status {
        Ok(status) => status,
        Err(err) => {
            output::error_line(color, &format!("{err:#}"));
            // The command did not run; say so with the usage code, not its own.
            return Ok(exit::USAGE);
        }
    };
    Ok(shell_exit_code(status))
}

fn parse_duration(text: &str) -> anyhow::Result<std::time::Duration> {
    let now = kensa_audit::time::Timestamp(i64::MAX / 2);
    let since = kensa_audit::query::parse_since(text, now)
        .with_context(|| format!("--duration {text:?}: expected e.g. 30s, 5m, 1h"))?;
    let micros = u64::try_from(now.0 - since.0).unwrap_or(0);
    Ok(std::time::Duration::from_micros(micros))
}

fn warn_incomplete(report: &RecordReport, color: ColorChoice) {
    for (arch, number) in &report.stats.unnamed {
        output::warning_line(
            color,
            &format!("syscall {number} on {arch} has no name in this libseccomp; it is left out"),
        );
    }
    if report.stats.lost_syscalls > 0 || report.stats.lost_arguments > 0 {
        output::warning_line(
            color,
            &format!(
                "the recorder's maps overflowed ({} syscalls, {} argument values lost): the profile may be incomplete",
                report.stats.lost_syscalls, report.stats.lost_arguments
            ),
        );
    }
}

fn advise_command(args: &AdviseArgs, color: ColorChoice) -> anyhow::Result<u8> {
    let (status, report) = if let Some(pid) = args.pid {
        let cgroup = record::cgroup_of_pid(pid).with_context(|| format!("--pid {pid}"))?;
        (None, record_running(&cgroup, args)?)
    } else if let Some(cgroup) = &args.cgroup {
        (None, record_running(cgroup, args)?)
    } else {
        if args.command.is_empty() {
            bail!("give a command after --, or --pid PID / --cgroup PATH");
        }
        // Ctrl-C reaches the command; kensa lives on to clean up its cgroup.
        record::stop_on_interrupt();
        // The profile owns stdout unless it goes to a file: the command's
        // own output then goes to stderr.
        let mut options = RecordOptions::default();
        options.command_stdout_to_stderr = args.out.is_none();
        let (status, report) =
            record::record_command(&args.command, &options).context("recording the command")?;
        (Some(status), report)
    };
    warn_incomplete(&report, color);
    if let Some(status) = status
        && !status.success()
    {
        output::warning_line(
            color,
            &format!(
                "the command exited with {}: the profile covers only what it did before that",
                shell_exit_code(status)
            ),
        );
    }
    if args.record_only {
        let text = serde_json::to_string_pretty(&report.recording)? + "\n";
        match &args.out {
            Some(path) => output::write_atomically(path, |w| Ok(w.write_all(text.as_bytes())?))?,
            None => std::io::stdout().lock().write_all(text.as_bytes())?,
        }
        return Ok(exit::OK);
    }
    emit_advice(
        &report.recording,
        args.base.as_deref(),
        args.format,
        &args.name,
        args.namespace.as_deref(),
        args.out.as_deref(),
        color,
    )?;
    Ok(exit::OK)
}

fn record_running(cgroup: &Path, args: &AdviseArgs) -> anyhow::Result<RecordReport> {
    let options = match &args.duration {
        Some(text) => RecordOptions::with_duration(parse_duration(text)?),
        None => RecordOptions::default(),
    };
    let stop = record::stop_on_interrupt();
    record::record_cgroup(cgroup, stop, &options)
        .with_context(|| format!("recording cgroup {}", cgroup.display()))
}

fn emit_advice(
    recording: &Recording,
    base: Option<&str>,
    format: ProfileFormat,
    name: &str,
    namespace: Option<&str>,
    out: Option<&Path>,
    color: ColorChoice,
) -> anyhow::Result<()> {
    let base = match base {
        Some(name) => Some(load_profile(name, &[])?),
        None => None,
    };
    let advice = advise(recording, base.as_ref(), std::env::consts::ARCH)?;
    for note in &advice.notes {
        output::warning_line(color, note);
    }
    print_profile(&advice.profile, format, name, namespace, out)
}

fn merge(args: &MergeArgs) -> anyhow::Result<u8> {
    let mut profiles = Vec::new();
    let mut recording: Option<Recording> = None;
    for path in &args.files {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        if let Ok(part) = serde_json::from_str::<Recording>(&text)
            && text.contains("\"syscalls\"")
            && !text.contains("\"defaultAction\"")
        {
            match &mut recording {
                Some(all) => all.merge(part),
                None => recording = Some(part),
            }
        } else {
            profiles.push(Profile::from_json(&text).with_context(|| path.display().to_string())?);
        }
    }
    match (recording, profiles.is_empty()) {
        (Some(recording), true) => {
            emit_advice(
                &recording,
                args.base.as_deref(),
                args.format,
                &args.name,
                None,
                None,
                ColorChoice::Auto,
            )?;
        }
        (None, false) => {
            let mut merged = profiles.remove(0);
            for profile in &profiles {
                merged = merge_profiles(&merged, profile)?;
            }
            print_profile(&merged, args.format, &args.name, None, None)?;
        }
        _ => bail!("merge takes either profiles or recordings, not both"),
    }
    Ok(exit::OK)
}

fn install_profile(args: &InstallArgs) -> anyhow::Result<u8> {
    let text = std::fs::read_to_string(&args.profile)
        .with_context(|| format!("reading {}", args.profile.display()))?;
    Profile::from_json(&text).with_context(|| args.profile.display().to_string())?;
    let name = match &args.name {
        Some(name) => name.clone(),
        None => args
            .profile
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .context("--name is needed: the file has no name")?,
    };
    let installed = install(&text, &args.root, &name)?;
    eprintln!("installed {}", installed.path.display());
    print!("{}", installed.snippet);
    Ok(exit::OK)
}
