//! Terminal tables (comfy-table).
//!
//! With colour on, tables have condensed UTF-8 borders with round corners,
//! bold headers and coloured severities; with colour off they are plain ASCII
//! in Markdown style, which reads well in CI logs and pastes into issues.
//! Whether to colour is the caller's decision: nothing here looks at the
//! terminal.
//!
//! ```
//! let mut out = Vec::new();
//! kensa_report::table::render(
//!     &["Name", "Level"],
//!     vec![vec!["shop".into(), "restricted".into()]],
//!     false,
//!     &mut out,
//! )?;
//! assert_eq!(
//!     String::from_utf8(out)?,
//!     "| Name | Level      |\n|------|------------|\n| shop | restricted |\n"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::cmp::Reverse;
use std::io::Write;

use comfy_table::{Attribute, Cell, Color, Table, modifiers, presets};

use crate::{Report, Result, Severity};

/// An empty table with `headers`, styled for `color` (see the module docs).
///
/// Use it to add cells of your own (e.g. [`severity_cell`]), then [`write()`] it.
/// The content arrangement is left disabled: callers who know the terminal
/// width can set one with [`Table::set_width`] and
/// [`Table::set_content_arrangement`].
pub fn new(headers: &[&str], color: bool) -> Table {
    let mut table = Table::new();
    if color {
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .apply_modifier(modifiers::UTF8_ROUND_CORNERS)
            .enforce_styling()
            .set_header(
                headers
                    .iter()
                    .map(|h| Cell::new(h).add_attribute(Attribute::Bold)),
            );
    } else {
        table
            .load_preset(presets::ASCII_MARKDOWN)
            .force_no_tty()
            .set_header(headers.iter().map(Cell::new));
    }
    table
}

/// Writes `table` followed by a newline.
pub fn write(table: &Table, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "{table}")?;
    Ok(())
}

/// Renders a table of plain-text `rows` under `headers`.
pub fn render(
    headers: &[&str],
    rows: Vec<Vec<String>>,
    color: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let mut table = new(headers, color);
    table.add_rows(rows);
    write(&table, out)
}

/// A cell showing `sev` in upper case; with `color`, critical is bold red,
/// high red, medium yellow, low blue and unknown plain.
pub fn severity_cell(sev: Severity, color: bool) -> Cell {
    let cell = Cell::new(sev);
    if !color {
        return cell;
    }
    match sev {
        Severity::Critical => cell.fg(Color::Red).add_attribute(Attribute::Bold),
        Severity::High => cell.fg(Color::Red),
        Severity::Medium => cell.fg(Color::Yellow),
        Severity::Low => cell.fg(Color::Blue),
        Severity::Unknown => cell,
    }
}

/// Renders the report's findings, one a row, with the columns Severity, Rule,
/// Resource, Location (`file:line`, `-` when unknown) and Message; the most
/// severe first, then by file, line and column (findings without a location
/// last), then by rule. Writes nothing when there are no findings.
pub fn findings_table(report: &Report, color: bool, out: &mut dyn Write) -> Result<()> {
    if report.findings.is_empty() {
        return Ok(());
    }
    let mut findings: Vec<_> = report.findings.iter().collect();
    findings.sort_by_key(|f| {
        let loc = f.resource.location.as_ref();
        (
            Reverse(f.severity),
            loc.is_none(),
            loc.map(|l| (l.file.as_str(), l.line, l.column)),
            f.rule_id.as_str(),
        )
    });
    let mut table = new(
        &["Severity", "Rule", "Resource", "Location", "Message"],
        color,
    );
    for f in findings {
        let location = f
            .resource
            .location
            .as_ref()
            .map_or_else(|| "-".to_owned(), ToString::to_string);
        table.add_row(vec![
            severity_cell(f.severity, color),
            Cell::new(&f.rule_id),
            Cell::new(f.resource.display_name()),
            Cell::new(location),
            Cell::new(&f.message),
        ]);
    }
    write(&table, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil;

    fn findings_text(report: &Report, color: bool) -> String {
        let mut out = Vec::new();
        findings_table(report, color, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn plain_findings_table_is_sorted_and_uncoloured() {
        let mut report = testutil::report();
        // A low finding without a location, and the medium one moved to a
        // later line, to check the order.
        let mut low = report.findings[0].clone();
        low.severity = Severity::Low;
        low.resource.location = None;
        report.findings.insert(0, low);
        let text = findings_text(&report, false);
        assert!(!text.contains('\u{1b}'), "no escape codes: {text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 6, "{text}");
        assert!(lines[0].starts_with("| Severity | Rule"), "{text}");
        assert!(lines[1].starts_with("|----------|"), "{text}");
        let cols = |l: &str| -> Vec<String> {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect()
        };
        let rows: Vec<Vec<String>> = lines[2..].iter().map(|l| cols(l)).collect();
        let sev_loc: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r[0].as_str(), r[3].as_str()))
            .collect();
        assert_eq!(
            sev_loc,
            vec![
                ("CRITICAL", "deploy/db.yaml:12"),
                ("CRITICAL", "deploy/web.yaml:1"),
                ("MEDIUM", "deploy/web.yaml:1"),
                ("LOW", "-"),
            ]
        );
        assert_eq!(rows[0][1], "pss/baseline/privileged");
        assert_eq!(rows[0][2], "StatefulSet shop/db");
        assert!(rows[0][4].starts_with("privileged (container \"db\""));
    }

    #[test]
    fn coloured_findings_table_has_borders_and_colours() {
        let text = findings_text(&testutil::report(), true);
        assert!(text.starts_with('╭'), "{text}");
        assert!(text.trim_end().ends_with('╯'), "{text}");
        // Bold red for critical (SGR 1 and 38;5;9 or 31 depending on the
        // colour model): just check there are escape codes and the text.
        assert!(text.contains('\u{1b}'), "{text}");
        assert!(text.contains("CRITICAL"));
    }

    #[test]
    fn empty_report_writes_nothing() {
        let mut report = testutil::report();
        report.findings.clear();
        assert_eq!(findings_text(&report, false), "");
    }

    #[test]
    fn severity_cells() {
        // Plain cells carry no style; coloured ones do (comfy-table exposes
        // no getters, so compare with cells built the same way).
        assert_eq!(
            format!("{:?}", severity_cell(Severity::High, false)),
            format!("{:?}", Cell::new("HIGH"))
        );
        assert_eq!(
            format!("{:?}", severity_cell(Severity::Critical, true)),
            format!(
                "{:?}",
                Cell::new("CRITICAL")
                    .fg(Color::Red)
                    .add_attribute(Attribute::Bold)
            )
        );
        assert_eq!(
            format!("{:?}", severity_cell(Severity::Medium, true)),
            format!("{:?}", Cell::new("MEDIUM").fg(Color::Yellow))
        );
        assert_eq!(
            format!("{:?}", severity_cell(Severity::Low, true)),
            format!("{:?}", Cell::new("LOW").fg(Color::Blue))
        );
        assert_ne!(
            format!("{:?}", severity_cell(Severity::High, true)),
            format!("{:?}", Cell::new("HIGH"))
        );
    }

    #[test]
    fn render_plain_rows() {
        let mut out = Vec::new();
        render(
            &["A", "B"],
            vec![
                vec!["1".into(), "two".into()],
                vec!["three".into(), "4".into()],
            ],
            false,
            &mut out,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "| A     | B   |\n|-------|-----|\n| 1     | two |\n| three | 4   |\n"
        );
    }
}
