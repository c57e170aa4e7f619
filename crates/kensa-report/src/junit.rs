//! JUnit XML, for CI systems that show test reports.
//!
//! One `<testsuite>` named after [`Report::suite_name`], one `<testcase>` per
//! checked resource: `classname` is `Kind.namespace` (or `Kind`), `name` is
//! `name (file:line)` (or `name`). A resource with findings fails with one
//! `<failure>` whose body lists each finding, the most severe first, as
//! `SEVERITY rule: message` on its own line. Findings about resources that
//! are not in [`Report::checked`] get test cases of their own after the
//! checked ones, so none is lost.
//!
//! The XML is written by hand; text and attributes are escaped, and
//! characters that XML 1.0 does not allow are dropped.

use std::collections::HashMap;
use std::io::Write;

use crate::{Finding, Report, Resource, Result, summary};

/// Writes `report` as JUnit XML.
pub fn render(report: &Report, out: &mut dyn Write) -> Result<()> {
    let cases = cases(report);
    let tests = cases.len();
    let failures = cases.iter().filter(|(_, f)| !f.is_empty()).count();

    let mut xml = String::new();
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">\n",
        escape(report.tool.name, true)
    ));
    xml.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n",
        escape(&report.suite_name, true)
    ));
    for (resource, findings) in &cases {
        let classname = match &resource.namespace {
            Some(ns) => format!("{}.{ns}", resource.kind),
            None => resource.kind.clone(),
        };
        let name = match &resource.location {
            Some(loc) => format!("{} ({loc})", resource.name),
            None => resource.name.clone(),
        };
        xml.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\"",
            escape(&classname, true),
            escape(&name, true)
        ));
        if findings.is_empty() {
            xml.push_str("/>\n");
            continue;
        }
        let mut findings = findings.clone();
        // Stable: findings of equal severity keep the report's order.
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let message = match findings.as_slice() {
            [only] => only.message.clone(),
            _ => summary::summary_line(findings.iter().copied()),
        };
        let mut types: Vec<&str> = Vec::new();
        for f in &findings {
            if !types.contains(&f.rule_id.as_str()) {
                types.push(&f.rule_id);
            }
        }
        xml.push_str(&format!(
            ">\n      <failure message=\"{}\" type=\"{}\">",
            escape(&message, true),
            escape(&types.join(","), true)
        ));
        for f in &findings {
            xml.push_str(&escape(
                &format!("{} {}: {}\n", f.severity, f.rule_id, f.message),
                false,
            ));
        }
        xml.push_str("</failure>\n    </testcase>\n");
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    out.write_all(xml.as_bytes())?;
    Ok(())
}

/// What identifies a resource across `checked` and `findings` (the API
/// version is left out: a finding may not carry it).
type Key<'a> = (
    &'a str,
    Option<&'a str>,
    &'a str,
    Option<(&'a str, u32, u32)>,
);

fn key(r: &Resource) -> Key<'_> {
    (
        &r.kind,
        r.namespace.as_deref(),
        &r.name,
        r.location
            .as_ref()
            .map(|l| (l.file.as_str(), l.line, l.column)),
    )
}

/// The test cases: every checked resource with its findings, then the
/// resources that only findings name.
fn cases(report: &Report) -> Vec<(&Resource, Vec<&Finding>)> {
    let mut cases: Vec<(&Resource, Vec<&Finding>)> = Vec::new();
    let mut index: HashMap<Key<'_>, usize> = HashMap::new();
    for r in &report.checked {
        index.entry(key(r)).or_insert_with(|| {
            cases.push((r, Vec::new()));
            cases.len() - 1
        });
    }
    for f in &report.findings {
        let i = *index.entry(key(&f.resource)).or_insert_with(|| {
            cases.push((&f.resource, Vec::new()));
            cases.len() - 1
        });
        cases[i].1.push(f);
    }
    cases
}

/// Escapes `s` for XML text (`attr == false`) or a double- or single-quoted
/// attribute value (`attr == true`, where tabs, newlines and carriage returns
/// become character references so that they survive attribute value
/// normalisation). Characters that XML 1.0 does not allow (most C0 controls,
/// U+FFFE, U+FFFF) are dropped.
pub fn escape(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' if attr => out.push_str("&#9;"),
            '\n' if attr => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// XML 1.0's `Char` production (surrogates cannot occur in a `char`).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil;

    fn render_text(report: &Report) -> String {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn golden() {
        let report = testutil::report();
        let expected = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="kensa" tests="3" failures="2" errors="0">
  <testsuite name="pss restricted" tests="3" failures="2" errors="0" skipped="0">
    <testcase classname="Deployment.shop" name="web (deploy/web.yaml:1)">
      <failure message="2 findings: 1 CRITICAL, 1 MEDIUM" type="pss/baseline/privileged,pss/restricted/allowPrivilegeEscalation">CRITICAL pss/baseline/privileged: privileged (container &quot;app&quot; must not set securityContext.privileged=true)
MEDIUM pss/restricted/allowPrivilegeEscalation: allowPrivilegeEscalation != false (container &quot;app&quot; must set securityContext.allowPrivilegeEscalation=false)
</failure>
    </testcase>
    <testcase classname="StatefulSet.shop" name="db (deploy/db.yaml:12)">
      <failure message="privileged (container &quot;db&quot; must not set securityContext.privileged=true)" type="pss/baseline/privileged">CRITICAL pss/baseline/privileged: privileged (container &quot;db&quot; must not set securityContext.privileged=true)
</failure>
    </testcase>
    <testcase classname="Namespace" name="shop"/>
  </testsuite>
</testsuites>
"#;
        assert_eq!(render_text(&report), expected);
    }

    #[test]
    fn counts_and_unlisted_resources() {
        let mut report = testutil::report();
        // A finding about a resource that was not listed as checked.
        let mut f = report.findings[2].clone();
        f.resource.name = "cache".into();
        report.findings.push(f);
        // The same object listed twice is one test case.
        report.checked.push(report.checked[0].clone());
        let text = render_text(&report);
        assert!(
            text.contains(r#"<testsuites name="kensa" tests="4" failures="3""#),
            "{text}"
        );
        assert!(
            text.contains(r#"tests="4" failures="3" errors="0" skipped="0">"#),
            "{text}"
        );
        assert_eq!(text.matches("<testcase ").count(), 4);
        assert_eq!(text.matches("<failure ").count(), 3);
        assert!(text.contains(
            r#"<testcase classname="StatefulSet.shop" name="cache (deploy/db.yaml:12)">"#
        ));
    }

    #[test]
    fn nothing_checked() {
        let mut report = testutil::report();
        report.checked.clear();
        report.findings.clear();
        let text = render_text(&report);
        assert!(text.contains(r#"tests="0" failures="0""#), "{text}");
        assert!(!text.contains("<testcase"));
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape(r#"a & b < c > d "e" 'f'"#, false),
            "a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos;"
        );
        assert_eq!(escape("x\ty\nz\r", false), "x\ty\nz&#13;");
        assert_eq!(escape("x\ty\nz\r", true), "x&#9;y&#10;z&#13;");
        assert_eq!(
            escape("bell\u{7}nul\u{0}esc\u{1b}\u{FFFE}\u{FFFF}end", true),
            "bellnulescend"
        );
        assert_eq!(escape("ünï €  😀 \u{E000}", false), "ünï €  😀 \u{E000}");
        assert_eq!(escape("]]>", false), "]]&gt;");
    }

    #[test]
    fn hostile_names_are_escaped_everywhere() {
        let mut report = testutil::report();
        report.suite_name = "a\"<suite>&".into();
        report.checked[0].name = "we'b\u{1}".into();
        report.findings[0].resource.name = "we'b\u{1}".into();
        report.findings[1].resource.name = "we'b\u{1}".into();
        report.findings[1].message = "line1\nline2 <b>".into();
        let text = render_text(&report);
        assert!(
            text.contains(r#"<testsuite name="a&quot;&lt;suite&gt;&amp;""#),
            "{text}"
        );
        assert!(
            text.contains(r#"name="we&apos;b (deploy/web.yaml:1)""#),
            "{text}"
        );
        assert!(
            text.contains("CRITICAL pss/baseline/privileged: line1\nline2 &lt;b&gt;\n"),
            "{text}"
        );
        assert!(!text.contains('\u{1}'));
        // A real XML parser reads back exactly what went in.
        let doc = roxmltree::Document::parse(&text).unwrap();
        let suite = doc
            .descendants()
            .find(|n| n.has_tag_name("testsuite"))
            .unwrap();
        assert_eq!(suite.attribute("name"), Some("a\"<suite>&"));
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        assert_eq!(failure.text().unwrap().lines().nth(1), Some("line2 <b>"));
    }

    #[test]
    fn parses_as_junit() {
        let mut report = testutil::report();
        report.findings[0].message = "multi\nline\tmessage".into();
        report.findings.truncate(1);
        let text = render_text(&report);
        let doc = roxmltree::Document::parse(&text).unwrap();
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        assert_eq!(root.attribute("tests"), Some("3"));
        assert_eq!(root.attribute("failures"), Some("1"));
        let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
        assert_eq!(suites.len(), 1);
        let cases: Vec<_> = suites[0].children().filter(|n| n.is_element()).collect();
        assert_eq!(cases.len(), 3);
        assert!(cases.iter().all(|c| c.has_tag_name("testcase")));
        let failure = cases[0].first_element_child().unwrap();
        assert_eq!(failure.tag_name().name(), "failure");
        // Newlines and tabs in attributes survive as character references.
        assert_eq!(failure.attribute("message"), Some("multi\nline\tmessage"));
        assert_eq!(
            failure.attribute("type"),
            Some("pss/restricted/allowPrivilegeEscalation")
        );
        assert_eq!(cases[1].first_element_child(), None);
    }
}
