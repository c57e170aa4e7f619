//! `kensa image scan`: the image's packages matched against the local
//! vulnerability database, filtered (`--severity`, `--ignore-unfixed`,
//! OpenVEX) and rendered as a Trivy-like table, JSON, SARIF, JUnit or
//! CycloneDX with vulnerabilities.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use kensa_image::image::Image;
use kensa_vuln::db::Database;
use kensa_vuln::filter::{self, Filter, Suppressed};
use kensa_vuln::matching::{self, Finding};
use kensa_vuln::{FixState, Severity};
use serde_json::json;

use crate::commands::image::{ImageSourceArgs, emit, read_image};
use crate::commands::image_output::{self, display_name, image_json};
use crate::commands::upload::{self, UploadArgs};
use crate::exit;
use crate::output::{ColorChoice, Style};

/// Help for `kensa image scan`.
pub const SCAN_HELP: &str = "\
Needs a vulnerability database: `kensa db import PATH...` (see `kensa db --help`).
OS packages are matched by their source package in the detected distribution's
advisories; language packages by ecosystem and name (as their purl says).

Exit codes: 0 no vulnerabilities left after the filters, 1 vulnerabilities found
(or the code given with --exit-code), 2 the image or the database could not be read.

Examples:
  kensa image scan oci:./layout:latest
  kensa image scan docker-archive:app.tar --severity HIGH,CRITICAL --ignore-unfixed
  kensa image scan 127.0.0.1:5000/app:1.4 --insecure -o sarif --output-file scan.sarif
  kensa image scan dir:./rootfs --vex app.openvex.json -o json";

/// Scan output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanFormat {
    /// Tables per target, like Trivy's.
    Table,
    /// kensa's JSON (docs/image.md).
    Json,
    /// SARIF 2.1.0 for code-scanning dashboards.
    Sarif,
    /// JUnit XML, one test case per vulnerable package.
    Junit,
    /// CycloneDX 1.6 with the vulnerabilities.
    CyclonedxJson,
}

/// `kensa image scan`.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub source: ImageSourceArgs,
    /// Output format.
    #[arg(long, short = 'o', visible_alias = "format", value_enum, default_value_t = ScanFormat::Table)]
    pub output: ScanFormat,
    /// Write to this file (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// The vulnerability database directory (default ~/.cache/kensa/db).
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
    /// Report only these severities (comma-separated: UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL).
    #[arg(long, value_delimiter = ',', value_name = "SEVERITIES", value_parser = parse_severity)]
    pub severity: Vec<Severity>,
    /// Leave out vulnerabilities without a fixed version.
    #[arg(long)]
    pub ignore_unfixed: bool,
    /// OpenVEX documents: `not_affected` and `fixed` statements suppress matching findings.
    #[arg(long, value_name = "FILE")]
    pub vex: Vec<PathBuf>,
    /// Exit code when vulnerabilities remain after the filters (0 never fails).
    #[arg(long, value_name = "CODE", default_value_t = exit::FOUND)]
    pub exit_code: u8,
    /// Also list suppressed findings and why (table and JSON).
    #[arg(long)]
    pub show_suppressed: bool,
    #[command(flatten)]
    pub upload: UploadArgs,
}

fn parse_severity(text: &str) -> Result<Severity, String> {
    Severity::parse(text)
        .ok_or_else(|| format!("{text:?} is not a severity (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL)"))
}

/// Runs the scan.
pub fn run(args: ScanArgs, color: ColorChoice) -> anyhow::Result<u8> {
    let db_dir = args.db.clone().unwrap_or_else(Database::default_dir);
    // The database first: a missing one is found before the image is read.
    let db = Database::open(&db_dir)
        .with_context(|| format!("opening the vulnerability database in {}", db_dir.display()))?;
    let mut vex = Vec::new();
    for path in &args.vex {
        vex.extend(kensa_vuln::vex::load(path)?);
    }
    let image = read_image(&args.source)?;
    for note in &image.catalog.notes {
        crate::output::warning_line(color, note);
    }
    let findings = matching::match_catalog(&db, &image.catalog)
        .with_context(|| format!("matching against {}", db_dir.display()))?;
    // The server gets every finding: its own filters and decisions apply there.
    let upload_document = args.upload.upload.is_some().then(|| {
        kensa_server::vm::upload::ImageScanUpload::from_scan(
            &image,
            &findings,
            args.upload.placements(),
        )
    });
    let filter = Filter {
        ignore_unfixed: args.ignore_unfixed,
        severities: args.severity.clone(),
        vex,
    };
    let (findings, suppressed) = filter::apply(findings, &filter);
    let scan = Scan {
        image: &image,
        db: &db,
        findings: &findings,
        suppressed: &suppressed,
    };
    let to_terminal = args.output_file.is_none();
    emit(args.output_file.as_ref(), |out| match args.output {
        ScanFormat::Table => table(
            &scan,
            out,
            to_terminal && color.stdout(),
            args.show_suppressed,
        ),
        ScanFormat::Json => json_report(&scan, out),
        ScanFormat::Sarif => Ok(kensa_report::sarif::render(&report(&scan), out)?),
        ScanFormat::Junit => Ok(kensa_report::junit::render(&report(&scan), out)?),
        ScanFormat::CyclonedxJson => {
            image_output::cyclonedx(&image, &cyclonedx_vulnerabilities(&scan), out)
        }
    })?;
    if let Some(document) = &upload_document {
        let answer = upload::post(&args.upload, "/api/v1/uploads/image-scan", document)?;
        eprintln!(
            "uploaded: scan #{} on the server, {} new findings, {} resolved",
            answer.scan_id, answer.new_findings, answer.resolved_findings
        );
    }
    Ok(if findings.is_empty() {
        exit::OK
    } else {
        args.exit_code
    })
}

/// What a scan found, for the renderers.
struct Scan<'a> {
    image: &'a Image,
    db: &'a Database,
    findings: &'a [Finding],
    suppressed: &'a [Suppressed],
}

/// A group of findings as Trivy reports them: the OS packages, or the
/// language packages of one file.
struct Target<'a> {
    name: String,
    class: &'static str,
    kind: String,
    findings: Vec<&'a Finding>,
}

fn targets<'a>(scan: &Scan<'a>) -> Vec<Target<'a>> {
    let mut groups: BTreeMap<(u8, String), Target<'a>> = BTreeMap::new();
    let image = scan.image;
    for finding in scan.findings {
        let Some(package) = image.catalog.packages.get(finding.package_index) else {
            continue;
        };
        let key = if package.ptype.is_os() {
            let name = match &image.catalog.os {
                Some(os) => format!("{} ({} {})", image.name, os.family_name(), os.version),
                None => format!("{} (no OS detected)", image.name),
            };
            let kind = image
                .catalog
                .os
                .as_ref()
                .map_or("none", |os| os.family_name())
                .to_owned();
            ((0, name.clone()), name, "os-pkgs", kind)
        } else {
            let name = format!("/{}", package.location);
            (
                (1, name.clone()),
                name,
                "lang-pkgs",
                package.ptype.as_str().to_owned(),
            )
        };
        let (sort_key, name, class, kind) = key;
        groups
            .entry(sort_key)
            .or_insert_with(|| Target {
                name,
                class,
                kind,
                findings: Vec::new(),
            })
            .findings
            .push(finding);
    }
    groups.into_values().collect()
}

fn counts<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> String {
    let mut counts: BTreeMap<Severity, usize> = BTreeMap::new();
    let mut total = 0;
    for finding in findings {
        *counts.entry(finding.severity).or_default() += 1;
        total += 1;
    }
    let parts: Vec<String> = [
        Severity::Unknown,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ]
    .iter()
    .map(|s| format!("{}: {}", s.as_str(), counts.get(s).copied().unwrap_or(0)))
    .collect();
    format!("Total: {total} ({})", parts.join(", "))
}

fn report_severity(severity: Severity) -> kensa_report::Severity {
    match severity {
        Severity::Unknown => kensa_report::Severity::Unknown,
        Severity::Low => kensa_report::Severity::Low,
        Severity::Medium => kensa_report::Severity::Medium,
        Severity::High => kensa_report::Severity::High,
        Severity::Critical => kensa_report::Severity::Critical,
    }
}

fn table(
    scan: &Scan<'_>,
    out: &mut dyn Write,
    color: bool,
    show_suppressed: bool,
) -> anyhow::Result<()> {
    let style = Style { on: color };
    let targets = targets(scan);
    if targets.is_empty() {
        writeln!(
            out,
            "{} ({}): {} packages, no vulnerabilities found",
            style.strong(&scan.image.name),
            image_output::os_text(scan.image),
            scan.image.catalog.packages.len()
        )?;
    }
    for target in &targets {
        if target.class == "os-pkgs" {
            writeln!(out, "\n{}", style.strong(&target.name))?;
        } else {
            writeln!(out, "\n{} ({})", style.strong(&target.name), target.kind)?;
        }
        writeln!(out, "{}", counts(target.findings.iter().copied()))?;
        let mut table = kensa_report::table::new(
            &[
                "Library",
                "Vulnerability",
                "Severity",
                "Status",
                "Installed Version",
                "Fixed Version",
                "Title",
            ],
            color,
        );
        for finding in &target.findings {
            let library = scan
                .image
                .catalog
                .packages
                .get(finding.package_index)
                .map_or_else(|| finding.package_name.clone(), display_name);
            // Sources without titles (the Debian tracker) have a description.
            let title = if finding.title.is_empty() {
                &finding.description
            } else {
                &finding.title
            };
            let title = if title.chars().count() > 60 {
                format!("{}…", title.chars().take(59).collect::<String>())
            } else {
                title.clone()
            };
            let title = match &finding.primary_url {
                Some(url) if !title.is_empty() => format!("{title}\n{url}"),
                Some(url) => url.clone(),
                None => title,
            };
            table.add_row(vec![
                comfy_table::Cell::new(library),
                comfy_table::Cell::new(&finding.vulnerability_id),
                kensa_report::table::severity_cell(report_severity(finding.severity), color),
                comfy_table::Cell::new(finding.status.as_str()),
                comfy_table::Cell::new(&finding.installed_version),
                comfy_table::Cell::new(&finding.fixed_version),
                comfy_table::Cell::new(title),
            ]);
        }
        kensa_report::table::write(&table, out)?;
    }
    if !scan.suppressed.is_empty() {
        writeln!(
            out,
            "\n{} findings suppressed{}",
            scan.suppressed.len(),
            if show_suppressed {
                ":"
            } else {
                " (--show-suppressed lists them)"
            }
        )?;
        if show_suppressed {
            for suppressed in scan.suppressed {
                writeln!(
                    out,
                    "  {} {} {}: {}",
                    suppressed.finding.vulnerability_id,
                    suppressed.finding.package_name,
                    suppressed.finding.installed_version,
                    suppressed.reason
                )?;
            }
        }
    }
    Ok(())
}

/// The version of `kensa image scan -o json`'s schema (docs/image.md).
pub const SCAN_SCHEMA_VERSION: u32 = 1;

fn json_report(scan: &Scan<'_>, out: &mut dyn Write) -> anyhow::Result<()> {
    let image = scan.image;
    let finding_json = |finding: &Finding| {
        let mut value = serde_json::to_value(finding).unwrap_or_default();
        if let (Some(object), Some(package)) = (
            value.as_object_mut(),
            image.catalog.packages.get(finding.package_index),
        ) {
            object.insert("package_type".into(), json!(package.ptype.as_str()));
            object.insert(
                "package_location".into(),
                json!(format!("/{}", package.location)),
            );
            object.insert(
                "layer_diff_id".into(),
                json!(
                    image
                        .layers
                        .get(package.layer)
                        .and_then(|l| l.diff_id.as_ref())
                ),
            );
        }
        value
    };
    let metadata = scan.db.metadata();
    let document = json!({
        "schema_version": SCAN_SCHEMA_VERSION,
        "tool": {"name": "kensa", "version": env!("CARGO_PKG_VERSION")},
        "image": image_json(image),
        "database": {
            "schema_version": metadata.schema_version,
            "built_at": metadata.built_at,
            "sources": metadata.sources,
        },
        "summary": {
            "packages": image.catalog.packages.len(),
            "vulnerabilities": scan.findings.len(),
            "suppressed": scan.suppressed.len(),
        },
        "results": targets(scan).iter().map(|target| json!({
            "target": target.name,
            "class": target.class,
            "type": target.kind,
            "vulnerabilities": target.findings.iter().map(|f| finding_json(f)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "suppressed": scan.suppressed.iter().map(|s| json!({
            "vulnerability_id": s.finding.vulnerability_id,
            "purl": s.finding.purl,
            "reason": s.reason.to_string(),
        })).collect::<Vec<_>>(),
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}

/// The findings as kensa's report model (SARIF, JUnit): one rule per
/// vulnerability, the package as the resource.
fn report(scan: &Scan<'_>) -> kensa_report::Report {
    let mut rules: BTreeMap<String, kensa_report::Rule> = BTreeMap::new();
    let findings = scan
        .findings
        .iter()
        .map(|finding| {
            let package = scan.image.catalog.packages.get(finding.package_index);
            rules
                .entry(finding.vulnerability_id.clone())
                .or_insert_with(|| kensa_report::Rule {
                    id: finding.vulnerability_id.clone(),
                    title: if finding.title.is_empty() {
                        finding.vulnerability_id.clone()
                    } else {
                        finding.title.clone()
                    },
                    description: finding.description.clone(),
                    severity: report_severity(finding.severity),
                    help_uri: finding.primary_url.clone(),
                });
            let fix = match finding.status {
                FixState::Fixed => format!("; fixed in {}", finding.fixed_version),
                state => format!(" ({state})"),
            };
            kensa_report::Finding {
                rule_id: finding.vulnerability_id.clone(),
                aliases: finding.aliases.clone(),
                title: finding.title.clone(),
                severity: report_severity(finding.severity),
                resource: kensa_report::Resource {
                    api_version: None,
                    kind: "Package".into(),
                    namespace: None,
                    name: format!("{}@{}", finding.package_name, finding.installed_version),
                    location: package.map(|p| kensa_report::Location {
                        file: p.location.clone(),
                        line: 0,
                        column: 0,
                    }),
                },
                message: format!(
                    "{} {} is affected by {}{fix}",
                    finding.package_name, finding.installed_version, finding.vulnerability_id
                ),
                remediation: (finding.status == FixState::Fixed).then(|| {
                    format!(
                        "Upgrade {} to {}",
                        finding.package_name, finding.fixed_version
                    )
                }),
                remedies: Vec::new(),
                help_uri: finding.primary_url.clone(),
            }
        })
        .collect();
    kensa_report::Report {
        tool: kensa_report::ToolInfo {
            name: "kensa",
            version: env!("CARGO_PKG_VERSION"),
            information_uri: "https://example.invalid/kensa",
        },
        rules: rules.into_values().collect(),
        findings,
        checked: Vec::new(),
        suite_name: format!("kensa image scan {}", scan.image.name),
    }
}

fn cyclonedx_vulnerabilities(scan: &Scan<'_>) -> Vec<image_output::CdxVulnerability> {
    image_output::cdx_vulnerabilities(scan.image, scan.findings, scan.suppressed)
}
