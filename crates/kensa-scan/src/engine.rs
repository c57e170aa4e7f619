//! Running the registered checks over objects and Dockerfiles.

use std::collections::BTreeMap;

use kensa_k8s::Object;
use rayon::prelude::*;

use crate::check::{Check, ClusterHit, DockerfileHit, Hit, Run};
use crate::checks;
use crate::context::{ClusterContext, ObjectContext, Settings};
use crate::dockerfile::Dockerfile;

/// Which checks run: the default set, plus and minus checks named by id or alias.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Checks to run even if they are off by default (ids or aliases).
    pub enable: Vec<String>,
    /// Checks not to run (ids or aliases).
    pub disable: Vec<String>,
    /// When not empty, run only these checks (ids or aliases).
    pub only: Vec<String>,
}

impl Selection {
    /// Whether `check` runs under this selection.
    pub fn is_enabled(&self, check: &Check) -> bool {
        let named = |names: &[String]| names.iter().any(|name| check.is_named(name));
        if named(&self.disable) {
            return false;
        }
        if !self.only.is_empty() {
            return named(&self.only);
        }
        check.default_enabled || named(&self.enable)
    }
}

impl Check {
    /// Whether `name` is this check's id or one of its aliases (case-insensitive).
    pub fn is_named(&self, name: &str) -> bool {
        self.id.eq_ignore_ascii_case(name)
            || self
                .aliases
                .iter()
                .any(|alias| alias.eq_ignore_ascii_case(name))
    }
}

/// A check's failure on one object.
#[derive(Debug, Clone)]
pub struct ObjectFinding {
    /// The check that failed.
    pub check: &'static Check,
    /// The index of the object in the scanned slice.
    pub object: usize,
    /// What is wrong and where.
    pub hit: Hit,
}

/// The result of [`scan_objects`].
#[derive(Debug, Clone, Default)]
pub struct ObjectScan {
    /// Every failure, ordered by object, then by the registry's check order.
    pub findings: Vec<ObjectFinding>,
    /// For each object, how many checks applied to it and passed.
    pub successes: Vec<u32>,
    /// Objects of kinds kensa does not check (custom resources, unknown
    /// kinds), counted by `apiVersion/kind`.
    pub skipped_kinds: BTreeMap<String, usize>,
    /// For each object check (by kensa id), how many objects it looked at.
    pub evaluated: BTreeMap<&'static str, usize>,
}

/// Runs every selected object and cluster check over `objects`.
///
/// Pure and parallel: objects are checked on rayon's pool, and the result
/// does not depend on the number of threads.
pub fn scan_objects(objects: &[Object], settings: &Settings, selection: &Selection) -> ObjectScan {
    scan_objects_observed(objects, settings, selection, &|_| {})
}

/// [`scan_objects`], calling `observe` with the number of objects checked so
/// far as the work progresses (for progress bars; from several threads).
pub fn scan_objects_observed(
    objects: &[Object],
    settings: &Settings,
    selection: &Selection,
    observe: &(dyn Fn(usize) + Sync),
) -> ObjectScan {
    let done = std::sync::atomic::AtomicUsize::new(0);
    let enabled: Vec<&'static Check> = checks::all()
        .iter()
        .copied()
        .filter(|check| selection.is_enabled(check))
        .collect();

    let per_object: Vec<(Vec<ObjectFinding>, u32)> = objects
        .par_iter()
        .enumerate()
        .map(|(index, object)| {
            let result = check_object(index, object, settings, &enabled);
            let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if finished.is_multiple_of(64) || finished == objects.len() {
                observe(finished);
            }
            result
        })
        .collect();

    let mut scan = ObjectScan::default();
    for (findings, successes) in per_object {
        scan.findings.extend(findings);
        scan.successes.push(successes);
    }

    let cluster = ClusterContext { objects, settings };
    let mut cluster_findings: Vec<ObjectFinding> = enabled
        .par_iter()
        .filter_map(|&check| match check.run {
            Run::Cluster(run) => Some((check, run(&cluster))),
            _ => None,
        })
        .flat_map_iter(|(check, hits)| {
            hits.into_iter()
                .map(move |ClusterHit { object, hit }| ObjectFinding { check, object, hit })
        })
        .collect();
    cluster_findings.sort_by_key(|finding| finding.object);
    for finding in cluster_findings {
        let at = scan
            .findings
            .partition_point(|existing| existing.object <= finding.object);
        scan.findings.insert(at, finding);
    }

    for &check in &enabled {
        if let Run::Object { kinds, .. } = check.run {
            let count = objects.iter().filter(|o| kinds.matches(&o.kind)).count();
            scan.evaluated.insert(check.id, count);
        }
    }
    for object in objects {
        if !crate::kinds::is_checked_kind(&object.api_version, &object.kind) {
            *scan
                .skipped_kinds
                .entry(format!("{}/{}", object.api_version, object.kind))
                .or_default() += 1;
        }
    }
    scan
}

fn check_object(
    index: usize,
    object: &Object,
    settings: &Settings,
    enabled: &[&'static Check],
) -> (Vec<ObjectFinding>, u32) {
    let context = ObjectContext::new(object, settings);
    let mut findings = Vec::new();
    let mut successes = 0;
    for &check in enabled {
        let Run::Object { kinds, check: run } = check.run else {
            continue;
        };
        if !kinds.matches(&object.kind) {
            continue;
        }
        let hits = run(&context);
        if hits.is_empty() {
            successes += 1;
        }
        findings.extend(hits.into_iter().map(|hit| ObjectFinding {
            check,
            object: index,
            hit,
        }));
    }
    (findings, successes)
}

/// A check's failure in a Dockerfile.
#[derive(Debug, Clone)]
pub struct DockerfileFinding {
    /// The check that failed.
    pub check: &'static Check,
    /// What is wrong and where.
    pub hit: DockerfileHit,
}

/// Runs every selected Dockerfile check; returns the failures and how many
/// checks passed.
pub fn scan_dockerfile(
    dockerfile: &Dockerfile,
    selection: &Selection,
) -> (Vec<DockerfileFinding>, u32) {
    let mut findings = Vec::new();
    let mut successes = 0;
    for &check in checks::all() {
        let Run::Dockerfile(run) = check.run else {
            continue;
        };
        if !selection.is_enabled(check) {
            continue;
        }
        let hits = run(dockerfile);
        if hits.is_empty() {
            successes += 1;
        }
        findings.extend(hits.into_iter().map(|hit| DockerfileFinding { check, hit }));
    }
    (findings, successes)
}
