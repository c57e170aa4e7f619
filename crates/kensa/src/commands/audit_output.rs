//! What `kensa audit` prints: events as a table, JSON or JSON lines; reports
//! as tables or JSON.

use std::io::{self, Write};

use kensa_audit::detect::{self, DetectionReport, Silenced};
use kensa_audit::event::{Event, Stage};
use kensa_audit::query::{CountReport, Field, Joined, Projection};
use kensa_audit::report::Table;
use serde::Serialize;

use crate::output::Style;

/// `-o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns (reports: tables).
    Table,
    /// Events: one JSON array; reports: one JSON document (docs/audit.md).
    Json,
    /// One JSON event per line, as read (or the --fields kept).
    Jsonl,
    /// YAML (--report rbac: the Roles and bindings, ready for kubectl apply).
    Yaml,
}

/// One matching event, ready to print.
#[derive(Debug)]
pub struct Record {
    /// The event's own JSON (a legacy line's text, for legacy input).
    pub line: Vec<u8>,
    /// The projected values, for tables and `--fields`.
    pub values: Vec<String>,
    /// The request's audit id (for --dedupe).
    pub audit_id: String,
    /// The event's stage (for --dedupe).
    pub stage: Option<Stage>,
    /// With --dedupe: every stage of the request.
    pub stages: Option<Vec<Stage>>,
}

impl Record {
    /// Projects an event.
    pub fn new(event: &Event<'_>, line: &[u8], projection: &Projection) -> Record {
        Record {
            line: line.to_vec(),
            values: projection.row(event),
            audit_id: event.audit_id.to_string(),
            stage: event.stage,
            stages: None,
        }
    }

    /// The record of a request whose stages --dedupe joined: the latest
    /// stage's event, listing every stage.
    pub fn joined(joined: Joined<Record>, projection: &Projection) -> Record {
        let mut record = joined.item;
        if let Some(column) = projection.fields().iter().position(|f| *f == Field::Stage)
            && let Some(cell) = record.values.get_mut(column)
        {
            *cell = joined
                .stages
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("+");
        }
        record.stages = Some(joined.stages);
        record
    }
}

/// Rows are measured on the first this-many before the table starts, so huge
/// outputs stream instead of waiting for the end.
const TABLE_MEASURE_ROWS: usize = 1000;
/// Wider cells are cut (with `…`) so a long URI does not wrap every row.
const TABLE_MAX_CELL: usize = 64;

/// Writes events as they come.
pub struct EventWriter<'p, W: Write> {
    out: io::BufWriter<W>,
    format: Format,
    projection: &'p Projection,
    /// `--fields` given: JSON output keeps only those keys.
    project_json: bool,
    style: Style,
    pending: Vec<Vec<String>>,
    widths: Option<Vec<usize>>,
    written: usize,
}

impl<'p, W: Write> EventWriter<'p, W> {
    /// A writer for `format`.
    pub fn new(
        out: W,
        format: Format,
        projection: &'p Projection,
        project_json: bool,
        color: bool,
    ) -> anyhow::Result<Self> {
        if format == Format::Yaml {
            anyhow::bail!("-o yaml is for --report rbac; events print as table, json or jsonl");
        }
        Ok(EventWriter {
            out: io::BufWriter::with_capacity(1 << 20, out),
            format,
            projection,
            project_json,
            style: Style { on: color },
            pending: Vec::new(),
            widths: None,
            written: 0,
        })
    }

    /// Writes one event.
    pub fn write(&mut self, record: Record) -> io::Result<()> {
        match self.format {
            Format::Jsonl => {
                self.write_json(&record)?;
                self.out.write_all(b"\n")?;
            }
            Format::Json => {
                self.out
                    .write_all(if self.written == 0 { b"[\n" } else { b",\n" })?;
                self.write_json(&record)?;
            }
            Format::Table | Format::Yaml => {
                if self.widths.is_none() {
                    self.pending.push(record.values);
                    if self.pending.len() >= TABLE_MEASURE_ROWS {
                        self.start_table()?;
                    }
                } else {
                    self.table_row(&record.values)?;
                }
            }
        }
        self.written += 1;
        Ok(())
    }

    fn write_json(&mut self, record: &Record) -> io::Result<()> {
        let stages: Option<Vec<&str>> = record
            .stages
            .as_ref()
            .map(|stages| stages.iter().map(|s| s.as_str()).collect());
        if self.project_json {
            let mut map = self.projection.object(&record.values);
            if let Some(stages) = stages {
                map.insert("stages".into(), stages.into());
            }
            serde_json::to_writer(&mut self.out, &map)?;
            return Ok(());
        }
        let line = record.line.trim_ascii_end();
        match stages {
            // The event's JSON with the joined stages added as one more key.
            Some(stages) if line.ends_with(b"}") => {
                self.out.write_all(&line[..line.len() - 1])?;
                self.out.write_all(b",\"stages\":")?;
                serde_json::to_writer(&mut self.out, &stages)?;
                self.out.write_all(b"}")?;
            }
            _ => self.out.write_all(line)?,
        }
        Ok(())
    }

    fn start_table(&mut self) -> io::Result<()> {
        let headers = self.projection.headers();
        let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.pending {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count().min(TABLE_MAX_CELL));
            }
        }
        let header: Vec<String> = headers.iter().map(|h| h.to_uppercase()).collect();
        self.widths = Some(widths);
        let line = self.format_row(&header);
        writeln!(self.out, "{}", self.style.strong(&line))?;
        for row in std::mem::take(&mut self.pending) {
            self.table_row(&row)?;
        }
        Ok(())
    }

    fn format_row(&self, row: &[String]) -> String {
        let widths = self.widths.as_deref().unwrap_or_default();
        let mut line = String::new();
        for (index, (cell, width)) in row.iter().zip(widths).enumerate() {
            let cell = cut(cell, TABLE_MAX_CELL);
            if index + 1 == row.len() {
                line.push_str(&cell);
            } else {
                let pad = width.saturating_sub(cell.chars().count());
                line.push_str(&cell);
                line.extend(std::iter::repeat_n(' ', pad + 2));
            }
        }
        line
    }

    fn table_row(&mut self, row: &[String]) -> io::Result<()> {
        let line = self.format_row(row);
        writeln!(self.out, "{line}")
    }

    /// Flushes what has been written (for --follow).
    pub fn flush(&mut self) -> io::Result<()> {
        if self.format == Format::Table && self.widths.is_none() && !self.pending.is_empty() {
            self.start_table()?;
        }
        self.out.flush()
    }

    /// Ends the output (closes the JSON array, prints a short table).
    pub fn finish(mut self) -> io::Result<()> {
        match self.format {
            Format::Json => {
                self.out
                    .write_all(if self.written == 0 { b"[]\n" } else { b"\n]\n" })?;
            }
            Format::Table if self.widths.is_none() => {
                if self.pending.is_empty() {
                    writeln!(self.out, "{}", self.style.dim("no matching events"))?;
                } else {
                    self.start_table()?;
                }
            }
            _ => {}
        }
        self.out.flush()
    }
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// Prints a report: its tables, or its JSON.
pub fn report<R: Serialize>(
    out: &mut dyn Write,
    format: super::audit_output::Format,
    report: &R,
    tables: &[Table],
    color: bool,
) -> anyhow::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)?;
        }
        _ => print_tables(out, tables, color)?,
    }
    Ok(())
}

/// A finished report: its JSON form and its tables.
pub trait PrintableReport {
    /// Writes the report as pretty JSON (the `-o json` schema), fields in
    /// their declared order.
    fn write_json(&self, out: &mut dyn Write) -> serde_json::Result<()>;
    /// The report as tables (the default output).
    fn to_tables(&self) -> Vec<Table>;
}

/// Every report type prints the same way: its serde form, its `tables()`.
macro_rules! printable_reports {
    ($($report:ty),* $(,)?) => {$(
        impl PrintableReport for $report {
            fn write_json(&self, out: &mut dyn Write) -> serde_json::Result<()> {
                serde_json::to_writer_pretty(out, self)
            }
            fn to_tables(&self) -> Vec<Table> {
                self.tables()
            }
        }
    )*};
}

printable_reports!(
    kensa_audit::report::summary::SummaryReport,
    kensa_audit::report::pss::PssReport,
    kensa_audit::report::authz::AuthzReport,
    kensa_audit::report::exec::ExecReport,
    kensa_audit::report::secrets::SecretsReport,
    kensa_audit::report::rbac::RbacReport,
);

/// Prints a finished report as `-o` asks.
pub fn print_report(
    out: &mut dyn Write,
    format: Format,
    report: &dyn PrintableReport,
    color: bool,
) -> anyhow::Result<()> {
    match format {
        Format::Json => {
            report.write_json(&mut *out)?;
            writeln!(out)?;
        }
        _ => print_tables(out, &report.to_tables(), color)?,
    }
    Ok(())
}

/// Draws report tables, one after the other.
pub fn print_tables(out: &mut dyn Write, tables: &[Table], color: bool) -> anyhow::Result<()> {
    let style = Style { on: color };
    for (index, table) in tables.iter().enumerate() {
        if index > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}", style.strong(&table.title))?;
        if table.rows.is_empty() {
            writeln!(out, "{}", style.dim("  (none)"))?;
            continue;
        }
        let headers: Vec<&str> = table.headers.iter().map(String::as_str).collect();
        let mut drawn = kensa_report::table::new(&headers, color);
        for row in &table.rows {
            drawn.add_row(row);
        }
        writeln!(out, "{drawn}")?;
    }
    Ok(())
}

/// `--report detections`, with the rules an audit policy silences.
pub fn detections(
    out: &mut dyn Write,
    format: Format,
    report: &DetectionReport,
    silenced: &[Silenced],
    color: bool,
) -> anyhow::Result<()> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct WithPolicy<'a> {
        #[serde(flatten)]
        report: &'a DetectionReport,
        silenced_by_policy: Vec<SilencedJson<'a>>,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct SilencedJson<'a> {
        rule_id: &'a str,
        reason: &'a str,
    }
    let mut tables = report.tables();
    if !silenced.is_empty() {
        let mut table = Table::new(
            "Rules that cannot fire under the audit policy",
            &["Rule", "Why"],
        );
        for rule in silenced {
            table.push(vec![rule.rule_id.to_string(), rule.reason.clone()]);
        }
        tables.push(table);
    }
    let with_policy = WithPolicy {
        report,
        silenced_by_policy: silenced
            .iter()
            .map(|s| SilencedJson {
                rule_id: s.rule_id,
                reason: &s.reason,
            })
            .collect(),
    };
    self::report(out, format, &with_policy, &tables, color)
}

/// `--count` and `--top N --by FIELD`.
pub fn counts(
    out: &mut dyn Write,
    format: Format,
    counts: &CountReport,
    color: bool,
) -> anyhow::Result<()> {
    match format {
        Format::Json | Format::Jsonl => {
            serde_json::to_writer_pretty(&mut *out, counts)?;
            writeln!(out)?;
        }
        _ => match counts.tables() {
            tables if tables.is_empty() => writeln!(out, "{}", counts.total)?,
            tables => print_tables(out, &tables, color)?,
        },
    }
    Ok(())
}

/// `--list-rules`.
pub fn list_rules(out: &mut dyn Write, format: Format, color: bool) -> anyhow::Result<()> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct RuleJson {
        id: &'static str,
        falco_name: Option<&'static str>,
        title: &'static str,
        priority: &'static str,
        default_enabled: bool,
        description: &'static str,
    }
    let rules: Vec<RuleJson> = detect::RULES
        .iter()
        .map(|rule| RuleJson {
            id: rule.id,
            falco_name: rule.falco_name,
            title: rule.title,
            priority: rule.priority.as_str(),
            default_enabled: rule.default_enabled,
            description: rule.description,
        })
        .collect();
    let mut table = Table::new(
        "Detection rules",
        &["ID", "Priority", "On", "Falco rule", "Title"],
    );
    for rule in &rules {
        table.push(vec![
            rule.id.to_string(),
            rule.priority.to_string(),
            if rule.default_enabled { "on" } else { "off" }.to_string(),
            rule.falco_name.unwrap_or("-").to_string(),
            rule.title.to_string(),
        ]);
    }
    report(out, format, &rules, &[table], color)
}
