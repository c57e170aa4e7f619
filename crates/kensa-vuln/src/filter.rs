//! Which findings are reported: `--ignore-unfixed`, `--severity` and
//! OpenVEX statements. Suppressed findings are returned with the reason,
//! so reports can list them.

use crate::matching::Finding;
use crate::model::{FixState, Severity};
use crate::vex::{self, VexStatement, VexStatus};
use std::fmt;

/// What to keep.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Drop findings without a fixed version (every state but
    /// [`FixState::Fixed`]), as Trivy's `--ignore-unfixed`.
    pub ignore_unfixed: bool,
    /// Keep only these severities; empty keeps all.
    pub severities: Vec<Severity>,
    /// VEX statements; `not_affected` and `fixed` ones suppress.
    pub vex: Vec<VexStatement>,
}

/// Why a finding was suppressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// A VEX statement says it does not apply.
    Vex {
        /// The statement's status (`not_affected` or `fixed`).
        status: VexStatus,
        /// Its justification, if given.
        justification: Option<String>,
        /// Its impact statement, if given.
        impact_statement: Option<String>,
        /// The VEX document.
        source: String,
    },
    /// `--ignore-unfixed`, and it has no fix.
    Unfixed(FixState),
    /// Its severity was not selected.
    Severity(Severity),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Vex {
                status,
                justification,
                source,
                ..
            } => {
                write!(f, "VEX {}", status.as_str())?;
                if let Some(justification) = justification {
                    write!(f, ": {justification}")?;
                }
                write!(f, " ({source})")
            }
            Reason::Unfixed(state) => write!(f, "no fix ({state})"),
            Reason::Severity(severity) => write!(f, "severity {severity} not selected"),
        }
    }
}

/// A finding that is not reported, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Suppressed {
    /// The finding.
    pub finding: Finding,
    /// Why.
    pub reason: Reason,
}

/// The reason to suppress a finding, if any: VEX first (the most
/// specific), then fix state, then severity.
pub fn reason(finding: &Finding, filter: &Filter) -> Option<Reason> {
    if let Some(statement) = vex::suppressing(&filter.vex, finding) {
        return Some(Reason::Vex {
            status: statement.status,
            justification: statement.justification.clone(),
            impact_statement: statement.impact_statement.clone(),
            source: statement.source.clone(),
        });
    }
    if filter.ignore_unfixed && finding.status != FixState::Fixed {
        return Some(Reason::Unfixed(finding.status));
    }
    if !filter.severities.is_empty() && !filter.severities.contains(&finding.severity) {
        return Some(Reason::Severity(finding.severity));
    }
    None
}

/// Splits findings into those reported and those suppressed, both in
/// their original order.
pub fn apply(findings: Vec<Finding>, filter: &Filter) -> (Vec<Finding>, Vec<Suppressed>) {
    let mut kept = Vec::with_capacity(findings.len());
    let mut suppressed = Vec::new();
    for finding in findings {
        match reason(&finding, filter) {
            Some(reason) => suppressed.push(Suppressed { finding, reason }),
            None => kept.push(finding),
        }
    }
    (kept, suppressed)
}
