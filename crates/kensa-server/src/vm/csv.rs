//! CSV export of the lists (RFC 4180). Cells that a spreadsheet would run
//! as a formula (`=`, `+`, `-`, `@`, tab, CR first) are prefixed with `'`:
//! package names and titles come from scanned images, which anyone can
//! build.

use crate::vm::query::{
    ApplicationRow, Counts, FindingRow, ImageRow, MisconfigurationRow, PackageRow, ScanRow,
    VulnerabilityRow,
};

/// Rows that export as CSV.
pub trait CsvRow {
    /// The header.
    fn header() -> &'static [&'static str];
    /// The cells of this row.
    fn cells(&self) -> Vec<String>;
}

/// The CSV text of a header and rows.
pub fn render<T: CsvRow>(rows: &[T]) -> String {
    let mut out = String::new();
    line(&mut out, T::header().iter().map(|s| (*s).to_owned()));
    for row in rows {
        line(&mut out, row.cells().into_iter());
    }
    out
}

fn line(out: &mut String, cells: impl Iterator<Item = String>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&escape(&cell));
    }
    out.push_str("\r\n");
}

fn escape(cell: &str) -> String {
    let guarded = if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn counts(c: &Counts) -> [String; 6] {
    [
        c.critical.to_string(),
        c.high.to_string(),
        c.medium.to_string(),
        c.low.to_string(),
        c.unknown.to_string(),
        c.fixable.to_string(),
    ]
}

const COUNT_HEADERS: [&str; 6] = ["critical", "high", "medium", "low", "unknown", "fixable"];

macro_rules! with_counts {
    ($($name:literal),*) => {
        &[$($name,)* COUNT_HEADERS[0], COUNT_HEADERS[1], COUNT_HEADERS[2], COUNT_HEADERS[3], COUNT_HEADERS[4], COUNT_HEADERS[5]]
    };
}

impl CsvRow for ApplicationRow {
    fn header() -> &'static [&'static str] {
        with_counts!("cluster", "namespace", "application", "kind", "images")
    }
    fn cells(&self) -> Vec<String> {
        let mut cells = vec![
            self.cluster.clone(),
            self.namespace.clone(),
            self.name.clone(),
            self.kind.clone(),
            self.images.to_string(),
        ];
        cells.extend(counts(&self.counts));
        cells
    }
}

impl CsvRow for ImageRow {
    fn header() -> &'static [&'static str] {
        with_counts!(
            "image",
            "digest",
            "os",
            "platform",
            "packages",
            "applications",
            "last_scanned"
        )
    }
    fn cells(&self) -> Vec<String> {
        let mut cells = vec![
            self.name.clone(),
            self.digest.clone(),
            self.os.clone(),
            self.platform.clone(),
            self.packages.to_string(),
            self.applications.to_string(),
            crate::vm::decision::rfc3339(self.last_scanned),
        ];
        cells.extend(counts(&self.counts));
        cells
    }
}

impl CsvRow for PackageRow {
    fn header() -> &'static [&'static str] {
        with_counts!("package", "version", "type", "purl", "licenses", "images")
    }
    fn cells(&self) -> Vec<String> {
        let mut cells = vec![
            self.name.clone(),
            self.version.clone(),
            self.ptype.clone(),
            self.purl.clone(),
            self.licenses.clone(),
            self.images.to_string(),
        ];
        cells.extend(counts(&self.counts));
        cells
    }
}

impl CsvRow for VulnerabilityRow {
    fn header() -> &'static [&'static str] {
        &[
            "vulnerability",
            "severity",
            "cvss_score",
            "title",
            "images",
            "packages",
            "findings",
            "fixable",
            "fixed_version",
            "first_seen",
            "last_seen",
        ]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.clone(),
            self.severity.clone(),
            self.cvss_score
                .map(|s| format!("{s:.1}"))
                .unwrap_or_default(),
            self.title.clone(),
            self.images.to_string(),
            self.packages.to_string(),
            self.findings.to_string(),
            self.fixable.to_string(),
            self.fixed_version.clone(),
            crate::vm::decision::rfc3339(self.first_seen),
            crate::vm::decision::rfc3339(self.last_seen),
        ]
    }
}

impl CsvRow for FindingRow {
    fn header() -> &'static [&'static str] {
        &[
            "vulnerability",
            "severity",
            "image",
            "image_digest",
            "package",
            "purl",
            "installed_version",
            "fixed_version",
            "fix_state",
            "first_seen",
            "last_seen",
            "decision",
            "justification",
        ]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.vulnerability.clone(),
            self.severity.clone(),
            self.image.clone(),
            self.image_digest.clone(),
            self.package.clone(),
            self.purl.clone(),
            self.installed_version.clone(),
            self.fixed_version.clone(),
            self.fix_state.clone(),
            crate::vm::decision::rfc3339(self.first_seen),
            crate::vm::decision::rfc3339(self.last_seen),
            self.decision.clone().unwrap_or_default(),
            self.justification.clone().unwrap_or_default(),
        ]
    }
}

impl CsvRow for ScanRow {
    fn header() -> &'static [&'static str] {
        &[
            "id",
            "kind",
            "status",
            "cluster",
            "started_at",
            "finished_at",
            "images_total",
            "images_done",
            "images_failed",
            "new_findings",
            "resolved_findings",
            "error",
        ]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.kind.clone(),
            self.status.clone(),
            self.cluster.clone(),
            crate::vm::decision::rfc3339(self.started_at),
            self.finished_at
                .map(crate::vm::decision::rfc3339)
                .unwrap_or_default(),
            self.images_total.to_string(),
            self.images_done.to_string(),
            self.images_failed.to_string(),
            self.new_findings.to_string(),
            self.resolved_findings.to_string(),
            self.error.clone(),
        ]
    }
}

impl CsvRow for MisconfigurationRow {
    fn header() -> &'static [&'static str] {
        &[
            "cluster",
            "namespace",
            "resource",
            "check_id",
            "severity",
            "title",
            "message",
            "first_seen",
            "last_seen",
        ]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.cluster.clone(),
            self.namespace.clone(),
            self.resource.clone(),
            self.check_id.clone(),
            self.severity.clone(),
            self.title.clone(),
            self.message.clone(),
            crate::vm::decision::rfc3339(self.first_seen),
            crate::vm::decision::rfc3339(self.last_seen),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape("a,b"), "\"a,b\"");
        assert_eq!(escape("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(escape("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(escape("-1"), "'-1");
        assert_eq!(escape("line\nbreak"), "\"line\nbreak\"");
    }
}
