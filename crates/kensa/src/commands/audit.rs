//! `kensa audit`: filter, count and report on API server audit logs, and
//! work with audit policies.

use std::io::{IsTerminal, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, bail};
use kensa_audit::detect::{self, Detections, Priority};
use kensa_audit::event::Event;
use kensa_audit::line::ReadStats;
use kensa_audit::query::{self, Counter, Deduper, Field, Projection, Query};
use kensa_audit::read::{self, ReadOptions, Stream};
use kensa_audit::report::Aggregate;
use kensa_audit::report::authz::Authz;
use kensa_audit::report::exec::Exec;
use kensa_audit::report::pss::Pss;
use kensa_audit::report::rbac::{Principal, Rbac, RbacOptions};
use kensa_audit::report::secrets::Secrets;
use kensa_audit::report::summary::Summary;
use kensa_audit::time::Timestamp;

use super::audit_output::{self, EventWriter, Format};
use super::audit_policy;
use crate::exit;
use crate::output::{self, ColorChoice};

const AFTER_HELP: &str = "\
Inputs:
  FILE   an audit log: JSON lines (log backend), EventList bodies (webhook backend,
         one per line or a whole file), audit.k8s.io/v1 or v1beta1, plain or gzip
         (told by content), legacy text lines, CRI-wrapped lines (P/F pieces joined).
         Directories are read for *.log, *.log.gz, *.json, *.jsonl, *.gz.
         Rotated sets (audit.log + audit-2025-03-14T09-00-00.512.log[.gz]) are read
         oldest first as one stream; several streams (one per API server) are
         merged into one timeline. - (or no FILE with a pipe) reads stdin.
  Bad lines (garbage, truncated last line, non-events) are skipped and counted in
  the summary line on stderr; --strict makes the first one an error.

Reports (--report NAME; --where filters apply first):
  summary     events, time span, top users, verbs, resources, namespaces, errors, bytes
  pss         PodSecurity audit violations and enforce denials, by namespace and check
  authz       forbidden (403) and unauthenticated (401) requests, by user
  exec        exec, attach and port-forward sessions (SPDY and WebSocket), commands redacted
  secrets     who read which secrets
  detections  Falco's k8s_audit rules and kensa's own (--rules, --policy FILE, --fail-on)
  rbac        least-privilege Roles/ClusterRoles from what principals did (-o yaml)

Exit codes:
  0  done (queries exit 0 whether or not anything matched)
  1  --report detections: a rule at or above --fail-on fired
  2  usage error, unreadable input, or a bad line with --strict

Examples:
  kensa audit audit.log --where verb=create --where resource=pods
  kensa audit cp-*/ --where 'user=system:serviceaccount:*' --where code=4xx -o jsonl
  kensa audit audit.log --top 10 --by user --where decision=forbid
  kensa audit audit.log --report detections --policy audit-policy.yaml
  kensa audit audit.log --report rbac --principal system:serviceaccount:ci:deployer -o yaml
  kensa audit -f /var/log/kubernetes/audit.log --where resource=secrets
  kensa audit policy lint audit-policy.yaml";

/// `kensa audit`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct AuditArgs {
    /// Audit-policy tools and the log generator.
    #[command(subcommand)]
    pub command: Option<AuditCommand>,

    /// Audit logs, directories or `-` for stdin.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Keep events where FIELD matches (repeatable, ANDed). See "Filters" below.
    #[arg(short = 'w', long = "where", value_name = "EXPR", long_help = where_long_help())]
    pub wheres: Vec<String>,

    /// Keep events of these stages (comma-separated or repeated), e.g. ResponseComplete.
    #[arg(long, value_delimiter = ',', value_name = "STAGE")]
    pub stage: Vec<String>,

    /// Keep events from the last DURATION (30s, 15m, 2h, 1d, 1h30m), counted back from now.
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,

    /// Keep events at or after TIME (RFC 3339 or YYYY-MM-DD).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,

    /// Keep events before TIME (RFC 3339 or YYYY-MM-DD).
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,

    /// Join the stages of one request (by auditID) into one record.
    #[arg(long)]
    pub dedupe: bool,

    /// Print a report instead of events.
    #[arg(long, value_enum, value_name = "NAME")]
    pub report: Option<ReportName>,

    /// Output format: table, json, jsonl (events), yaml (--report rbac).
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Columns for table output, or the keys kept in json/jsonl (comma-separated fields).
    #[arg(long, value_delimiter = ',', value_name = "FIELDS")]
    pub fields: Vec<String>,

    /// Print the number of matching events only.
    #[arg(long, conflicts_with_all = ["report", "top"])]
    pub count: bool,

    /// Print the N most common values of --by among matching events.
    #[arg(long, value_name = "N", requires = "by", conflicts_with = "report")]
    pub top: Option<usize>,

    /// The field for --top.
    #[arg(long, value_name = "FIELD", requires = "top")]
    pub by: Option<String>,

    /// Stop after N matching events.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,

    /// Follow one growing file (like tail -F; survives rotation). Ctrl-C stops.
    #[arg(short = 'f', long, conflicts_with_all = ["report", "count", "top", "dedupe"])]
    pub follow: bool,

    /// With --follow: read the file from its start first (default: only new lines).
    #[arg(long, requires = "follow")]
    pub from_start: bool,

    /// Fail on the first line that is not an audit event.
    #[arg(long)]
    pub strict: bool,

    /// --report detections: flag rules that cannot fire under this audit policy.
    #[arg(long, value_name = "POLICY")]
    pub policy: Option<PathBuf>,

    /// --report detections: rules to add (ids or Falco names, comma-separated; `all`).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub rules: Vec<String>,

    /// --report detections: rules to leave out (ids or Falco names, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub disable_rules: Vec<String>,

    /// --report detections: exit 1 when a rule of at least this priority fires.
    #[arg(long, value_name = "PRIORITY", default_value = "WARNING")]
    pub fail_on: String,

    /// --report detections: list the rules and exit.
    #[arg(long)]
    pub list_rules: bool,

    /// --report rbac: whose roles to write: a user, system:serviceaccount:NS:NAME, or `all`.
    #[arg(long, value_name = "PRINCIPAL", default_value = "all")]
    pub principal: String,

    /// --report rbac: leave out requests that were denied (audit2rbac keeps them).
    #[arg(long)]
    pub allowed_only: bool,

    /// --report rbac: name at most N objects per rule before granting the whole resource.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub max_names: usize,

    /// Top-N length for report tables.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub report_top: usize,

    /// No progress bar.
    #[arg(long)]
    pub no_progress: bool,

    /// No summary line on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

fn where_long_help() -> String {
    format!(
        "Keep events where FIELD matches (repeatable; several are ANDed).\n\n{}",
        query::WHERE_HELP
    )
}

/// `kensa audit policy ...` and `kensa audit generate`.
#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Audit policies: evaluate a request, lint, simulate on a log.
    #[command(subcommand)]
    Policy(audit_policy::PolicyCommand),
    /// Write a realistic, seeded audit log (for benchmarks and demos).
    Generate(GenerateArgs),
}

/// `--report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportName {
    /// Events, time span, top users, verbs, resources, errors and bytes.
    Summary,
    /// PodSecurity audit violations and enforce denials.
    Pss,
    /// Forbidden and unauthenticated requests, by user.
    Authz,
    /// exec, attach and port-forward sessions.
    Exec,
    /// Who read which secrets.
    Secrets,
    /// Detection rules (Falco's k8s_audit rules and kensa's own).
    Detections,
    /// Least-privilege RBAC from what principals did.
    Rbac,
}

/// `kensa audit generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The seed: equal seeds give byte-identical logs.
    #[arg(long, default_value_t = 20_250_314)]
    pub seed: u64,
    /// How much to write: bytes, or with a unit (K, M, G: powers of 1024).
    #[arg(long, default_value = "100M", value_parser = parse_size)]
    pub size: u64,
    /// Mean requests per second of log time.
    #[arg(long, default_value_t = 500)]
    pub rate: u32,
    /// Write here (via a temporary file and rename) instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let shift = match unit.to_ascii_uppercase().trim_end_matches(['B', 'I']) {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        _ => return Err(format!("unknown unit {unit:?}: use K, M or G")),
    };
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size like 512M or 2G"))?;
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("{text:?} is too large"))
}

/// Runs `kensa audit`.
pub fn run(args: AuditArgs, color: ColorChoice) -> anyhow::Result<u8> {
    match args.command {
        Some(AuditCommand::Policy(command)) => return audit_policy::run(command, color),
        Some(AuditCommand::Generate(generate)) => return run_generate(&generate),
        None => {}
    }
    if args.list_rules {
        audit_output::list_rules(&mut std::io::stdout().lock(), args.format, color.stdout())?;
        return Ok(exit::OK);
    }
    let query = build_query(&args)?;
    let files = input_files(&args)?;
    if args.follow {
        return run_follow(&args, &files, &query, color);
    }
    let streams = read::plan(&files)?;
    let progress = Progress::new(&streams, args.no_progress);
    let prefilter = query.prefilter();
    let may_match = |line: &[u8]| prefilter.as_ref().is_none_or(|p| p.may_match(line));
    let progress_fn = |bytes: u64| progress.set(bytes);
    let options = ReadOptions {
        strict: args.strict,
        prefilter: prefilter.is_some().then_some(&may_match as _),
        progress: progress.active().then_some(&progress_fn as _),
        ..ReadOptions::default()
    };
    let outcome = if let Some(report) = args.report {
        run_report(&args, report, &streams, &options, &query, color)
    } else if args.count || args.top.is_some() {
        run_counter(&args, &streams, &options, &query, color)
    } else {
        run_events(&args, &streams, &options, &query, color)
    };
    progress.finish();
    let (code, stats, matched) = outcome?;
    summary_line(&args, &stats, matched, color);
    if stats.events == 0 && stats.problems() > 0 && stats.lines > 0 {
        output::error_line(color, "no audit events could be read");
        return Ok(exit::USAGE);
    }
    Ok(code)
}

fn summary_line(args: &AuditArgs, stats: &ReadStats, matched: Option<u64>, color: ColorChoice) {
    if args.quiet {
        return;
    }
    let mut line = stats.summary_line();
    if let Some(matched) = matched {
        line.push_str(&format!(
            "; {} matched",
            kensa_audit::line::thousands(matched)
        ));
    }
    if stats.problems() > 0 {
        output::warning_line(color, &line);
    } else {
        eprintln!("{line}");
    }
}

fn input_files(args: &AuditArgs) -> anyhow::Result<Vec<PathBuf>> {
    if !args.files.is_empty() {
        return Ok(args.files.clone());
    }
    if std::io::stdin().is_terminal() {
        bail!("no input: give audit log files (or `-` to read stdin); see `kensa audit --help`");
    }
    Ok(vec![PathBuf::from("-")])
}

fn build_query(args: &AuditArgs) -> anyhow::Result<Query> {
    let mut wheres = args.wheres.clone();
    if !args.stage.is_empty() {
        wheres.push(format!("stage={}", args.stage.join("|")));
    }
    let query = Query::parse(&wheres)?;
    let now = Timestamp(now_micros());
    let from = match (&args.since, &args.from) {
        (Some(_), Some(_)) => bail!("--since and --from cannot be used together"),
        (Some(since), None) => {
            Some(query::parse_since(since, now).with_context(|| format!("--since {since:?}"))?)
        }
        (None, Some(from)) => {
            Some(query::parse_time(from).with_context(|| format!("--from {from:?}"))?)
        }
        (None, None) => None,
    };
    let to = match &args.to {
        Some(to) => Some(query::parse_time(to).with_context(|| format!("--to {to:?}"))?),
        None => None,
    };
    Ok(query.with_time(from, to))
}

fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// Folds every matching event into a report, on every core.
fn fold_matching<A: Aggregate + Sync>(
    streams: &[Stream],
    options: &ReadOptions<'_>,
    query: &Query,
    prototype: &A,
) -> anyhow::Result<(A, ReadStats)> {
    let (aggregate, stats) = read::fold(
        streams,
        options,
        || prototype.fresh(),
        |aggregate: &mut A, event: &Event<'_>, line: &[u8]| {
            if query.matches(event) {
                aggregate.add(event, line);
            }
        },
        |mut a, b| {
            a.merge(b);
            a
        },
    )?;
    Ok((aggregate, stats))
}

fn run_report(
    args: &AuditArgs,
    report: ReportName,
    streams: &[Stream],
    options: &ReadOptions<'_>,
    query: &Query,
    color: ColorChoice,
) -> anyhow::Result<(u8, ReadStats, Option<u64>)> {
    let mut out = std::io::stdout().lock();
    let format = args.format;
    let color = color.stdout();
    let top = args.report_top;
    if format == Format::Yaml && report != ReportName::Rbac {
        bail!("-o yaml is for --report rbac; use table or json");
    }
    if format == Format::Jsonl {
        bail!("-o jsonl is for events; reports are table or json");
    }
    let mut print = |report: &dyn audit_output::PrintableReport| -> anyhow::Result<()> {
        audit_output::print_report(&mut out, format, report, color)
    };
    let stats = match report {
        ReportName::Summary => {
            let (summary, stats) = fold_matching(streams, options, query, &Summary::new(top))?;
            print(&summary.finish())?;
            stats
        }
        ReportName::Pss => {
            let (pss, stats) = fold_matching(streams, options, query, &Pss::new())?;
            print(&pss.finish())?;
            stats
        }
        ReportName::Authz => {
            let (authz, stats) = fold_matching(streams, options, query, &Authz::new(top))?;
            print(&authz.finish())?;
            stats
        }
        ReportName::Exec => {
            let (exec, stats) = fold_matching(streams, options, query, &Exec::new())?;
            print(&exec.finish())?;
            stats
        }
        ReportName::Secrets => {
            let (secrets, stats) = fold_matching(streams, options, query, &Secrets::new())?;
            print(&secrets.finish())?;
            stats
        }
        ReportName::Rbac => {
            let principal = parse_principal(&args.principal)?;
            let mut options_rbac = RbacOptions::new(principal);
            options_rbac.include_denied = !args.allowed_only;
            options_rbac.max_resource_names = Some(args.max_names);
            let (rbac, stats) = fold_matching(streams, options, query, &Rbac::new(options_rbac))?;
            let report = rbac.finish();
            if format == Format::Yaml {
                out.write_all(report.to_yaml().as_bytes())?;
            } else {
                print(&report)?;
            }
            stats
        }
        ReportName::Detections => return run_detections(args, streams, options, query, color),
    };
    out.flush()?;
    Ok((exit::OK, stats, None))
}

fn parse_principal(text: &str) -> anyhow::Result<Principal> {
    if text == "all" {
        return Ok(Principal::All);
    }
    if let Some(rest) = text.strip_prefix("system:serviceaccount:") {
        return Principal::service_account(rest).with_context(|| {
            format!("--principal {text:?}: expected system:serviceaccount:NAMESPACE:NAME")
        });
    }
    if text.is_empty() {
        bail!("--principal is empty: give a user name, system:serviceaccount:NS:NAME or all");
    }
    Ok(Principal::User(text.to_string()))
}

fn run_detections(
    args: &AuditArgs,
    streams: &[Stream],
    options: &ReadOptions<'_>,
    query: &Query,
    color: bool,
) -> anyhow::Result<(u8, ReadStats, Option<u64>)> {
    let fail_on = Priority::parse(&args.fail_on).with_context(|| {
        format!(
            "--fail-on {:?}: use EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFO or DEBUG",
            args.fail_on
        )
    })?;
    let enable: Vec<&str> = args.rules.iter().map(String::as_str).collect();
    let disable: Vec<&str> = args.disable_rules.iter().map(String::as_str).collect();
    let rules = detect::select_rules(&enable, &disable)?;
    let silenced = match &args.policy {
        Some(path) => {
            let policy = audit_policy::load_policy(path)?;
            detect::silenced_rules(&rules, &|attributes| policy.evaluate(attributes))
        }
        None => Vec::new(),
    };
    let (detections, stats) =
        fold_matching(streams, options, query, &Detections::new(rules.clone()))?;
    let report = detections.finish();
    let mut out = std::io::stdout().lock();
    audit_output::detections(&mut out, args.format, &report, &silenced, color)?;
    out.flush()?;
    let failed = report.hits.iter().any(|hit| hit.priority.at_least(fail_on));
    Ok((if failed { exit::FOUND } else { exit::OK }, stats, None))
}

fn run_counter(
    args: &AuditArgs,
    streams: &[Stream],
    options: &ReadOptions<'_>,
    query: &Query,
    color: ColorChoice,
) -> anyhow::Result<(u8, ReadStats, Option<u64>)> {
    let by = match &args.by {
        Some(name) => Some(Field::parse(name).with_context(|| format!("--by {name:?}"))?),
        None => None,
    };
    let prototype = Counter::new(by, args.top.unwrap_or(0));
    let (counter, stats) = fold_matching(streams, options, query, &prototype)?;
    let counts = counter.finish();
    let mut out = std::io::stdout().lock();
    audit_output::counts(&mut out, args.format, &counts, color.stdout())?;
    out.flush()?;
    Ok((exit::OK, stats, Some(counts.total)))
}

fn projection(args: &AuditArgs) -> anyhow::Result<Projection> {
    if args.fields.is_empty() {
        return Ok(Projection::new(query::default_fields()));
    }
    let fields = args
        .fields
        .iter()
        .map(|name| Field::parse(name).with_context(|| format!("--fields {name:?}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Projection::new(fields))
}

/// One matching event, ready to print: its time (to merge streams), its
/// audit id and stage (for --dedupe) and what will be printed.
struct Matched {
    time: Option<Timestamp>,
    record: audit_output::Record,
}

impl read::Timed for Matched {
    fn time(&self) -> Option<Timestamp> {
        self.time
    }
}

fn run_events(
    args: &AuditArgs,
    streams: &[Stream],
    options: &ReadOptions<'_>,
    query: &Query,
    color: ColorChoice,
) -> anyhow::Result<(u8, ReadStats, Option<u64>)> {
    let projection = projection(args)?;
    let explicit_fields = !args.fields.is_empty();
    let stdout = std::io::stdout();
    let mut writer = EventWriter::new(
        stdout.lock(),
        args.format,
        &projection,
        explicit_fields,
        color.stdout(),
    )?;
    let mut deduper = args.dedupe.then(Deduper::new);
    let mut printed = 0usize;
    let limit = args.limit.unwrap_or(usize::MAX);
    let mut failure: Option<std::io::Error> = None;
    let stats = read::for_each_ordered(
        streams,
        options,
        |event: &Event<'_>, line: &[u8]| {
            query.matches(event).then(|| Matched {
                time: event.time(),
                record: audit_output::Record::new(event, line, &projection),
            })
        },
        |matched: Matched| {
            let records = match deduper.as_mut() {
                Some(deduper) => {
                    let record = matched.record;
                    let (id, stage) = (record.audit_id.clone(), record.stage);
                    deduper
                        .push(&id, stage, matched.time, record)
                        .into_iter()
                        .map(|joined| audit_output::Record::joined(joined, &projection))
                        .collect()
                }
                None => vec![matched.record],
            };
            for record in records {
                if let Err(err) = writer.write(record) {
                    failure = Some(err);
                    return ControlFlow::Break(());
                }
                printed += 1;
                if printed >= limit {
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        },
    )?;
    if let Some(deduper) = deduper {
        for record in deduper
            .finish()
            .into_iter()
            .map(|joined| audit_output::Record::joined(joined, &projection))
        {
            if printed >= limit {
                break;
            }
            writer.write(record)?;
            printed += 1;
        }
    }
    if let Some(err) = failure
        && err.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(err.into());
    }
    match writer.finish() {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => return Err(err.into()),
        _ => {}
    }
    Ok((exit::OK, stats, Some(printed as u64)))
}

fn run_follow(
    args: &AuditArgs,
    files: &[PathBuf],
    query: &Query,
    color: ColorChoice,
) -> anyhow::Result<u8> {
    let [path] = files else {
        bail!("--follow takes exactly one file");
    };
    if path == Path::new("-") {
        bail!("--follow needs a file, not stdin");
    }
    let projection = projection(args)?;
    let stdout = std::io::stdout();
    let writer = Mutex::new(EventWriter::new(
        stdout.lock(),
        args.format,
        &projection,
        !args.fields.is_empty(),
        color.stdout(),
    )?);
    let options = ReadOptions {
        strict: args.strict,
        ..ReadOptions::default()
    };
    let mut printed = 0usize;
    let limit = args.limit.unwrap_or(usize::MAX);
    let stats = read::follow(path, &options, args.from_start, |event, line| {
        if !query.matches(event) {
            return ControlFlow::Continue(());
        }
        let record = audit_output::Record::new(event, line, &projection);
        let Ok(mut writer) = writer.lock() else {
            return ControlFlow::Break(());
        };
        if writer.write(record).and_then(|()| writer.flush()).is_err() {
            return ControlFlow::Break(());
        }
        printed += 1;
        if printed >= limit {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    if let Ok(writer) = writer.into_inner() {
        let _ = writer.finish();
    }
    summary_line(args, &stats, Some(printed as u64), color);
    Ok(exit::OK)
}

fn run_generate(args: &GenerateArgs) -> anyhow::Result<u8> {
    let options = kensa_audit::generate::GenerateOptions {
        seed: args.seed,
        target_bytes: args.size,
        requests_per_second: args.rate,
        ..Default::default()
    };
    let stats = match &args.output {
        Some(path) => {
            let mut stats = None;
            output::write_atomically(path, |out| {
                let mut out = out;
                stats = Some(kensa_audit::generate::generate(&options, &mut out)?);
                Ok(())
            })?;
            stats
        }
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            let stats = kensa_audit::generate::generate(&options, &mut out);
            match stats.and_then(|stats| out.flush().map(|()| stats)) {
                Ok(stats) => Some(stats),
                Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => None,
                Err(err) => return Err(err.into()),
            }
        }
    };
    if let Some(stats) = stats {
        eprintln!(
            "wrote {} events ({} requests, {} pod creates) in {}",
            kensa_audit::line::thousands(stats.lines),
            kensa_audit::line::thousands(stats.requests),
            kensa_audit::line::thousands(stats.pod_creates),
            kensa_audit::line::human_bytes(stats.bytes),
        );
    }
    Ok(exit::OK)
}

/// A byte-count progress bar on stderr, for long reads on a terminal.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

/// Inputs smaller than this finish too quickly for a bar to help.
const PROGRESS_MIN_BYTES: u64 = 256 << 20;

impl Progress {
    fn new(streams: &[Stream], disabled: bool) -> Progress {
        let total: u64 = streams.iter().map(Stream::disk_size).sum();
        if disabled || total < PROGRESS_MIN_BYTES || !std::io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        ) {
            bar.set_style(style);
        }
        Progress { bar: Some(bar) }
    }

    fn active(&self) -> bool {
        self.bar.is_some()
    }

    fn set(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(bytes);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
