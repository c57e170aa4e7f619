//! `kensa pss`: Pod Security Standards.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use kensa_pss::api::{Level, Version};

use crate::output::ColorChoice;

/// `kensa pss ...`
#[derive(Subcommand)]
pub enum PssCommand {
    /// Check manifests against a Pod Security Standards level.
    #[command(
        long_about = "Check manifests against a Pod Security Standards level, with the exact results and \
            messages of the API server's Pod Security Admission.\n\n\
            Reads files, directories (recursively: *.yaml, *.yml, *.json) and stdin (-): multi-document \
            YAML, JSON, List kinds, and `kubectl get -o json|yaml` output. Pod, Deployment, ReplicaSet, \
            StatefulSet, DaemonSet, Job, CronJob, ReplicationController and PodTemplate are checked; other \
            kinds are counted and skipped.",
        after_help = "Examples:\n  kensa pss check deploy/\n  kubectl get pods -A -o json | kensa pss check --level baseline -\n  \
            kensa pss check --explain app.yaml\n\n\
            Exit codes:\n  0  every pod-bearing object passes\n  1  an object violates the level, or a document could not be read or parsed\n  \
            2  usage error, or no input could be read (including empty input)"
    )]
    Check(CheckArgs),
    /// Preview what labelling namespaces with an enforce level would warn about.
    #[command(
        long_about = "Preview `kubectl label --dry-run=server --overwrite ns --all \
            pod-security.kubernetes.io/enforce=LEVEL`: for each namespace (sorted by name), the API \
            server's warnings about existing pods that would violate the new level, grouped as the API \
            server groups them, then `namespace/NS labeled (server dry run)`.\n\n\
            The cluster comes from a snapshot file: what `kubectl get namespaces,pods -A -o json` (or -o yaml) \
            prints, or from a live cluster with --context.",
        after_help = "Examples:\n  kubectl get namespaces,pods -A -o json > cluster.json\n  \
            kensa pss namespaces --level restricted --snapshot cluster.json\n  \
            kensa pss namespaces --level baseline --snapshot cluster.json shop legacy\n\n\
            Exit codes:\n  0  no existing pod would violate the level\n  1  some existing pods would violate it (or a label is invalid)\n  \
            2  usage error, or the snapshot could not be read"
    )]
    Namespaces(NamespacesArgs),
}

/// Output formats of `pss check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// One line per violating object, then a summary.
    Table,
    /// Per object: level, version, allowed, failed checks (documented in docs/pss.md).
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// JUnit XML, one test case per object.
    Junit,
}

/// Output formats of `pss namespaces`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NamespacesFormat {
    /// Exactly what kubectl prints.
    Text,
    /// Per namespace: the label change, warnings and errors.
    Json,
}

/// Arguments of `kensa pss check`.
#[derive(Args)]
pub struct CheckArgs {
    /// Files or directories to check; `-` reads stdin.
    #[arg(value_name = "PATH|-")]
    pub paths: Vec<PathBuf>,
    /// The level to check against.
    #[arg(long, value_enum, default_value_t = LevelArg::Restricted)]
    pub level: LevelArg,
    /// The policy version: `latest` or `v1.N` (v1.0 to v1.37; newer versions evaluate as latest).
    #[arg(long, default_value = "latest", value_parser = parse_version)]
    pub version: Version,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = CheckFormat::Table)]
    pub output: CheckFormat,
    /// For each failure, print the fields to change and the values that pass.
    #[arg(long)]
    pub explain: bool,
}

/// Arguments of `kensa pss namespaces`.
#[derive(Args)]
pub struct NamespacesArgs {
    /// The enforce level to preview.
    #[arg(long, value_enum)]
    pub level: LevelArg,
    /// Also set `pod-security.kubernetes.io/enforce-version` to this version.
    #[arg(long, value_parser = parse_version)]
    pub version: Option<Version>,
    /// A snapshot: `kubectl get namespaces,pods -A -o json|yaml` output.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "context",
        required_unless_present = "context"
    )]
    pub snapshot: Option<PathBuf>,
    /// Read a live cluster through this kubeconfig context.
    #[arg(long, value_name = "CTX")]
    pub context: Option<String>,
    /// A PodSecurityConfiguration (or AdmissionConfiguration holding one) for defaults and exemptions.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = NamespacesFormat::Text)]
    pub output: NamespacesFormat,
    /// Only these namespaces (default: all).
    #[arg(value_name = "NS")]
    pub namespaces: Vec<String>,
}

/// A level on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    /// No restrictions.
    Privileged,
    /// Prevents known privilege escalations.
    Baseline,
    /// Hardened best practice.
    Restricted,
}

impl From<LevelArg> for Level {
    fn from(level: LevelArg) -> Level {
        match level {
            LevelArg::Privileged => Level::Privileged,
            LevelArg::Baseline => Level::Baseline,
            LevelArg::Restricted => Level::Restricted,
        }
    }
}

fn parse_version(text: &str) -> Result<Version, String> {
    text.parse().map_err(|e: kensa_pss::Error| e.to_string())
}

/// Runs a `pss` subcommand and returns the exit code.
pub fn run(command: PssCommand, color: ColorChoice) -> anyhow::Result<u8> {
    match command {
        PssCommand::Check(args) => super::pss_check::run(args, color),
        PssCommand::Namespaces(args) => super::pss_namespaces::run(args, color),
    }
}
