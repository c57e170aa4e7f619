//! The scan's results, grouped by target file, and their JSON form in
//! Trivy's shape (`Results[].Misconfigurations[]`), so that tools reading
//! `trivy config -f json` read kensa's output too.
//!
//! The schema (documented in docs/scan.md) is stable: fields are only ever
//! added. kensa's own id is `ID`; Trivy's and Checkov's ids are in
//! `Aliases`, Trivy's AVD id also in `AVDID`.

use kensa_report::Severity;
use serde::Serialize;

use crate::check::Check;
use crate::suppress::Suppression;

/// What kind of file a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetType {
    /// Kubernetes manifests (YAML or JSON), a snapshot or a cluster.
    Kubernetes,
    /// A Dockerfile or Containerfile.
    Dockerfile,
}

/// The object a finding is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectRef {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace`, if set.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
    /// The object's first line.
    pub line: u32,
}

impl ObjectRef {
    /// `Deployment shop/web` or `ClusterRole admin`.
    pub fn display_name(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

/// One finding, located.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The check that failed.
    pub check: &'static Check,
    /// The message.
    pub message: String,
    /// The object, for Kubernetes targets.
    pub object: Option<ObjectRef>,
    /// The field at fault, if the check named one.
    pub path: Option<String>,
    /// First line of the cause (1-based; 0 when unknown).
    pub start_line: u32,
    /// Last line of the cause.
    pub end_line: u32,
    /// Why it was suppressed, for suppressed findings.
    pub suppression: Option<Suppression>,
}

/// The results for one file (or stdin, or a cluster).
#[derive(Debug, Clone)]
pub struct Target {
    /// The file as given, `<stdin>`, or `cluster:CONTEXT`.
    pub name: String,
    /// Manifests or Dockerfile.
    pub kind: TargetType,
    /// How many check × object pairs passed.
    pub successes: u32,
    /// Failures that remain.
    pub failures: Vec<Entry>,
    /// Failures that a suppression accepted.
    pub suppressed: Vec<Entry>,
    /// The file's text, for code excerpts (None for clusters).
    pub text: Option<std::sync::Arc<SourceText>>,
}

/// A file's text with where each line starts, so that excerpts of many
/// findings in a large file cost only the lines they show.
#[derive(Debug, Clone)]
pub struct SourceText {
    text: std::sync::Arc<str>,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
}

impl SourceText {
    /// Indexes `text`'s lines.
    pub fn new(text: std::sync::Arc<str>) -> SourceText {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .filter(|&start| start < text.len())
            .collect();
        SourceText { text, line_starts }
    }

    /// Line `number` (1-based) without its line ending, if it exists.
    pub fn line(&self, number: u32) -> Option<&str> {
        let index = (number as usize).checked_sub(1)?;
        let start = *self.line_starts.get(index)?;
        let end = self
            .line_starts
            .get(index + 1)
            .map_or(self.text.len(), |&next| next - 1);
        Some(self.text[start..end].trim_end_matches('\r'))
    }
}

/// At most this many lines of code per cause; longer causes are truncated.
pub const MAX_CODE_LINES: u32 = 12;

/// One line of a cause's code excerpt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeLine {
    /// 1-based line number.
    pub number: u32,
    /// The line's text.
    pub content: String,
    /// Whether the line is part of the cause.
    pub is_cause: bool,
    /// Whether this is the first line of the cause.
    pub first_cause: bool,
    /// Whether this is the last line of the cause.
    pub last_cause: bool,
    /// Whether lines were left out after this one.
    pub truncated: bool,
}

/// The lines `start..=end` of `text` (capped at [`MAX_CODE_LINES`]).
pub fn code_lines(text: &SourceText, start: u32, end: u32) -> Vec<CodeLine> {
    if start == 0 {
        return Vec::new();
    }
    let end = end.max(start);
    let shown_end = end.min(start + MAX_CODE_LINES - 1);
    (start..=shown_end)
        .map_while(|number| {
            text.line(number).map(|content| CodeLine {
                number,
                content: content.to_owned(),
                is_cause: true,
                first_cause: number == start,
                last_cause: number == end,
                truncated: number == shown_end && shown_end < end,
            })
        })
        .collect()
}

/// Trivy's JSON report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JsonReport {
    /// Always 2, as Trivy's.
    pub schema_version: u32,
    /// What was scanned (the first argument, or `cluster`).
    pub artifact_name: String,
    /// `filesystem` or `kubernetes`.
    pub artifact_type: String,
    /// One result per target.
    pub results: Vec<JsonResult>,
}

/// One target's results.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JsonResult {
    /// The file.
    pub target: String,
    /// Always `config`.
    pub class: &'static str,
    /// `kubernetes` or `dockerfile`.
    #[serde(rename = "Type")]
    pub target_type: TargetType,
    /// Counts.
    pub misconf_summary: MisconfSummary,
    /// The findings (failures, then with `--show-suppressed` the exceptions).
    pub misconfigurations: Vec<JsonMisconfiguration>,
}

/// Trivy's summary counts.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MisconfSummary {
    /// Passed check × object pairs.
    pub successes: u32,
    /// Failures.
    pub failures: u32,
    /// Suppressed failures.
    pub exceptions: u32,
}

/// One finding in Trivy's shape.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JsonMisconfiguration {
    /// `Kubernetes Security Check` or `Dockerfile Security Check`.
    #[serde(rename = "Type")]
    pub check_type: &'static str,
    /// kensa's id.
    #[serde(rename = "ID")]
    pub id: &'static str,
    /// Trivy's AVD id, when the check has one.
    #[serde(rename = "AVDID", skip_serializing_if = "Option::is_none")]
    pub avd_id: Option<&'static str>,
    /// Every other id: Trivy's, Checkov's.
    pub aliases: &'static [&'static str],
    /// The check's title.
    pub title: &'static str,
    /// Why the check matters.
    pub description: &'static str,
    /// What is wrong here.
    pub message: String,
    /// How to fix it.
    pub resolution: &'static str,
    /// The check's severity.
    pub severity: Severity,
    /// `FAIL`, or `EXCEPTION` for a suppressed finding.
    pub status: &'static str,
    /// Why a finding is an exception.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    /// Where.
    pub cause_metadata: CauseMetadata,
}

/// Where a finding is.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CauseMetadata {
    /// `Kind namespace/name` of the object; empty for Dockerfiles.
    pub resource: String,
    /// `Kubernetes` or `Dockerfile`.
    pub provider: &'static str,
    /// `general`, as Trivy.
    pub service: &'static str,
    /// The field at fault, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// First line of the cause.
    pub start_line: u32,
    /// Last line of the cause.
    pub end_line: u32,
    /// The cause's lines.
    pub code: Code,
}

/// A code excerpt.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Code {
    /// The lines.
    pub lines: Vec<CodeLine>,
}

fn avd_id(check: &Check) -> Option<&'static str> {
    check
        .aliases
        .iter()
        .copied()
        .find(|alias| alias.starts_with("AVD-"))
}

fn misconfiguration(target: &Target, entry: &Entry, status: &'static str) -> JsonMisconfiguration {
    let (check_type, provider) = match target.kind {
        TargetType::Kubernetes => ("Kubernetes Security Check", "Kubernetes"),
        TargetType::Dockerfile => ("Dockerfile Security Check", "Dockerfile"),
    };
    let lines = target
        .text
        .as_deref()
        .map(|text| code_lines(text, entry.start_line, entry.end_line))
        .unwrap_or_default();
    JsonMisconfiguration {
        check_type,
        id: entry.check.id,
        avd_id: avd_id(entry.check),
        aliases: entry.check.aliases,
        title: entry.check.title,
        description: entry.check.description,
        message: entry.message.clone(),
        resolution: entry.check.remediation,
        severity: entry.check.severity,
        status,
        suppression: entry.suppression.clone(),
        cause_metadata: CauseMetadata {
            resource: entry
                .object
                .as_ref()
                .map(ObjectRef::display_name)
                .unwrap_or_default(),
            provider,
            service: "general",
            field: entry.path.clone(),
            start_line: entry.start_line,
            end_line: entry.end_line,
            code: Code { lines },
        },
    }
}

/// Builds the JSON report. Suppressed findings are listed (as `EXCEPTION`)
/// only with `show_suppressed`; they are always counted.
pub fn json_report(
    artifact_name: &str,
    artifact_type: &str,
    targets: &[Target],
    show_suppressed: bool,
) -> JsonReport {
    JsonReport {
        schema_version: 2,
        artifact_name: artifact_name.to_owned(),
        artifact_type: artifact_type.to_owned(),
        results: targets
            .iter()
            .map(|target| {
                let mut misconfigurations: Vec<JsonMisconfiguration> = target
                    .failures
                    .iter()
                    .map(|entry| misconfiguration(target, entry, "FAIL"))
                    .collect();
                if show_suppressed {
                    misconfigurations.extend(
                        target
                            .suppressed
                            .iter()
                            .map(|entry| misconfiguration(target, entry, "EXCEPTION")),
                    );
                }
                JsonResult {
                    target: target.name.clone(),
                    class: "config",
                    target_type: target.kind,
                    misconf_summary: MisconfSummary {
                        successes: target.successes,
                        failures: target.failures.len() as u32,
                        exceptions: target.suppressed.len() as u32,
                    },
                    misconfigurations,
                }
            })
            .collect(),
    }
}

/// Results serialised together by [`JsonReport::write_pretty`].
const JSON_BATCH: usize = 32;

/// One result as pretty JSON, its lines indented by four spaces for its
/// place two levels deep in the report.
fn indented_result(result: &JsonResult) -> std::io::Result<Vec<u8>> {
    let json = serde_json::to_vec_pretty(result).map_err(std::io::Error::other)?;
    let mut indented = Vec::with_capacity(json.len() + json.len() / 8);
    for (i, line) in json.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            indented.extend_from_slice(b"\n    ");
        }
        indented.extend_from_slice(line);
    }
    Ok(indented)
}

impl JsonReport {
    /// Writes the report as pretty JSON and a newline, byte for byte what
    /// `serde_json::to_writer_pretty` writes, with the results serialised
    /// on rayon's pool (large scans produce tens of megabytes).
    pub fn write_pretty(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        use rayon::prelude::*;

        let string = |s: &str| serde_json::to_string(s).map_err(std::io::Error::other);
        write!(
            out,
            "{{\n  \"SchemaVersion\": {},\n  \"ArtifactName\": {},\n  \"ArtifactType\": {},\n  \"Results\": ",
            self.schema_version,
            string(&self.artifact_name)?,
            string(&self.artifact_type)?
        )?;
        if self.results.is_empty() {
            out.write_all(b"[]")?;
        } else {
            out.write_all(b"[\n    ")?;
            // In batches, so that only a batch's JSON is held in memory.
            for (batch_index, batch) in self.results.chunks(JSON_BATCH).enumerate() {
                let serialised: Vec<Vec<u8>> = batch
                    .par_iter()
                    .map(indented_result)
                    .collect::<std::io::Result<_>>()?;
                for (i, result) in serialised.iter().enumerate() {
                    if batch_index > 0 || i > 0 {
                        out.write_all(b",\n    ")?;
                    }
                    out.write_all(result)?;
                }
            }
            out.write_all(b"\n  ]")?;
        }
        out.write_all(b"\n}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_json_is_byte_identical_to_serde_json() {
        let check = crate::checks::by_name("KSV-0001").unwrap();
        let entry = Entry {
            check,
            message: "m \"quoted\"\nline".to_owned(),
            object: None,
            path: Some("spec".to_owned()),
            start_line: 1,
            end_line: 2,
            suppression: None,
        };
        let target = |name: &str, failures: Vec<Entry>| Target {
            name: name.to_owned(),
            kind: TargetType::Kubernetes,
            successes: 3,
            failures,
            suppressed: Vec::new(),
            text: Some(std::sync::Arc::new(SourceText::new("a: 1\nb: 2\n".into()))),
        };
        for targets in [
            vec![],
            vec![target("a.yaml", vec![])],
            vec![
                target("a.yaml", vec![entry.clone()]),
                target("b \"x\".yaml", vec![entry.clone(), entry.clone()]),
            ],
            (0..70)
                .map(|i| target(&format!("{i}.yaml"), vec![entry.clone()]))
                .collect(),
        ] {
            let report = json_report("dir/", "filesystem", &targets, false);
            let mut ours = Vec::new();
            report.write_pretty(&mut ours).unwrap();
            let mut expected = serde_json::to_vec_pretty(&report).unwrap();
            expected.push(b'\n');
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(expected).unwrap()
            );
        }
    }

    #[test]
    fn code_lines_mark_the_cause_and_truncate() {
        let joined = (1..=30)
            .map(|n| format!("line {n}"))
            .collect::<Vec<_>>()
            .join("\r\n");
        let text = SourceText::new(joined.into());
        assert_eq!(text.line(30), Some("line 30"));
        assert_eq!(text.line(31), None);
        let lines = code_lines(&text, 3, 4);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].first_cause && !lines[0].last_cause);
        assert!(lines[1].last_cause);
        assert_eq!(lines[1].content, "line 4");
        let long = code_lines(&text, 2, 29);
        assert_eq!(long.len() as u32, MAX_CODE_LINES);
        assert!(long.last().unwrap().truncated);
        assert!(code_lines(&text, 0, 0).is_empty());
        assert!(code_lines(&text, 40, 41).is_empty());
    }
}
