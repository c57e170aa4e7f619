//! `kensa audit policy eval|lint|simulate`: the API server's audit policy,
//! evaluated, linted and tried on a real log.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use kensa_audit::event::Event;
use kensa_audit::policy::lint::{self, Severity};
use kensa_audit::policy::simulate::Simulation;
use kensa_audit::policy::{Attributes, Policy};
use kensa_audit::read::{self, ReadOptions};
use kensa_audit::report::{Aggregate, Table};
use serde::Serialize;

use super::audit_output::{self, Format};
use crate::exit;
use crate::output::{ColorChoice, Style};

/// `kensa audit policy`.
#[derive(Debug, clap::Subcommand)]
pub enum PolicyCommand {
    /// The level and omitted stages the API server would use for one request.
    #[command(after_help = "\
The answer follows the API server's first-match rules exactly: the first rule whose
users, groups, verbs, resources (or nonResourceURLs) and namespaces all match decides;
no match means level None. omitStages joins the policy's and the rule's.

Examples:
  kensa audit policy eval policy.yaml --user alice --verb get --resource secrets --namespace web
  kensa audit policy eval policy.yaml --user system:kube-proxy --user-group system:authenticated \\
      --verb watch --resource endpointslices.discovery.k8s.io
  kensa audit policy eval policy.yaml --user alice --verb create --resource pods/exec --namespace web
  kensa audit policy eval policy.yaml --user alice --verb get --path /healthz")]
    Eval(EvalArgs),
    /// Find mistakes in an audit policy: unreachable rules, secrets logged with bodies, ...
    #[command(after_help = "\
Checks (code, severity):
  unreachable rules (shadowed by earlier ones), secrets/configmaps/tokens logged at
  Request or RequestResponse, RequestReceived not omitted, no catch-all rule,
  likely-huge events (RequestResponse on high-volume reads), unknown fields.

Exit codes: 0 no warnings or errors, 1 warnings or errors found, 2 unreadable policy.")]
    Lint(LintArgs),
    /// How many events and bytes a policy would keep, compared with a real log.
    #[command(after_help = "\
Each event of the log is matched against POLICY as the API server would. Events whose
stage the policy omits, or whose level is None, are dropped; events kept at a lower
level lose their request/response bodies (their bytes are subtracted). Events the policy
wants at a higher level than the log has are counted apart: the log cannot show them.

Example:
  kensa audit policy simulate new-policy.yaml /var/log/kubernetes/audit/")]
    Simulate(SimulateArgs),
}

/// `kensa audit policy eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The audit policy (YAML or JSON).
    pub policy: PathBuf,
    /// The user name (empty for an unauthenticated request).
    #[arg(long, default_value = "")]
    pub user: String,
    /// A group of the user (repeatable).
    #[arg(long = "user-group", value_name = "GROUP")]
    pub user_groups: Vec<String>,
    /// The verb: get, list, watch, create, update, patch, delete, ...
    #[arg(long)]
    pub verb: String,
    /// The resource in kubectl's form: pods, deployments.apps, pods/exec, deployments.apps/scale.
    #[arg(long, conflicts_with = "path", required_unless_present = "path")]
    pub resource: Option<String>,
    /// The namespace (resource requests).
    #[arg(long, short = 'n', requires = "resource")]
    pub namespace: Option<String>,
    /// The object's name (resource requests).
    #[arg(long, requires = "resource")]
    pub name: Option<String>,
    /// A non-resource path, e.g. /healthz or /metrics.
    #[arg(long)]
    pub path: Option<String>,
    /// table or json.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `kensa audit policy lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// The audit policy (YAML or JSON).
    pub policy: PathBuf,
    /// table or json.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `kensa audit policy simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// The audit policy to try.
    pub policy: PathBuf,
    /// Audit logs (files, directories, - for stdin).
    #[arg(required = true)]
    pub logs: Vec<PathBuf>,
    /// table or json.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Top-N length of the resources table.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
}

/// Reads and parses a policy, naming the file in errors.
pub fn load_policy(path: &Path) -> anyhow::Result<Policy> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading audit policy {}", path.display()))?;
    Policy::from_yaml(&text).with_context(|| format!("{}", path.display()))
}

/// Runs a `kensa audit policy` command.
pub fn run(command: PolicyCommand, color: ColorChoice) -> anyhow::Result<u8> {
    match command {
        PolicyCommand::Eval(args) => eval(&args, color),
        PolicyCommand::Lint(args) => lint_policy(&args, color),
        PolicyCommand::Simulate(args) => simulate(&args, color),
    }
}

fn eval(args: &EvalArgs, color: ColorChoice) -> anyhow::Result<u8> {
    let policy = load_policy(&args.policy)?;
    let attributes = Attributes::from_cli(
        &args.user,
        &args.user_groups,
        &args.verb,
        args.resource.as_deref(),
        args.namespace.as_deref(),
        args.name.as_deref(),
        args.path.as_deref(),
    )?;
    let evaluation = policy.evaluate(&attributes);
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct EvalJson {
        level: &'static str,
        omit_stages: Vec<&'static str>,
        omit_managed_fields: bool,
        rule_index: Option<usize>,
    }
    let json = EvalJson {
        level: evaluation.level.as_str(),
        omit_stages: evaluation.omit_stages.iter().map(|s| s.as_str()).collect(),
        omit_managed_fields: evaluation.omit_managed_fields,
        rule_index: evaluation.rule_index,
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json | Format::Jsonl => {
            serde_json::to_writer_pretty(&mut out, &json)?;
            writeln!(out)?;
        }
        _ => {
            let style = Style { on: color.stdout() };
            let rule = match evaluation.rule_index {
                Some(index) => format!("rule {index} (0-based)"),
                None => "no rule matched: the default".to_string(),
            };
            writeln!(out, "level:             {}", style.strong(json.level))?;
            let omitted = if json.omit_stages.is_empty() {
                "(none)".to_string()
            } else {
                json.omit_stages.join(", ")
            };
            writeln!(out, "omitStages:        {omitted}")?;
            writeln!(out, "omitManagedFields: {}", json.omit_managed_fields)?;
            writeln!(out, "decided by:        {rule}")?;
        }
    }
    Ok(exit::OK)
}

fn lint_policy(args: &LintArgs, color: ColorChoice) -> anyhow::Result<u8> {
    let text = std::fs::read_to_string(&args.policy)
        .with_context(|| format!("reading audit policy {}", args.policy.display()))?;
    let policy = Policy::from_yaml(&text).with_context(|| format!("{}", args.policy.display()))?;
    let lints = lint::lint(&policy, &text);
    let mut out = std::io::stdout().lock();
    let color = color.stdout();
    let style = Style { on: color };
    match args.format {
        Format::Json | Format::Jsonl => {
            serde_json::to_writer_pretty(&mut out, &lints)?;
            writeln!(out)?;
        }
        _ if lints.is_empty() => writeln!(out, "{}", style.good("no problems found"))?,
        _ => {
            let path = args.policy.display().to_string();
            for lint in &lints {
                let severity = match lint.severity {
                    Severity::Error => style.bad("error"),
                    Severity::Warning => style.warn("warning"),
                    Severity::Info => style.dim("info"),
                };
                let place = match lint.line {
                    Some(line) => format!("{path}:{line}"),
                    None => path.clone(),
                };
                let rule = lint
                    .rule_index
                    .map(|index| format!(" (rule {index})"))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "{place}: {severity}[{}]{rule}: {}",
                    lint.code, lint.message
                )?;
            }
        }
    }
    let failed = lints.iter().any(|lint| lint.severity >= Severity::Warning);
    Ok(if failed { exit::FOUND } else { exit::OK })
}

fn simulate(args: &SimulateArgs, color: ColorChoice) -> anyhow::Result<u8> {
    let policy = Arc::new(load_policy(&args.policy)?);
    let streams = read::plan(&args.logs)?;
    let prototype = Simulation::new(policy, args.top);
    let (simulation, stats) = read::fold(
        &streams,
        &ReadOptions::default(),
        || prototype.fresh(),
        |simulation: &mut Simulation, event: &Event<'_>, line: &[u8]| simulation.add(event, line),
        |mut a, b| {
            a.merge(b);
            a
        },
    )?;
    eprintln!("{}", stats.summary_line());
    let report = simulation.finish();
    let tables: Vec<Table> = report.tables();
    let mut out = std::io::stdout().lock();
    audit_output::report(&mut out, args.format, &report, &tables, color.stdout())?;
    Ok(exit::OK)
}
