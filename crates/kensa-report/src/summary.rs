//! Counts per severity and a one-line summary.
//!
//! ```
//! use std::collections::BTreeMap;
//! use kensa_report::{summary, Severity};
//!
//! let counts = BTreeMap::from([(Severity::High, 2), (Severity::Critical, 1)]);
//! assert_eq!(summary::format_counts(&counts), "3 findings: 1 CRITICAL, 2 HIGH");
//! assert_eq!(summary::summary_line(&[]), "no findings");
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::{Finding, Severity};

/// The number of findings per severity; severities without findings are absent.
pub fn counts<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> BTreeMap<Severity, usize> {
    let mut counts = BTreeMap::new();
    for f in findings {
        *counts.entry(f.severity).or_insert(0) += 1;
    }
    counts
}

/// `"3 findings: 1 CRITICAL, 2 HIGH"`, `"1 finding: 1 LOW"` or `"no findings"`.
pub fn summary_line<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> String {
    format_counts(&counts(findings))
}

/// [`summary_line`] from counts made elsewhere; zero counts are left out,
/// the most severe comes first.
pub fn format_counts(counts: &BTreeMap<Severity, usize>) -> String {
    let total: usize = counts.values().sum();
    if total == 0 {
        return "no findings".to_owned();
    }
    let mut line = format!("{total} finding{}:", if total == 1 { "" } else { "s" });
    let mut first = true;
    for (sev, n) in counts.iter().rev().filter(|(_, n)| **n > 0) {
        let sep = if first { " " } else { ", " };
        first = false;
        // Writing to a String cannot fail.
        let _ = write!(line, "{sep}{n} {sev}");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil;

    #[test]
    fn counts_per_severity() {
        let report = testutil::report();
        let c = counts(&report.findings);
        assert_eq!(
            c.into_iter().collect::<Vec<_>>(),
            vec![(Severity::Medium, 1), (Severity::Critical, 2)]
        );
    }

    #[test]
    fn lines() {
        let report = testutil::report();
        assert_eq!(
            summary_line(&report.findings),
            "3 findings: 2 CRITICAL, 1 MEDIUM"
        );
        assert_eq!(summary_line(&report.findings[..1]), "1 finding: 1 MEDIUM");
        assert_eq!(summary_line(&[]), "no findings");
        assert_eq!(
            summary_line(report.findings.iter().skip(2)),
            "1 finding: 1 CRITICAL"
        );
        let zeros = BTreeMap::from([(Severity::Low, 0), (Severity::Unknown, 2)]);
        assert_eq!(format_counts(&zeros), "2 findings: 2 UNKNOWN");
        assert_eq!(
            format_counts(&BTreeMap::from([(Severity::Low, 0)])),
            "no findings"
        );
    }
}
