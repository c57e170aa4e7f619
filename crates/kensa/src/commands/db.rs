//! `kensa db`: the local vulnerability database that `kensa image scan`
//! reads: importing advisory data and showing what it holds.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use kensa_vuln::db::{self, Database, ImportEvent, ImportSource};
use serde_json::json;

use crate::exit;
use crate::output::{self, ColorChoice, Style};

/// `kensa db`.
#[derive(Debug, clap::Subcommand)]
pub enum DbCommand {
    /// Import advisories: OSV JSON (files, directories, zips), Alpine/Wolfi secdb, Debian tracker JSON.
    #[command(after_help = "\
Formats are recognised by content. Importing adds to the database: records with the
same key replace the old ones. The import runs on a copy that replaces the database
only when everything is read, so a failed or interrupted import changes nothing.

Exit codes: 0 imported, 1 imported with records skipped (see the warnings), 2 nothing imported.

Examples:
  kensa db import all.zip                        # an OSV export (e.g. osv.dev's per-ecosystem zips)
  kensa db import secdb/v3.20/main.json debian.json
  kensa db import --namespace wolfi security.json")]
    Import(ImportArgs),
    /// Show the database: when it was built, from which sources, how many advisories.
    Status(StatusArgs),
}

/// `kensa db import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Files, directories or zips to import.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The namespace of secdb files that do not name their distribution (wolfi, chainguard).
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// The database directory (default ~/.cache/kensa/db, or $KENSA_CACHE_DIR/db).
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `kensa db status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The database directory (default ~/.cache/kensa/db, or $KENSA_CACHE_DIR/db).
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = StatusFormat::Table)]
    pub output: StatusFormat,
}

/// `kensa db status` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFormat {
    /// Readable text.
    Table,
    /// JSON: the metadata plus counts per namespace.
    Json,
}

/// Runs `kensa db`.
pub fn run(command: DbCommand, color: ColorChoice) -> anyhow::Result<u8> {
    match command {
        DbCommand::Import(args) => import(args, color),
        DbCommand::Status(args) => status(args, color),
    }
}

fn import(args: ImportArgs, color: ColorChoice) -> anyhow::Result<u8> {
    let dir = args.db.clone().unwrap_or_else(Database::default_dir);
    let sources: Vec<ImportSource> = args
        .paths
        .iter()
        .map(|path| ImportSource {
            path: path.clone(),
            namespace: args.namespace.clone(),
        })
        .collect();
    let spinner = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    });
    let mut files = 0usize;
    let summary = db::import_sources(&dir, &sources, |event| {
        match &event {
            ImportEvent::File { .. } => files += 1,
            ImportEvent::Warning(_) => return,
            _ => {}
        }
        if let Some(bar) = &spinner {
            bar.set_message(event.to_string());
        }
    });
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    let summary = summary.with_context(|| format!("importing into {}", dir.display()))?;
    for warning in &summary.warnings {
        output::warning_line(color, warning);
    }
    if !args.quiet {
        let style = Style { on: color.stderr() };
        eprintln!(
            "{} {} advisories and {} vulnerabilities from {files} files into {}{}{}",
            style.good("imported"),
            summary.advisories,
            summary.vulnerabilities,
            dir.display(),
            if summary.git_ranges_ignored > 0 {
                format!("; {} GIT ranges ignored", summary.git_ranges_ignored)
            } else {
                String::new()
            },
            if summary.withdrawn_skipped > 0 {
                format!("; {} withdrawn records skipped", summary.withdrawn_skipped)
            } else {
                String::new()
            },
        );
    }
    Ok(if summary.warnings.is_empty() {
        exit::OK
    } else {
        exit::FOUND
    })
}

fn status(args: StatusArgs, color: ColorChoice) -> anyhow::Result<u8> {
    let dir = args.db.clone().unwrap_or_else(Database::default_dir);
    let db = Database::open(&dir).with_context(|| format!("opening {}", dir.display()))?;
    let metadata = db.metadata();
    let (advisories, vulnerabilities) = db.counts()?;
    let namespaces = db.namespaces()?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.output {
        StatusFormat::Json => {
            let document = json!({
                "path": dir,
                "schema_version": metadata.schema_version,
                "built_at": metadata.built_at,
                "sources": metadata.sources,
                "advisories": advisories,
                "vulnerabilities": vulnerabilities,
                "namespaces": namespaces.iter().map(|(name, count)| json!({"name": name, "advisories": count})).collect::<Vec<_>>(),
            });
            serde_json::to_writer_pretty(&mut out, &document)?;
            writeln!(out)?;
        }
        StatusFormat::Table => {
            let style = Style { on: color.stdout() };
            writeln!(out, "{} {}", style.strong("database:"), dir.display())?;
            writeln!(out, "schema version: {}", metadata.schema_version)?;
            writeln!(out, "built at: {}", metadata.built_at)?;
            writeln!(
                out,
                "advisories: {advisories}, vulnerabilities: {vulnerabilities}"
            )?;
            writeln!(out, "\n{}", style.strong("sources:"))?;
            for source in &metadata.sources {
                writeln!(
                    out,
                    "  {} ({}, {} records, imported {})",
                    source.path, source.kind, source.records, source.imported_at
                )?;
            }
            writeln!(out, "\n{}", style.strong("namespaces:"))?;
            for (name, count) in &namespaces {
                writeln!(out, "  {name:<20} {count} advisories")?;
            }
        }
    }
    Ok(exit::OK)
}
