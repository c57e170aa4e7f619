//! Running the checks of a level and version, and aggregating their results.

use std::sync::LazyLock;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::{LATEST_MINOR, Level, LevelVersion, Version};
use crate::checks::{self, Check, CheckVersion, Forbidden, Remedy};

type Active = (&'static Check, &'static CheckVersion);

/// Evaluates pods against a level and version.
///
/// The check order of every level and version is computed once: baseline
/// checks sorted by ID, then (for restricted) restricted checks sorted by ID,
/// leaving out baseline checks that an active restricted check overrides.
/// Results are reported in that order, which is upstream's.
pub struct Evaluator {
    /// Index: `[level_index * (LATEST_MINOR + 1) + minor]`, level 0 = baseline, 1 = restricted.
    orders: Vec<Vec<Active>>,
}

static GLOBAL: LazyLock<Evaluator> = LazyLock::new(Evaluator::new);

impl Default for Evaluator {
    fn default() -> Self {
        Self::new()
    }
}

impl Evaluator {
    /// Builds the evaluation order for every level and version.
    pub fn new() -> Self {
        let mut orders = Vec::with_capacity(2 * (LATEST_MINOR as usize + 1));
        for level in [Level::Baseline, Level::Restricted] {
            for minor in 0..=LATEST_MINOR {
                orders.push(Self::order(level, minor));
            }
        }
        Evaluator { orders }
    }

    /// A shared evaluator.
    pub fn global() -> &'static Evaluator {
        &GLOBAL
    }

    fn order(level: Level, minor: u32) -> Vec<Active> {
        let active = |at: Level| {
            let mut list: Vec<Active> = checks::ALL
                .iter()
                .filter(|c| c.level == at)
                .filter_map(|c| c.at(minor).map(|v| (*c, v)))
                .collect();
            list.sort_by_key(|(c, _)| c.id);
            list
        };
        let mut order = active(Level::Baseline);
        if level == Level::Restricted {
            let restricted = active(Level::Restricted);
            order.retain(|(base, _)| {
                !restricted
                    .iter()
                    .any(|(r, _)| r.overrides.contains(&base.id))
            });
            order.extend(restricted);
        }
        order
    }

    /// The checks run for `lv`, in order, with the implementation version of each
    /// (as `v1.N`). Privileged runs none.
    pub fn checks_for(
        &self,
        lv: LevelVersion,
    ) -> impl Iterator<Item = (&'static str, Version)> + '_ {
        self.active(lv)
            .iter()
            .map(|(c, v)| (c.id, Version::V1(v.min_minor)))
    }

    fn active(&self, lv: LevelVersion) -> &[Active] {
        let level_index = match lv.level {
            Level::Privileged => return &[],
            Level::Baseline => 0,
            Level::Restricted => 1,
        };
        &self.orders
            [level_index * (LATEST_MINOR as usize + 1) + lv.version.effective_minor() as usize]
    }

    /// Evaluates one pod (or pod template) against `lv`.
    pub fn evaluate(&self, lv: LevelVersion, meta: &ObjectMeta, spec: &PodSpec) -> Evaluation {
        let failures = self
            .active(lv)
            .iter()
            .filter_map(|(check, version)| {
                (version.evaluate)(meta, spec).map(|forbidden| Failure { check, forbidden })
            })
            .collect();
        Evaluation {
            level_version: lv,
            failures,
        }
    }
}

/// One failed check.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The check that failed.
    pub check: &'static Check,
    /// Its reason and detail.
    pub forbidden: Forbidden,
}

impl Failure {
    /// How to make the pod pass this check.
    pub fn remedies(&self, meta: &ObjectMeta, spec: &PodSpec, version: Version) -> Vec<Remedy> {
        (self.check.remedies)(meta, spec, version)
    }
}

/// The result of evaluating a pod: upstream's `AggregateCheckResult`.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// What was evaluated.
    pub level_version: LevelVersion,
    /// Failed checks in evaluation order; empty when allowed.
    pub failures: Vec<Failure>,
}

impl Evaluation {
    /// True when no check failed.
    pub fn allowed(&self) -> bool {
        self.failures.is_empty()
    }

    /// The reasons, joined with `, ` (empty when allowed).
    pub fn forbidden_reason(&self) -> String {
        let mut out = String::new();
        for (i, f) in self.failures.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&f.forbidden.reason);
        }
        out
    }

    /// Each reason followed by its detail in parentheses, joined with `, `.
    pub fn forbidden_detail(&self) -> String {
        let mut out = String::new();
        for (i, f) in self.failures.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&f.forbidden.reason);
            if !f.forbidden.detail.is_empty() {
                out.push_str(" (");
                out.push_str(&f.forbidden.detail);
                out.push(')');
            }
        }
        out
    }

    /// The API server's enforce message after `pods "NAME" is forbidden: `:
    /// `violates PodSecurity "restricted:latest": ...`.
    pub fn enforce_message(&self) -> String {
        format!(
            "violates PodSecurity \"{}\": {}",
            self.level_version,
            self.forbidden_detail()
        )
    }

    /// The warn and audit form: `would violate PodSecurity "L:V": ...`.
    pub fn warning_message(&self) -> String {
        format!(
            "would violate PodSecurity \"{}\": {}",
            self.level_version,
            self.forbidden_detail()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privileged_runs_nothing() {
        let lv = LevelVersion::new(Level::Privileged, Version::Latest);
        assert_eq!(Evaluator::global().checks_for(lv).count(), 0);
    }

    #[test]
    fn restricted_latest_order() {
        let lv = LevelVersion::new(Level::Restricted, Version::Latest);
        let ids: Vec<_> = Evaluator::global()
            .checks_for(lv)
            .map(|(id, _)| id)
            .collect();
        assert_eq!(
            ids,
            [
                "appArmorProfile",
                "hostNamespaces",
                "hostPorts",
                "hostProbesAndHostLifecycle",
                "privileged",
                "seLinuxOptions",
                "sysctls",
                "windowsHostProcess",
                "allowPrivilegeEscalation",
                "capabilities_restricted",
                "procMount_restricted",
                "restrictedVolumes",
                "runAsNonRoot",
                "runAsUser",
                "seccompProfile_restricted",
            ]
        );
    }
}
