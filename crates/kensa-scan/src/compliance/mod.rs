//! Compliance reports: the controls of a compliance spec (NSA, CIS, Pod
//! Security Standards), each mapped to checks, and a status per control.
//!
//! The four built-in specs are Trivy's (`specs/*.yaml`, verbatim) with
//! kensa's [`corrections::CORRECTIONS`] applied. A control's status is:
//!
//! - `FAIL` when one of its checks failed on some resource (the report
//!   counts the distinct resources);
//! - `MANUAL` when kensa cannot decide it from manifests: it has no checks
//!   (the spec leaves it to a human), its checks need node access (file
//!   permissions and kubelet settings that only the node-collector sees), or
//!   its checks read control-plane static pods and the input has none;
//! - `FAIL` when the spec's `defaultStatus` is FAIL and none of its checks
//!   had anything to look at (e.g. no ResourceQuota at all);
//! - `PASS` otherwise.

use std::collections::{BTreeMap, BTreeSet};

use kensa_report::Severity;
use serde::{Deserialize, Serialize};

use crate::check::Check;
use crate::checks;
use crate::error::{Error, Result};

pub mod corrections;

const BUILT_IN: &[(&str, &str)] = &[
    (
        "k8s-pss-baseline-0.1",
        include_str!("../../specs/k8s-pss-baseline-0.1.yaml"),
    ),
    (
        "k8s-pss-restricted-0.1",
        include_str!("../../specs/k8s-pss-restricted-0.1.yaml"),
    ),
    ("k8s-nsa-1.0", include_str!("../../specs/k8s-nsa-1.0.yaml")),
    (
        "k8s-cis-1.23",
        include_str!("../../specs/k8s-cis-1.23.yaml"),
    ),
];

/// The names of the built-in specs.
pub fn built_in_names() -> impl Iterator<Item = &'static str> {
    BUILT_IN.iter().map(|(name, _)| *name)
}

/// A compliance spec.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spec {
    /// e.g. `k8s-nsa-1.0`.
    pub id: String,
    /// e.g. `National Security Agency - Kubernetes Hardening Guidance v1.0`.
    pub title: String,
    /// The spec's version.
    pub version: String,
    /// The controls, in spec order.
    pub controls: Vec<Control>,
}

/// One control of a spec.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Control {
    /// e.g. `1.2.3`.
    pub id: String,
    /// e.g. `Preventing privileged containers`.
    pub name: String,
    /// The spec's description.
    pub description: String,
    /// The check ids (Trivy's `KSV-0017` form) after corrections.
    pub checks: Vec<String>,
    /// Node-collector commands (CIS): their presence means node access.
    pub commands: Vec<String>,
    /// The control's severity.
    pub severity: Severity,
    /// The spec's `defaultStatus` (`FAIL` when nothing was checked), if any.
    pub default_status: Option<String>,
    /// The correction kensa applied to this control, if any.
    pub correction: Option<&'static str>,
}

#[derive(Deserialize)]
struct RawFile {
    spec: RawSpec,
}

#[derive(Deserialize)]
struct RawSpec {
    id: String,
    title: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    controls: Vec<RawControl>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawControl {
    id: String,
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    checks: Option<Vec<RawRef>>,
    #[serde(default)]
    commands: Option<Vec<RawRef>>,
    severity: String,
    #[serde(default)]
    default_status: Option<String>,
}

#[derive(Deserialize)]
struct RawRef {
    id: String,
}

/// The built-in spec `name` (e.g. `k8s-nsa-1.0`), corrections applied.
pub fn built_in(name: &str) -> Result<Spec> {
    let (name, text) = BUILT_IN
        .iter()
        .find(|(known, _)| *known == name)
        .ok_or_else(|| Error::UnknownSpec(name.to_owned()))?;
    parse(name, text)
}

/// Parses a spec in Trivy's format (`spec: {id, title, controls: [...]}`)
/// and applies kensa's corrections for that spec id.
pub fn parse(source_name: &str, text: &str) -> Result<Spec> {
    let raw: RawFile = serde_saphyr::from_str(text).map_err(|e| Error::Parse {
        source_name: source_name.to_owned(),
        line: 0,
        column: 0,
        message: e.to_string(),
    })?;
    let mut controls = Vec::with_capacity(raw.spec.controls.len());
    for control in raw.spec.controls {
        let severity = control.severity.trim().parse().map_err(|_| Error::Parse {
            source_name: source_name.to_owned(),
            line: 0,
            column: 0,
            message: format!(
                "control {}: unknown severity {:?}",
                control.id, control.severity
            ),
        })?;
        let ids = |refs: Option<Vec<RawRef>>| -> Vec<String> {
            refs.unwrap_or_default()
                .into_iter()
                .map(|r| r.id.trim().to_owned())
                .collect()
        };
        let mut control = Control {
            id: control.id.trim().to_owned(),
            name: control.name.trim().to_owned(),
            description: control.description.trim().to_owned(),
            checks: ids(control.checks),
            commands: ids(control.commands),
            severity,
            default_status: control
                .default_status
                .map(|s| s.trim().to_ascii_uppercase()),
            correction: None,
        };
        if let Some(correction) = corrections::CORRECTIONS
            .iter()
            .find(|c| c.spec == raw.spec.id && c.control == control.id)
            && control.checks == correction.upstream
        {
            control.checks = correction.checks.iter().map(|s| (*s).to_owned()).collect();
            control.correction = Some(correction.reason);
        }
        controls.push(control);
    }
    Ok(Spec {
        id: raw.spec.id,
        title: raw.spec.title,
        version: raw.spec.version,
        controls,
    })
}

/// A control's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// No check of the control failed.
    Pass,
    /// A check of the control failed.
    Fail,
    /// kensa cannot decide the control from its input; see the reason.
    Manual,
}

impl Status {
    /// `PASS`, `FAIL` or `MANUAL`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Manual => "MANUAL",
        }
    }
}

/// One failed check on one resource, as the compliance evaluation sees it.
#[derive(Debug, Clone)]
pub struct Failure<'a> {
    /// The failed check.
    pub check: &'static Check,
    /// A stable key naming the resource (e.g. `file.yaml: Deployment shop/web`).
    pub resource: &'a str,
    /// The finding's message.
    pub message: &'a str,
}

/// What the scan knew besides its failures.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// How many objects each check (by kensa id) looked at.
    pub evaluated: BTreeMap<&'static str, usize>,
    /// Whether the input held control-plane static pods.
    pub control_plane_seen: bool,
}

/// A control's result with its failures.
#[derive(Debug, Clone, Serialize)]
pub struct ControlResult {
    /// The control's id.
    pub id: String,
    /// The control's name.
    pub name: String,
    /// The control's severity.
    pub severity: Severity,
    /// The status.
    pub status: Status,
    /// Why a control is MANUAL, or FAIL by the spec's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The check ids the control maps to.
    pub checks: Vec<String>,
    /// The distinct resources that failed.
    pub failed_resources: usize,
    /// Every failure: `(check id, resource, message)`.
    pub failures: Vec<ControlFailure>,
    /// kensa's correction of the upstream mapping, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correction: Option<&'static str>,
}

/// One failure under a control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlFailure {
    /// The check's alias as the spec names it (`KSV-0017`).
    pub check: String,
    /// The resource.
    pub resource: String,
    /// The message.
    pub message: String,
}

/// A spec's report.
#[derive(Debug, Clone, Serialize)]
pub struct ComplianceReport {
    /// The spec id.
    pub id: String,
    /// The spec title.
    pub title: String,
    /// One result per control, in spec order.
    pub controls: Vec<ControlResult>,
}

impl ComplianceReport {
    /// How many controls have `status`.
    pub fn count(&self, status: Status) -> usize {
        self.controls.iter().filter(|c| c.status == status).count()
    }
}

/// Whether a check id needs node access (Trivy's node-collector checks, KCV-0048 to KCV-0092).
pub fn needs_node_access(check_id: &str) -> bool {
    check_id
        .strip_prefix("KCV-")
        .and_then(|n| n.parse::<u32>().ok())
        .is_some_and(|n| (48..=92).contains(&n))
}

fn reads_control_plane(check_id: &str) -> bool {
    check_id
        .strip_prefix("KCV-")
        .and_then(|n| n.parse::<u32>().ok())
        .is_some_and(|n| n <= 47)
}

/// Evaluates `spec` against a scan's failures.
pub fn evaluate(spec: &Spec, failures: &[Failure<'_>], coverage: &Coverage) -> ComplianceReport {
    let controls = spec
        .controls
        .iter()
        .map(|control| evaluate_control(control, failures, coverage))
        .collect();
    ComplianceReport {
        id: spec.id.clone(),
        title: spec.title.clone(),
        controls,
    }
}

fn evaluate_control(
    control: &Control,
    failures: &[Failure<'_>],
    coverage: &Coverage,
) -> ControlResult {
    let mut result = ControlResult {
        id: control.id.clone(),
        name: control.name.clone(),
        severity: control.severity,
        status: Status::Pass,
        reason: None,
        checks: control.checks.clone(),
        failed_resources: 0,
        failures: Vec::new(),
        correction: control.correction,
    };
    let manual = |result: &mut ControlResult, reason: String| {
        result.status = Status::Manual;
        result.reason = Some(reason);
    };
    if control.checks.is_empty() {
        manual(
            &mut result,
            "no automated check: the spec leaves this control to a human".to_owned(),
        );
        return result;
    }
    if control.checks.iter().all(|id| needs_node_access(id)) || !control.commands.is_empty() {
        manual(
            &mut result,
            "needs node access (file permissions, ownership or kubelet settings on the node), which manifests do not show".to_owned(),
        );
        return result;
    }
    let known: Vec<(&String, &'static Check)> = control
        .checks
        .iter()
        .filter_map(|id| checks::by_name(id).map(|check| (id, check)))
        .collect();
    if known.is_empty() {
        manual(
            &mut result,
            format!("kensa has no check {}", control.checks.join(", ")),
        );
        return result;
    }
    if control.checks.iter().all(|id| reads_control_plane(id)) && !coverage.control_plane_seen {
        manual(
            &mut result,
            "reads the control-plane static pods (kube-apiserver, controller manager, scheduler, etcd), and the input has none: scan /etc/kubernetes/manifests or the kube-system pods".to_owned(),
        );
        return result;
    }
    let mut resources = BTreeSet::new();
    for failure in failures {
        if let Some((alias, _)) = known
            .iter()
            .find(|(_, check)| std::ptr::eq(*check, failure.check))
        {
            resources.insert(failure.resource);
            result.failures.push(ControlFailure {
                check: (*alias).clone(),
                resource: failure.resource.to_owned(),
                message: failure.message.to_owned(),
            });
        }
    }
    result.failed_resources = resources.len();
    if !result.failures.is_empty() {
        result.status = Status::Fail;
    } else if control.default_status.as_deref() == Some("FAIL")
        && known
            .iter()
            .all(|(_, check)| coverage.evaluated.get(check.id).copied().unwrap_or(0) == 0)
    {
        result.status = Status::Fail;
        result.reason = Some(
            "nothing to check: the input has no object these checks look at, and the spec fails the control by default".to_owned(),
        );
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_specs_parse_with_their_control_counts() {
        let counts: Vec<(String, usize)> = built_in_names()
            .map(|name| {
                let spec = built_in(name).unwrap();
                (spec.id, spec.controls.len())
            })
            .collect();
        assert_eq!(
            counts,
            [
                ("k8s-pss-baseline-0.1".to_owned(), 11),
                ("k8s-pss-restricted-0.1".to_owned(), 17),
                ("k8s-nsa-1.0".to_owned(), 27),
                ("k8s-cis-1.23".to_owned(), 116),
            ]
        );
    }

    #[test]
    fn every_correction_applies() {
        for correction in corrections::CORRECTIONS {
            let spec = built_in(correction.spec).unwrap();
            let control = spec
                .controls
                .iter()
                .find(|c| c.id == correction.control)
                .unwrap();
            assert_eq!(control.checks, correction.checks, "{}", correction.reason);
            assert!(control.correction.is_some());
        }
    }

    #[test]
    fn unknown_spec_is_an_error() {
        assert!(matches!(built_in("k8s-nope"), Err(Error::UnknownSpec(_))));
    }

    #[test]
    fn controls_without_checks_and_node_controls_are_manual() {
        let nsa = built_in("k8s-nsa-1.0").unwrap();
        let report = evaluate(&nsa, &[], &Coverage::default());
        let cni = report.controls.iter().find(|c| c.id == "3.0").unwrap();
        assert_eq!(cni.status, Status::Manual);
        let cis = built_in("k8s-cis-1.23").unwrap();
        let report = evaluate(&cis, &[], &Coverage::default());
        let perms = report.controls.iter().find(|c| c.id == "1.1.1").unwrap();
        assert_eq!(perms.status, Status::Manual);
        assert!(perms.reason.as_deref().unwrap().contains("node access"));
    }

    #[test]
    fn a_failed_check_fails_its_control_and_counts_resources() {
        let baseline = built_in("k8s-pss-baseline-0.1").unwrap();
        let check = checks::by_name("KSV-0001").unwrap();
        // KSV-0001 is in restricted, not baseline: use the restricted spec.
        let restricted = built_in("k8s-pss-restricted-0.1").unwrap();
        let failures = [
            Failure {
                check,
                resource: "a.yaml: Pod a",
                message: "m1",
            },
            Failure {
                check,
                resource: "a.yaml: Pod a",
                message: "m2",
            },
            Failure {
                check,
                resource: "b.yaml: Pod b",
                message: "m3",
            },
        ];
        let report = evaluate(&restricted, &failures, &Coverage::default());
        let control = report
            .controls
            .iter()
            .find(|c| c.checks == ["KSV-0001"])
            .unwrap();
        assert_eq!(control.status, Status::Fail);
        assert_eq!(control.failed_resources, 2);
        assert_eq!(control.failures.len(), 3);
        let report = evaluate(&baseline, &failures, &Coverage::default());
        assert_eq!(report.count(Status::Fail), 0);
    }

    #[test]
    fn default_fail_applies_only_when_nothing_was_checked() {
        let nsa = built_in("k8s-nsa-1.0").unwrap();
        let report = evaluate(&nsa, &[], &Coverage::default());
        let quota = report.controls.iter().find(|c| c.id == "4.0").unwrap();
        if checks::by_name("KSV-0040").is_some() {
            assert_eq!(quota.status, Status::Fail);
            let mut coverage = Coverage::default();
            coverage
                .evaluated
                .insert(checks::by_name("KSV-0040").unwrap().id, 1);
            let report = evaluate(&nsa, &[], &coverage);
            let quota = report.controls.iter().find(|c| c.id == "4.0").unwrap();
            assert_eq!(quota.status, Status::Pass);
        }
    }
}
