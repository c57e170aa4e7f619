//! `kensa`: the command-line front end. Each subcommand lives in `commands/`
//! and wires inputs (kensa-k8s) to engines (kensa-pss, ...) to renderers.

mod commands;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::output::ColorChoice;

// Parsing large inputs is allocation-heavy; mimalloc is markedly faster than
// glibc malloc there and returns memory promptly.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes shared by every command.
pub mod exit {
    /// Everything checked passed.
    pub const OK: u8 = 0;
    /// Something was found: a violation, or a document that could not be checked.
    pub const FOUND: u8 = 1;
    /// Usage error, or no input could be read.
    pub const USAGE: u8 = 2;
}

#[derive(Parser)]
#[command(
    name = "kensa",
    version,
    about = "kensa (検査): Kubernetes security inspection in one fast binary",
    long_about = "kensa (検査): Kubernetes security inspection in one fast binary.\n\n\
        Checks manifests and clusters against the Pod Security Standards with the \
        API server's exact results and messages.",
    after_help = "Exit codes: 0 all checks passed, 1 findings (or unreadable documents), 2 usage error or no readable input.\n\
        Docs: docs/ (pss.md, scan.md, compliance.md, fix.md, audit.md, seccomp.md, admission.md, image.md)"
)]
struct Cli {
    /// When to colour output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Pod Security Standards: check manifests, preview namespace labels.
    #[command(subcommand)]
    Pss(commands::pss::PssCommand),
    /// Misconfiguration checks on manifests, snapshots, clusters and Dockerfiles; compliance reports.
    Scan(Box<commands::scan::ScanArgs>),
    /// Write the securityContext workloads need to pass a Pod Security Standards level.
    Fix(commands::fix::FixArgs),
    /// Audit logs: filter, count, reports, detections; audit-policy tools.
    Audit(Box<commands::audit::AuditArgs>),
    /// seccomp: RuntimeDefault, validate, diff, run under a profile, record (advise), install.
    #[command(subcommand)]
    Seccomp(commands::seccomp::SeccompCommand),
    /// Images: SBOMs (SPDX, CycloneDX) and vulnerability scans.
    #[command(subcommand)]
    Image(commands::image::ImageCommand),
    /// The local vulnerability database: import advisories, show its status.
    #[command(subcommand)]
    Db(commands::db::DbCommand),
    /// Runtime security: enforce Tetragon TracingPolicies with eBPF, stream events.
    #[command(subcommand)]
    Runtime(commands::runtime::RuntimeCommand),
    /// Serve vulnerability management (web UI and API), or the PSA webhook (--admission).
    Serve(Box<commands::serve::ServeArgs>),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            });
        }
    };
    let color = cli.color;
    let result = match cli.command {
        Command::Pss(cmd) => commands::pss::run(cmd, color),
        Command::Scan(args) => commands::scan::run(*args, color),
        Command::Fix(args) => commands::fix::run(args, color),
        Command::Audit(args) => commands::audit::run(*args, color),
        Command::Seccomp(cmd) => commands::seccomp::run(cmd, color),
        Command::Image(cmd) => commands::image::run(cmd, color),
        Command::Db(cmd) => commands::db::run(cmd, color),
        Command::Serve(args) => commands::serve::run(*args),
        Command::Runtime(cmd) => commands::runtime::run(cmd, color),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // A closed pipe (`kensa ... | head`) is the reader being done, not an error.
        Err(err) if is_broken_pipe(&err) => ExitCode::from(exit::OK),
        Err(err) => {
            output::error_line(color, &format!("{err:#}"));
            ExitCode::from(exit::USAGE)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        let io = cause
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind);
        let json = cause
            .downcast_ref::<serde_json::Error>()
            .and_then(serde_json::Error::io_error_kind);
        io.or(json) == Some(std::io::ErrorKind::BrokenPipe)
    })
}
