//! Automatic fixes for `kensa fix`: harden the pod templates of YAML
//! manifests to a Pod Security Standards level, editing the text in place.
//!
//! [`fix_yaml`] is pure: it takes a file's text and returns the fixed text,
//! what it changed per workload, what it could not decide ([`WorkloadFix::notes`])
//! and what is left for a human ([`WorkloadFix::manual`]). [`unified_diff`]
//! shows the change as `diff -u` would.
//!
//! # Text is preserved
//!
//! The fixer parses the YAML for positions only and splices its edits into
//! the original text: comments, key order, quoting, indentation, blank lines
//! and line breaks of everything it does not touch stay byte for byte. New
//! keys go on new lines after a mapping's last line, at the indentation of
//! its keys; a flow collection it must change (`securityContext: {}`) is
//! rewritten as a whole, in flow style. Every document of a multi-document
//! file is fixed; `kind: List` items too. Fixing fixed output changes nothing.
//!
//! JSON is not edited (an error says so) and a file that is not valid YAML
//! (a Helm template) comes back unchanged with an error naming the line.
//!
//! # What it sets
//!
//! In every pod template (Pod: `spec`; Deployment, ReplicaSet, StatefulSet,
//! DaemonSet, Job, ReplicationController: `spec.template.spec`; CronJob:
//! `spec.jobTemplate.spec.template.spec`; PodTemplate: `template.spec`), for
//! level [`Level::Restricted`]:
//!
//! - pod `securityContext.runAsNonRoot: true`, unless every container sets it;
//!   `runAsNonRoot: false` (pod or container) becomes `true`, with a note;
//! - pod `securityContext.seccompProfile: {type: RuntimeDefault}`, unless every
//!   container sets an acceptable profile (`RuntimeDefault` or `Localhost`);
//!   any other profile type (pod or container, `Unconfined`) becomes
//!   `RuntimeDefault`, with a note;
//! - in every container, init container and ephemeral container:
//!   `securityContext.allowPrivilegeEscalation: false`,
//!   `capabilities.drop: [ALL]` (`ALL` appended to an existing list), added
//!   capabilities other than `NET_BIND_SERVICE` removed (each removal is a
//!   change), `privileged: true` → `false` (with a note).
//!
//! For level [`Level::Baseline`] it only sets what baseline needs:
//! `privileged: true` → `false`, added capabilities outside baseline's
//! default set removed, a seccomp profile type other than `RuntimeDefault`
//! or `Localhost` → `RuntimeDefault`. Every other baseline failure is manual.
//! [`Level::Privileged`] changes nothing.
//!
//! With [`FixOptions::read_only_root`], every container also gets
//! `readOnlyRootFilesystem: true` and an `emptyDir` volume and mount for each
//! path it must write: [`FixOptions::writable`] when given, otherwise the
//! paths of a small table of well-known images (nginx, httpd, redis,
//! postgres, mysql, mariadb, mongo, rabbitmq, grafana, prometheus, busybox,
//! alpine, ...; see `images.rs`). A path already mounted (or under a mounted
//! path) gets nothing.
//!
//! Existing values that already pass are left alone. Windows pods
//! (`spec.os.name: windows`) get no Linux-only fields.
//!
//! # What it leaves to a human
//!
//! [`WorkloadFix::manual`] lists every remaining failure of the level:
//! `hostNetwork`/`hostPID`/`hostIPC: true`, `hostPath` volumes (and, for
//! restricted, every volume type but configMap, csi, downwardAPI, emptyDir,
//! ephemeral, image, persistentVolumeClaim, projected, secret), host ports,
//! unsafe sysctls, `runAsUser: 0`, custom SELinux options, non-default
//! `procMount`, AppArmor `Unconfined`, Windows HostProcess, probe or
//! lifecycle hosts, and anything it could not edit (a YAML alias, a field of
//! an unexpected type). A workload with an empty `manual` list passes the
//! level once fixed.
//!
//! [`WorkloadFix::notes`] say what may break at run time: an image known to
//! run as root or on a privileged port (nginx on 80: use
//! nginxinc/nginx-unprivileged or listen on 8080), an entrypoint that starts
//! as root and drops to UID 999 (redis, postgres, ...), a container that was
//! privileged, a read-only image whose writable paths are not known.
//!
//! ```
//! use kensa_scan::fix::{FixOptions, fix_yaml};
//!
//! let yaml = "\
//! apiVersion: v1
//! kind: Pod
//! metadata:
//!   name: web # the front end
//! spec:
//!   containers:
//!   - name: app
//!     image: registry.example/web:1.0
//!     securityContext: {}
//! ";
//! let outcome = fix_yaml("pod.yaml", yaml, &FixOptions::default());
//! assert_eq!(outcome.text, "\
//! apiVersion: v1
//! kind: Pod
//! metadata:
//!   name: web # the front end
//! spec:
//!   containers:
//!   - name: app
//!     image: registry.example/web:1.0
//!     securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
//!   securityContext:
//!     runAsNonRoot: true
//!     seccompProfile:
//!       type: RuntimeDefault
//! ");
//! assert_eq!(outcome.workloads[0].name, "web");
//! assert!(outcome.workloads[0].manual.is_empty());
//! ```

mod diff;
mod edit;
mod images;
mod pod;
mod tree;

use std::fmt;

use serde::Serialize;

pub use diff::unified_diff;
pub use kensa_pss::api::Level;

use edit::{Layout, Patch, Splicer, splice};
use tree::Node;

/// What to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixOptions {
    /// The Pod Security Standards level to reach.
    pub level: Level,
    /// Also set `readOnlyRootFilesystem: true`, with emptyDir volumes for the
    /// paths containers write to.
    pub read_only_root: bool,
    /// The paths every container must write to under `read_only_root` (each
    /// gets an emptyDir volume); empty means: use the table of well-known images.
    pub writable: Vec<String>,
}

impl Default for FixOptions {
    /// Restricted, root filesystem left writable.
    fn default() -> Self {
        FixOptions {
            level: Level::Restricted,
            read_only_root: false,
            writable: Vec::new(),
        }
    }
}

/// The result of fixing one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixOutcome {
    /// The source name given to [`fix_yaml`].
    pub source: String,
    /// The fixed text; the input unchanged when nothing was fixed or on error.
    pub text: String,
    /// Whether `text` differs from the input.
    pub changed: bool,
    /// Every pod-bearing object found, in file order, fixed or not.
    pub workloads: Vec<WorkloadFix>,
    /// Problems with the file as a whole (not YAML, JSON, ...).
    pub errors: Vec<FixError>,
}

/// What was done to one pod-bearing object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkloadFix {
    /// `kind` (`Deployment`, ...).
    pub kind: String,
    /// `metadata.namespace`, when set.
    pub namespace: Option<String>,
    /// `metadata.name` (empty when absent).
    pub name: String,
    /// The 1-based line where the object starts.
    pub line: usize,
    /// What was set or removed, by field path.
    pub changes: Vec<Change>,
    /// What the fixer could not decide and may need a look (an image that
    /// runs as root, a privileged container made unprivileged, ...).
    pub notes: Vec<Remark>,
    /// Failures of the level left for a human (hostPath volumes, host
    /// namespaces, ...). Empty means the object passes the level after the fix.
    pub manual: Vec<Remark>,
}

impl WorkloadFix {
    /// `Kind namespace/name` or `Kind name`.
    pub fn display_name(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

/// One edit, by field path: `from` → `to`. `from` is `None` for a field or
/// item that was added, `to` is `None` for one that was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Dotted path from the object root with `[i]` indexes, e.g.
    /// `spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation`.
    pub path: String,
    /// The value before (YAML text), if there was one.
    pub from: Option<String>,
    /// The value after (YAML text), unless removed.
    pub to: Option<String>,
}

impl fmt::Display for Change {
    /// `path: from -> to`, `path: + to` or `path: - from`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.from, &self.to) {
            (Some(from), Some(to)) => write!(f, "{}: {from} -> {to}", self.path),
            (None, Some(to)) => write!(f, "{}: + {to}", self.path),
            (Some(from), None) => write!(f, "{}: - {from}", self.path),
            (None, None) => f.write_str(&self.path),
        }
    }
}

/// A note or manual item about a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Remark {
    /// Dotted path of the field concerned.
    pub path: String,
    /// What is wrong or uncertain and what to do.
    pub message: String,
}

impl fmt::Display for Remark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A problem with a file as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixError {
    /// The 1-based line concerned.
    pub line: usize,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for FixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Where the pod template of a kind lives: (spec keys, metadata keys).
fn template_keys(kind: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    match kind {
        "Pod" => Some((&["spec"], &["metadata"])),
        "Deployment"
        | "ReplicaSet"
        | "StatefulSet"
        | "DaemonSet"
        | "Job"
        | "ReplicationController"
        | "DeploymentConfig" => Some((
            &["spec", "template", "spec"],
            &["spec", "template", "metadata"],
        )),
        "CronJob" => Some((
            &["spec", "jobTemplate", "spec", "template", "spec"],
            &["spec", "jobTemplate", "spec", "template", "metadata"],
        )),
        "PodTemplate" => Some((&["template", "spec"], &["template", "metadata"])),
        _ => None,
    }
}

/// Fixes the pod templates in one YAML file's text. See the [module
/// documentation](self) for what it sets and what it leaves. Never panics;
/// on any error the text comes back unchanged.
pub fn fix_yaml(source_name: &str, text: &str, options: &FixOptions) -> FixOutcome {
    let mut outcome = FixOutcome {
        source: source_name.to_owned(),
        text: text.to_owned(),
        changed: false,
        workloads: Vec::new(),
        errors: Vec::new(),
    };
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = body.trim_start();
    // JSON, as the loader sniffs it; `{{` opens a template, not JSON.
    if trimmed.starts_with('[') || (trimmed.starts_with('{') && !trimmed.starts_with("{{")) {
        let leading = body.len() - trimmed.len();
        let line = body[..leading].matches('\n').count() + 1;
        outcome.errors.push(FixError {
            line,
            message: "in-place fixing of JSON is not supported; convert the file to YAML first"
                .into(),
        });
        return outcome;
    }
    let docs = match tree::parse(text) {
        Ok(docs) => docs,
        Err(e) => {
            outcome.errors.push(FixError {
                line: e.line,
                message: format!(
                    "not valid YAML (a template?), left unchanged: {}",
                    e.message
                ),
            });
            return outcome;
        }
    };
    let mut edits = Vec::new();
    let crlf = text.contains("\r\n");
    for doc in &docs {
        let layout = Layout::learn(crlf, doc);
        let mut splicer = Splicer::new(text, layout);
        let list = doc
            .get("kind")
            .and_then(Node::str)
            .is_some_and(|k| k.ends_with("List"));
        if list && doc.get("items").is_some_and(Node::is_seq) {
            for (index, item) in doc
                .get("items")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                fix_object(
                    item,
                    &format!("items[{index}]"),
                    options,
                    &mut splicer,
                    &mut outcome.workloads,
                );
            }
        } else {
            fix_object(doc, "", options, &mut splicer, &mut outcome.workloads);
        }
        edits.append(&mut splicer.edits);
    }
    if edits.is_empty() {
        return outcome;
    }
    let fixed = match splice(text, edits) {
        Ok(fixed) => fixed,
        Err(message) => {
            outcome.errors.push(FixError { line: 1, message });
            return outcome;
        }
    };
    if let Err(e) = tree::parse(&fixed) {
        outcome.errors.push(FixError {
            line: e.line,
            message: format!(
                "the fix produced invalid YAML, left unchanged (internal error): {}",
                e.message
            ),
        });
        return outcome;
    }
    outcome.changed = fixed != text;
    outcome.text = fixed;
    outcome
}

/// Fixes one object (a document, or a list item at `prefix`).
fn fix_object(
    object: &Node,
    prefix: &str,
    options: &FixOptions,
    splicer: &mut Splicer<'_>,
    workloads: &mut Vec<WorkloadFix>,
) {
    let Some(kind) = object.get("kind").and_then(Node::str) else {
        return;
    };
    let Some((spec_keys, meta_keys)) = template_keys(kind) else {
        return;
    };
    let mut workload = WorkloadFix {
        kind: kind.to_owned(),
        namespace: object
            .at(&["metadata", "namespace"])
            .and_then(Node::str)
            .map(str::to_owned),
        name: object
            .at(&["metadata", "name"])
            .and_then(Node::str)
            .unwrap_or("")
            .to_owned(),
        line: object.line,
        changes: Vec::new(),
        notes: Vec::new(),
        manual: Vec::new(),
    };
    let dotted = |keys: &[&str]| {
        let path = keys.join(".");
        if prefix.is_empty() {
            path
        } else {
            format!("{prefix}.{path}")
        }
    };
    let spec_path = dotted(spec_keys);
    let Some(spec) = object.at(spec_keys).filter(|s| s.is_map()) else {
        workloads.push(workload);
        return;
    };
    let fixed = pod::fix_pod(
        spec,
        object.at(meta_keys),
        &spec_path,
        &dotted(meta_keys),
        options,
    );
    workload.changes = fixed.changes;
    workload.notes = fixed.notes;
    workload.manual = fixed.manual;
    if !fixed.patch.is_empty() {
        let mut root = Patch::map();
        *root.path(spec_keys) = fixed.patch;
        let before = splicer.problems.len();
        splicer.apply(object, &root, prefix);
        let problems: Vec<_> = splicer.problems.drain(before..).collect();
        for (path, why) in problems {
            workload.manual.push(Remark {
                path,
                message: format!("{why}; not fixed"),
            });
        }
    }
    workloads.push(workload);
}

#[cfg(test)]
mod tests;
