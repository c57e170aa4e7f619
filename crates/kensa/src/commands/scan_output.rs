//! How `kensa scan` writes its results: table, Trivy-shaped JSON, SARIF,
//! JUnit, and compliance reports.

use std::collections::BTreeMap;
use std::io::Write;

use kensa_report::{Finding, Location, Report, Resource, Rule, Severity, ToolInfo};
use kensa_scan::compliance::{ComplianceReport, Status};
use kensa_scan::report::{self, Entry, Target, TargetType};

use super::scan::{Format, ReportKind, ScanResult, short_alias};
use crate::output::Style;

const TOOL: ToolInfo = ToolInfo {
    name: "kensa",
    version: env!("CARGO_PKG_VERSION"),
    information_uri: "https://example.invalid/kensa",
};

/// Lines of code the table shows per finding.
const TABLE_CODE_LINES: usize = 4;

/// Renders a scan in `format`.
pub fn render(
    result: &ScanResult,
    format: Format,
    show_suppressed: bool,
    out: &mut dyn Write,
    color: bool,
) -> anyhow::Result<()> {
    match format {
        Format::Table => table(result, show_suppressed, out, color),
        Format::Json => {
            let artifact_type = if result.artifact == "cluster" {
                "kubernetes"
            } else {
                "filesystem"
            };
            let json = report::json_report(
                &result.artifact,
                artifact_type,
                &result.targets,
                show_suppressed,
            );
            json.write_pretty(out)?;
            Ok(())
        }
        Format::Sarif => {
            kensa_report::sarif::render(&findings_report(result, true), out)?;
            Ok(())
        }
        Format::Junit => {
            kensa_report::junit::render(&findings_report(result, false), out)?;
            Ok(())
        }
    }
}

fn severity_text(severity: Severity, style: Style) -> String {
    let text = format!("{:<8}", severity.as_str());
    match severity {
        Severity::Critical | Severity::High => style.bad(&text),
        Severity::Medium => style.warn(&text),
        Severity::Low | Severity::Unknown => style.dim(&text),
    }
}

fn check_label(entry: &Entry) -> String {
    match short_alias(entry.check) {
        Some(alias) => format!("{} ({alias})", entry.check.id),
        None => entry.check.id.to_owned(),
    }
}

fn write_entry(
    out: &mut dyn Write,
    target: &Target,
    entry: &Entry,
    style: Style,
    suppressed: bool,
) -> std::io::Result<()> {
    writeln!(
        out,
        "  {} {}  {}",
        severity_text(entry.check.severity, style),
        style.strong(&check_label(entry)),
        entry.check.title
    )?;
    writeln!(out, "           {}", entry.message)?;
    if let Some(suppression) = &entry.suppression
        && suppressed
    {
        writeln!(out, "           suppressed by {}", suppression.describe())?;
    }
    let location = if entry.start_line == 0 {
        target.name.clone()
    } else if entry.end_line > entry.start_line {
        format!("{}:{}-{}", target.name, entry.start_line, entry.end_line)
    } else {
        format!("{}:{}", target.name, entry.start_line)
    };
    writeln!(out, "           {}", style.dim(&location))?;
    if let Some(text) = &target.text {
        let lines = report::code_lines(text, entry.start_line, entry.end_line);
        let width = lines.last().map_or(1, |l| l.number.to_string().len());
        for line in lines.iter().take(TABLE_CODE_LINES) {
            writeln!(
                out,
                "           {} {}",
                style.dim(&format!("{:>width$} |", line.number)),
                line.content
            )?;
        }
        if lines.len() > TABLE_CODE_LINES || lines.last().is_some_and(|l| l.truncated) {
            writeln!(
                out,
                "           {}",
                style.dim(&format!("{:>width$} |", "..."))
            )?;
        }
    }
    Ok(())
}

/// The table: one block per resource (or Dockerfile), most severe first
/// within it, then a summary line.
fn table(
    result: &ScanResult,
    show_suppressed: bool,
    out: &mut dyn Write,
    color: bool,
) -> anyhow::Result<()> {
    let style = Style { on: color };
    for target in &result.targets {
        let mut groups: BTreeMap<(u32, String), Vec<(&Entry, bool)>> = BTreeMap::new();
        let listed = target.failures.iter().map(|e| (e, false)).chain(
            target
                .suppressed
                .iter()
                .filter(|_| show_suppressed)
                .map(|e| (e, true)),
        );
        for (entry, suppressed) in listed {
            let key = match &entry.object {
                Some(object) => (object.line, object.display_name()),
                None => (0, "Dockerfile".to_owned()),
            };
            groups.entry(key).or_default().push((entry, suppressed));
        }
        for ((line, name), mut entries) in groups {
            entries.sort_by_key(|(entry, suppressed)| {
                (*suppressed, std::cmp::Reverse(entry.check.severity))
            });
            let at = match target.kind {
                TargetType::Kubernetes => format!("{}:{line}", target.name),
                TargetType::Dockerfile => target.name.clone(),
            };
            let remaining = entries.iter().filter(|(_, s)| !s).count();
            writeln!(
                out,
                "{}  {}  {}",
                style.strong(&name),
                style.dim(&at),
                style.dim(&format!(
                    "{remaining} finding{}",
                    if remaining == 1 { "" } else { "s" }
                ))
            )?;
            for (entry, suppressed) in entries {
                if suppressed {
                    writeln!(out, "  {}", style.dim("[suppressed]"))?;
                }
                write_entry(out, target, entry, style, suppressed)?;
            }
            writeln!(out)?;
        }
    }
    writeln!(out, "{}", summary_line(result))?;
    Ok(())
}

/// `Scanned 12 objects in 3 files and 1 Dockerfile: 7 findings (1 CRITICAL, ...); 2 suppressed; 4 custom-resource objects skipped.`
pub fn summary_line(result: &ScanResult) -> String {
    let mut counts: BTreeMap<Severity, usize> = BTreeMap::new();
    for (_, entry) in result.failures() {
        *counts.entry(entry.check.severity).or_default() += 1;
    }
    let total: usize = counts.values().sum();
    let files = result
        .targets
        .iter()
        .filter(|t| t.kind == TargetType::Kubernetes)
        .count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut line = format!(
        "Scanned {} in {}",
        plural(result.objects, "object"),
        plural(files, "source")
    );
    if result.dockerfiles > 0 {
        line.push_str(&format!(
            " and {}",
            plural(result.dockerfiles, "Dockerfile")
        ));
    }
    line.push_str(&format!(": {}", plural(total, "finding")));
    if total > 0 {
        let parts: Vec<String> = Severity::DESCENDING
            .iter()
            .filter_map(|sev| counts.get(sev).map(|n| format!("{n} {sev}")))
            .collect();
        line.push_str(&format!(" ({})", parts.join(", ")));
    }
    let suppressed = result.suppressed();
    if suppressed > 0 {
        line.push_str(&format!("; {suppressed} suppressed"));
    }
    let skipped: usize = result.skipped_kinds.values().sum();
    if skipped > 0 {
        line.push_str(&format!(
            "; {} of custom or unknown kinds skipped",
            plural(skipped, "object")
        ));
    }
    if result.unreadable > 0 {
        line.push_str(&format!(
            "; {} could not be read",
            plural(result.unreadable, "document")
        ));
    }
    line.push('.');
    line
}

/// The scan as kensa-report's model, for SARIF and JUnit. SARIF points at
/// the cause's line (`at_cause`); JUnit groups by resource, so there every
/// finding carries the object's own location.
fn findings_report(result: &ScanResult, at_cause: bool) -> Report {
    let mut rules: Vec<Rule> = Vec::new();
    let mut findings = Vec::new();
    let mut checked = Vec::new();
    let mut seen_rules = std::collections::HashSet::new();
    for target in &result.targets {
        for entry in &target.failures {
            if seen_rules.insert(entry.check.id) {
                rules.push(Rule {
                    id: entry.check.id.to_owned(),
                    title: entry.check.title.to_owned(),
                    description: entry.check.description.to_owned(),
                    severity: entry.check.severity,
                    help_uri: None,
                });
            }
            let mut resource = resource_of(target, entry);
            if at_cause && let Some(location) = resource.location.as_mut() {
                location.line = entry.start_line;
            }
            findings.push(Finding {
                rule_id: entry.check.id.to_owned(),
                aliases: entry
                    .check
                    .aliases
                    .iter()
                    .map(|a| (*a).to_owned())
                    .collect(),
                title: entry.check.title.to_owned(),
                severity: entry.check.severity,
                resource,
                message: entry.message.clone(),
                remediation: Some(entry.check.remediation.to_owned()),
                remedies: Vec::new(),
                help_uri: None,
            });
        }
        if target.kind == TargetType::Dockerfile {
            checked.push(dockerfile_resource(target));
        }
    }
    // Every resource with a finding is a test case; resources that passed
    // are not tracked per object here, so JUnit lists the failing ones and
    // the Dockerfiles.
    for finding in &findings {
        if !checked.contains(&finding.resource) && !at_cause {
            checked.push(finding.resource.clone());
        }
    }
    Report {
        tool: TOOL,
        rules,
        findings,
        checked,
        suite_name: "kensa scan".to_owned(),
    }
}

fn dockerfile_resource(target: &Target) -> Resource {
    Resource {
        api_version: None,
        kind: "Dockerfile".to_owned(),
        namespace: None,
        name: target.name.clone(),
        location: Some(Location {
            file: target.name.clone(),
            line: 1,
            column: 1,
        }),
    }
}

fn resource_of(target: &Target, entry: &Entry) -> Resource {
    match &entry.object {
        Some(object) => Resource {
            api_version: Some(object.api_version.clone()),
            kind: object.kind.clone(),
            namespace: object.namespace.clone(),
            name: object.name.clone(),
            location: Some(Location {
                file: target.name.clone(),
                line: object.line,
                column: 1,
            }),
        },
        None => dockerfile_resource(target),
    }
}

/// Renders a compliance report.
pub fn compliance(
    report: &ComplianceReport,
    format: Format,
    kind: ReportKind,
    out: &mut dyn Write,
    color: bool,
) -> anyhow::Result<()> {
    match format {
        Format::Json => {
            kensa_report::json::render(report, out)?;
        }
        Format::Table => compliance_table(report, kind, out, color)?,
        Format::Sarif | Format::Junit => {
            anyhow::bail!("--compliance reports are written as table or json")
        }
    }
    Ok(())
}

fn compliance_table(
    report: &ComplianceReport,
    kind: ReportKind,
    out: &mut dyn Write,
    color: bool,
) -> anyhow::Result<()> {
    let style = Style { on: color };
    writeln!(out, "{} ({})", style.strong(&report.title), report.id)?;
    let mut table = kensa_report::table::new(
        &["ID", "Severity", "Control name", "Status", "Failed"],
        color,
    );
    for control in &report.controls {
        let status = match control.status {
            Status::Pass => style.good("PASS"),
            Status::Fail => style.bad("FAIL"),
            Status::Manual => style.warn("MANUAL"),
        };
        let failed = match control.status {
            Status::Manual => "-".to_owned(),
            _ => control.failed_resources.to_string(),
        };
        table.add_row(vec![
            comfy_table::Cell::new(&control.id),
            kensa_report::table::severity_cell(control.severity, color),
            comfy_table::Cell::new(&control.name),
            comfy_table::Cell::new(status),
            comfy_table::Cell::new(failed),
        ]);
    }
    kensa_report::table::write(&table, out)?;
    writeln!(
        out,
        "{} controls: {} PASS, {} FAIL, {} MANUAL",
        report.controls.len(),
        report.count(Status::Pass),
        report.count(Status::Fail),
        report.count(Status::Manual)
    )?;
    if kind == ReportKind::All {
        for control in &report.controls {
            if control.failures.is_empty()
                && control.reason.is_none()
                && control.correction.is_none()
            {
                continue;
            }
            writeln!(
                out,
                "\n{} {} [{}]",
                style.strong(&control.id),
                control.name,
                control.status.as_str()
            )?;
            if let Some(reason) = &control.reason {
                writeln!(out, "  {}", style.dim(reason))?;
            }
            if let Some(correction) = control.correction {
                writeln!(
                    out,
                    "  {}",
                    style.dim(&format!("mapping corrected: {correction}"))
                )?;
            }
            for failure in &control.failures {
                writeln!(
                    out,
                    "  {} {}: {}",
                    failure.check, failure.resource, failure.message
                )?;
            }
        }
    }
    Ok(())
}

/// `--list-checks`.
pub fn list_checks(out: &mut dyn Write, color: bool) -> anyhow::Result<()> {
    let mut table =
        kensa_report::table::new(&["ID", "Aliases", "Severity", "Title", "Default"], color);
    for check in kensa_scan::checks::all() {
        table.add_row(vec![
            comfy_table::Cell::new(check.id),
            comfy_table::Cell::new(check.aliases.join(" ")),
            kensa_report::table::severity_cell(check.severity, color),
            comfy_table::Cell::new(check.title),
            comfy_table::Cell::new(if check.default_enabled { "on" } else { "off" }),
        ]);
    }
    kensa_report::table::write(&table, out)?;
    writeln!(out, "{} checks", kensa_scan::checks::all().len())?;
    Ok(())
}
