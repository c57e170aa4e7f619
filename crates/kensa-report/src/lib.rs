//! kensa's shared finding model and its renderers.
//!
//! Every kensa scanner (Pod Security Standards, misconfiguration checks,
//! images, ...) reports what it found as [`Finding`]s about [`Resource`]s,
//! collected in a [`Report`]. This crate turns a report into what people and
//! machines read:
//!
//! - [`table`]: terminal tables (comfy-table), coloured or plain;
//! - [`json`]: pretty JSON of any serialisable value;
//! - [`sarif`]: SARIF 2.1.0, as GitHub code scanning reads it;
//! - [`junit`]: JUnit XML, one test case per checked resource;
//! - [`summary`]: counts per severity and a one-line summary.
//!
//! The crate is pure: renderers write to a `&mut dyn std::io::Write` or
//! return `String`s. It opens no files and detects no terminal; the caller
//! decides about colour and passes a flag.
//!
//! # Example
//!
//! ```
//! use kensa_report::{Finding, Location, Report, Resource, Severity, ToolInfo};
//!
//! let web = Resource {
//!     api_version: Some("apps/v1".into()),
//!     kind: "Deployment".into(),
//!     namespace: Some("shop".into()),
//!     name: "web".into(),
//!     location: Some(Location { file: "deploy/web.yaml".into(), line: 1, column: 1 }),
//! };
//! let report = Report {
//!     tool: ToolInfo { name: "kensa", version: "0.1.0", information_uri: "https://example.invalid/kensa" },
//!     rules: vec![],
//!     findings: vec![Finding {
//!         rule_id: "pss/baseline/privileged".into(),
//!         aliases: vec!["KSV017".into()],
//!         title: "Privileged containers".into(),
//!         severity: Severity::High,
//!         resource: web.clone(),
//!         message: r#"privileged (container "app" must not set securityContext.privileged=true)"#.into(),
//!         remediation: Some("Do not run containers as privileged.".into()),
//!         remedies: vec![],
//!         help_uri: None,
//!     }],
//!     checked: vec![web],
//!     suite_name: "pss baseline".into(),
//! };
//!
//! assert_eq!(kensa_report::summary::summary_line(&report.findings), "1 finding: 1 HIGH");
//!
//! let mut sarif = Vec::new();
//! kensa_report::sarif::render(&report, &mut sarif)?;
//! let log: serde_json::Value = serde_json::from_slice(&sarif)?;
//! assert_eq!(log["runs"][0]["results"][0]["level"], "error");
//!
//! let mut junit = Vec::new();
//! kensa_report::junit::render(&report, &mut junit)?;
//! assert!(String::from_utf8(junit)?.contains(r#"failures="1""#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod json;
pub mod junit;
mod model;
pub mod sarif;
pub mod summary;
pub mod table;

pub use model::{Finding, Location, Remedy, Report, Resource, Rule, Severity, ToolInfo};

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Writing the output failed.
    #[error("cannot write the report: {0}")]
    Io(#[from] std::io::Error),
    /// Serialising JSON (or SARIF) failed for a reason other than I/O.
    #[error("cannot serialise the report: {0}")]
    Json(#[source] serde_json::Error),
    /// A severity name that is not one of unknown, low, medium, high, critical.
    #[error("unknown severity {0:?} (expected one of: unknown, low, medium, high, critical)")]
    UnknownSeverity(String),
}

impl From<serde_json::Error> for Error {
    /// I/O errors met while writing JSON become [`Error::Io`].
    fn from(e: serde_json::Error) -> Self {
        if e.is_io() {
            Error::Io(e.into())
        } else {
            Error::Json(e)
        }
    }
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
pub(crate) mod testutil {
    use crate::{Finding, Location, Remedy, Report, Resource, Rule, Severity, ToolInfo};

    pub fn resource(kind: &str, ns: Option<&str>, name: &str, file: &str, line: u32) -> Resource {
        Resource {
            api_version: Some("apps/v1".into()),
            kind: kind.into(),
            namespace: ns.map(Into::into),
            name: name.into(),
            location: Some(Location {
                file: file.into(),
                line,
                column: 1,
            }),
        }
    }

    /// Three checked resources: `web` has two findings, `db` one, the namespace none.
    pub fn report() -> Report {
        let web = resource("Deployment", Some("shop"), "web", "deploy/web.yaml", 1);
        let db = resource("StatefulSet", Some("shop"), "db", "deploy/db.yaml", 12);
        let ns = Resource {
            api_version: Some("v1".into()),
            kind: "Namespace".into(),
            namespace: None,
            name: "shop".into(),
            location: None,
        };
        Report {
            tool: ToolInfo {
                name: "kensa",
                version: "0.1.0",
                information_uri: "https://example.invalid/kensa",
            },
            rules: vec![
                Rule {
                    id: "pss/baseline/privileged".into(),
                    title: "Privileged containers".into(),
                    description: "Privileged Pods disable most security mechanisms.".into(),
                    severity: Severity::Critical,
                    help_uri: Some("https://kubernetes.io/docs/concepts/security/pod-security-standards/".into()),
                },
                Rule {
                    id: "pss/restricted/allowPrivilegeEscalation".into(),
                    title: "Privilege escalation".into(),
                    description: "Privilege escalation must not be allowed.".into(),
                    severity: Severity::Medium,
                    help_uri: None,
                },
            ],
            findings: vec![
                Finding {
                    rule_id: "pss/restricted/allowPrivilegeEscalation".into(),
                    aliases: vec!["KSV001".into(), "AVD-KSV-0001".into()],
                    title: "Privilege escalation".into(),
                    severity: Severity::Medium,
                    resource: web.clone(),
                    message: r#"allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)"#.into(),
                    remediation: Some("Set allowPrivilegeEscalation to false.".into()),
                    remedies: vec![Remedy {
                        path: "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation".into(),
                        action: "set false".into(),
                    }],
                    help_uri: None,
                },
                Finding {
                    rule_id: "pss/baseline/privileged".into(),
                    aliases: vec!["KSV017".into()],
                    title: "Privileged containers".into(),
                    severity: Severity::Critical,
                    resource: web.clone(),
                    message: r#"privileged (container "app" must not set securityContext.privileged=true)"#.into(),
                    remediation: None,
                    remedies: vec![],
                    help_uri: None,
                },
                Finding {
                    rule_id: "pss/baseline/privileged".into(),
                    aliases: vec![],
                    title: "Privileged containers".into(),
                    severity: Severity::Critical,
                    resource: db.clone(),
                    message: r#"privileged (container "db" must not set securityContext.privileged=true)"#.into(),
                    remediation: None,
                    remedies: vec![],
                    help_uri: None,
                },
            ],
            checked: vec![web, db, ns],
            suite_name: "pss restricted".into(),
        }
    }
}
