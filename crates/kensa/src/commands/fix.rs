//! `kensa fix`: write the securityContext a workload needs to pass a Pod
//! Security Standards level, keeping everything else in the file as it was.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use kensa_scan::fix::{self, FixOptions, FixOutcome, Level};
use serde::Serialize;

use crate::exit;
use crate::output::{self, ColorChoice, Style};

const AFTER_HELP: &str = "\
What it sets, on every pod template (Pod, Deployment, StatefulSet, DaemonSet, Job,
CronJob, ReplicaSet, ReplicationController, PodTemplate):
  pod        securityContext.runAsNonRoot: true, seccompProfile.type: RuntimeDefault
  container  allowPrivilegeEscalation: false, capabilities.drop: [ALL]
             (added capabilities other than NET_BIND_SERVICE are removed), privileged: false
  --read-only-root  readOnlyRootFilesystem: true, plus emptyDir volumes for the paths the
             container writes (--writable PATH, or kensa's table of well-known images:
             nginx, redis, postgres, ...)
Settings that already pass are left alone. What it cannot decide (hostPath volumes, host
namespaces, host ports, runAsUser: 0, an image that needs root) is reported, not changed.
Comments, key order, quoting and indentation of everything else are kept. YAML only.

Output: a unified diff on stdout (pipe it to `patch -p0`, or use --write), and a report of
changes, notes and manual items per workload on stderr; -o json writes both as JSON.

Exit codes:
  0  nothing left to do (with --write: every workload now passes the level)
  1  changes are needed (without --write), or manual items or unreadable files remain
  2  usage error, or no input could be read

Examples:
  kensa fix deploy/ --level restricted
  kensa fix deploy/web.yaml --write --read-only-root
  kensa fix app.yaml --read-only-root --writable /tmp --writable /var/cache/app";

/// `kensa fix`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct FixArgs {
    /// YAML manifests or directories (recursive); `-` for stdin (diff only).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<String>,

    /// The Pod Security Standards level to reach.
    #[arg(long, value_enum, default_value_t = LevelArg::Restricted)]
    pub level: LevelArg,

    /// Edit the files in place (via a temporary file and rename) instead of printing a diff.
    #[arg(long)]
    pub write: bool,

    /// Also make root filesystems read-only, mounting emptyDir where containers write.
    #[arg(long)]
    pub read_only_root: bool,

    /// A path every container must be able to write (with --read-only-root). Repeatable.
    #[arg(long, value_name = "PATH", requires = "read_only_root")]
    pub writable: Vec<String>,

    /// Output: `diff` (a unified diff, and a report on stderr) or `json`.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = FixFormat::Diff)]
    pub output: FixFormat,
}

/// `--level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LevelArg {
    /// Pod Security Standards baseline.
    Baseline,
    /// Pod Security Standards restricted.
    Restricted,
}

/// `-o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FixFormat {
    /// A unified diff on stdout and a report on stderr.
    Diff,
    /// One JSON document on stdout.
    Json,
}

/// One file's result, as `-o json` writes it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FileResult {
    path: String,
    written: bool,
    diff: String,
    #[serde(flatten)]
    outcome: FixOutcome,
}

fn yaml_files(arg: &str, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let path = PathBuf::from(arg);
    if !path.is_dir() {
        out.push(path);
        return Ok(());
    }
    let mut stack = vec![path];
    let mut found = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?
        {
            let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
            let path = entry.path();
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                if !hidden {
                    stack.push(path);
                }
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    out.extend(found);
    Ok(())
}

pub fn run(args: FixArgs, color: ColorChoice) -> anyhow::Result<u8> {
    if args.write && args.paths.iter().any(|p| p == "-") {
        bail!("--write cannot edit stdin; give file paths");
    }
    let options = FixOptions {
        level: match args.level {
            LevelArg::Baseline => Level::Baseline,
            LevelArg::Restricted => Level::Restricted,
        },
        read_only_root: args.read_only_root,
        writable: args.writable.clone(),
    };
    let mut files = Vec::new();
    let mut stdin = false;
    for arg in &args.paths {
        if arg == "-" {
            stdin = true;
        } else {
            yaml_files(arg, &mut files)?;
        }
    }

    let mut results = Vec::new();
    let mut unreadable = 0;
    if stdin {
        let bytes = kensa_k8s::read_input(&kensa_k8s::Input::Stdin)?;
        match String::from_utf8(bytes) {
            Ok(text) => results.push(fix_one("<stdin>", &text, &options)),
            Err(_) => {
                unreadable += 1;
                output::error_line(color, "<stdin>: not UTF-8 text");
            }
        }
    }
    for path in &files {
        let name = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let mut result = fix_one(&name, &text, &options);
                if args.write && result.outcome.changed {
                    write_file(path, &result.outcome.text)?;
                    result.written = true;
                }
                results.push(result);
            }
            Err(e) => {
                unreadable += 1;
                output::error_line(color, &format!("cannot read {name}: {e}"));
            }
        }
    }
    if results.is_empty() {
        return Ok(exit::USAGE);
    }

    match args.output {
        FixFormat::Json => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            kensa_report::json::render(&results, &mut out)?;
            out.flush()?;
        }
        FixFormat::Diff => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            if !args.write {
                for result in &results {
                    out.write_all(result.diff.as_bytes())?;
                }
            }
            out.flush()?;
            report(&results, args.write, color);
        }
    }

    let manual = results
        .iter()
        .any(|r| r.outcome.workloads.iter().any(|w| !w.manual.is_empty()));
    let errors = unreadable > 0 || results.iter().any(|r| !r.outcome.errors.is_empty());
    let pending = !args.write && results.iter().any(|r| r.outcome.changed);
    Ok(if manual || errors || pending {
        exit::FOUND
    } else {
        exit::OK
    })
}

fn fix_one(name: &str, text: &str, options: &FixOptions) -> FileResult {
    let outcome = fix::fix_yaml(name, text, options);
    let diff = if outcome.changed {
        fix::unified_diff(name, name, text, &outcome.text)
    } else {
        String::new()
    };
    FileResult {
        path: name.to_owned(),
        written: false,
        diff,
        outcome,
    }
}

fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    output::write_atomically(path, |out| {
        out.write_all(text.as_bytes())?;
        Ok(())
    })
}

/// The per-workload report on stderr.
fn report(results: &[FileResult], written: bool, color: ColorChoice) {
    let style = Style { on: color.stderr() };
    let mut workloads = 0;
    let mut fixed = 0;
    let mut needs_hand = 0;
    for result in results {
        for error in &result.outcome.errors {
            eprintln!(
                "{} {} {}",
                style.dim(&format!("{}:{}:", result.path, error.line)),
                style.bad("error:"),
                error.message
            );
        }
        for workload in &result.outcome.workloads {
            workloads += 1;
            if !workload.changes.is_empty() {
                fixed += 1;
            }
            if !workload.manual.is_empty() {
                needs_hand += 1;
            }
            if workload.changes.is_empty()
                && workload.notes.is_empty()
                && workload.manual.is_empty()
            {
                continue;
            }
            eprintln!(
                "{}  {}",
                style.strong(&workload.display_name()),
                style.dim(&format!("{}:{}", result.path, workload.line))
            );
            for change in &workload.changes {
                eprintln!(
                    "  {} {change}",
                    style.good(if written { "fixed" } else { "fix  " })
                );
            }
            for note in &workload.notes {
                eprintln!("  {} {note}", style.warn("note "));
            }
            for item in &workload.manual {
                eprintln!("  {} {item}", style.bad("manual"));
            }
        }
    }
    let verb = if written { "fixed" } else { "to fix" };
    eprintln!(
        "{workloads} workload{}: {fixed} {verb}, {needs_hand} with items left for a human.",
        if workloads == 1 { "" } else { "s" }
    );
}
