//! Namespace-level admission: validating a namespace's Pod Security labels, and
//! the warnings the API server returns when an enforce label is added or
//! tightened (what `kubectl label --dry-run=server ns ... enforce=L` prints).
//!
//! Mirrors upstream `ValidateNamespace`, `EvaluatePodsInNamespace` and
//! `prioritizePods`, with the pod evaluation passed in so the grouping logic is
//! testable on its own.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use crate::Error;
use crate::api::{self, Level, LevelVersion, Policy, Version, policy_to_evaluate};

/// Upstream's cap on how many existing pods a namespace update evaluates.
pub const DEFAULT_MAX_PODS_TO_CHECK: usize = 3000;

/// The warning when listing pods failed.
pub const LIST_FAILED_WARNING: &str =
    "failed to list pods while checking new PodSecurity enforce level";

/// Exemptions from a PodSecurityConfiguration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Exemptions {
    /// Authenticated user names whose requests are not checked.
    #[serde(default)]
    pub usernames: Vec<String>,
    /// Namespaces that are not checked.
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// Runtime classes whose pods are not checked.
    #[serde(default)]
    pub runtime_classes: Vec<String>,
}

/// The admission plugin's configuration: defaults for unlabelled namespaces and exemptions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdmissionConfig {
    /// The policy of namespaces without labels.
    pub defaults: Policy,
    /// Who and what is exempt.
    pub exemptions: Exemptions,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultsDocument {
    enforce: Option<String>,
    #[serde(rename = "enforce-version")]
    enforce_version: Option<String>,
    audit: Option<String>,
    #[serde(rename = "audit-version")]
    audit_version: Option<String>,
    warn: Option<String>,
    #[serde(rename = "warn-version")]
    warn_version: Option<String>,
}

/// A `PodSecurityConfiguration` (`pod-security.admission.config.k8s.io/v1`,
/// `v1beta1` or `v1alpha1`) as written in the API server's admission config.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSecurityConfiguration {
    /// `pod-security.admission.config.k8s.io/v1` and friends.
    pub api_version: String,
    /// `PodSecurityConfiguration`.
    pub kind: String,
    #[serde(default)]
    defaults: DefaultsDocument,
    /// Exemptions.
    #[serde(default)]
    pub exemptions: Exemptions,
}

impl PodSecurityConfiguration {
    /// Validates the document and resolves it into an [`AdmissionConfig`].
    /// Unset defaults are `privileged` and `latest`, as upstream.
    pub fn resolve(&self) -> Result<AdmissionConfig, Error> {
        if !self
            .api_version
            .starts_with("pod-security.admission.config.k8s.io/")
        {
            return Err(Error::InvalidConfiguration(format!(
                "unexpected apiVersion {:?}",
                self.api_version
            )));
        }
        if self.kind != "PodSecurityConfiguration" {
            return Err(Error::InvalidConfiguration(format!(
                "unexpected kind {:?}",
                self.kind
            )));
        }
        let d = &self.defaults;
        let lv =
            |level: &Option<String>, version: &Option<String>| -> Result<LevelVersion, Error> {
                Ok(LevelVersion {
                    level: level
                        .as_deref()
                        .map(str::parse)
                        .transpose()?
                        .unwrap_or(Level::Privileged),
                    version: version
                        .as_deref()
                        .map(str::parse)
                        .transpose()?
                        .unwrap_or(Version::Latest),
                })
            };
        Ok(AdmissionConfig {
            defaults: Policy {
                enforce: lv(&d.enforce, &d.enforce_version)?,
                audit: lv(&d.audit, &d.audit_version)?,
                warn: lv(&d.warn, &d.warn_version)?,
            },
            exemptions: self.exemptions.clone(),
        })
    }
}

impl AdmissionConfig {
    /// True when the namespace is exempt.
    pub fn exempt_namespace(&self, namespace: &str) -> bool {
        !namespace.is_empty() && self.exemptions.namespaces.iter().any(|n| n == namespace)
    }

    /// True when the user is exempt.
    pub fn exempt_user(&self, username: &str) -> bool {
        !username.is_empty() && self.exemptions.usernames.iter().any(|u| u == username)
    }

    /// True when pods of this runtime class are exempt.
    pub fn exempt_runtime_class(&self, runtime_class: Option<&str>) -> bool {
        runtime_class
            .filter(|rc| !rc.is_empty())
            .is_some_and(|rc| self.exemptions.runtime_classes.iter().any(|r| r == rc))
    }

    /// The warning for a non-privileged policy set on an exempt namespace, naming
    /// only the modes that the labels set explicitly.
    pub fn exempt_namespace_warning(
        &self,
        namespace: &str,
        policy: &Policy,
        labels: &BTreeMap<String, String>,
    ) -> Option<String> {
        if policy.fully_privileged() || policy.equivalent(&self.defaults) {
            return None;
        }
        let modes = [
            (
                "enforce",
                policy.enforce,
                api::labels::ENFORCE_LEVEL,
                api::labels::ENFORCE_VERSION,
            ),
            (
                "audit",
                policy.audit,
                api::labels::AUDIT_LEVEL,
                api::labels::AUDIT_VERSION,
            ),
            (
                "warn",
                policy.warn,
                api::labels::WARN_LEVEL,
                api::labels::WARN_VERSION,
            ),
        ];
        let parts: Vec<String> = modes
            .iter()
            .filter(|(_, lv, level_key, version_key)| {
                lv.level != Level::Privileged
                    && (labels.contains_key(*level_key) || labels.contains_key(*version_key))
            })
            .map(|(mode, lv, _, _)| format!("{mode}={lv}"))
            .collect();
        Some(format!(
            "namespace {} is exempt from Pod Security, and the policy ({}) will be ignored",
            crate::checks::go_quote(namespace),
            parts.join(", ")
        ))
    }
}

/// What the namespace dry run needs to know about an existing pod.
pub trait ExistingPod {
    /// The pod's name.
    fn name(&self) -> &str;
    /// The UID of the pod's controller (ownerReference with `controller: true`).
    fn controller_uid(&self) -> Option<&str>;
    /// `spec.runtimeClassName`.
    fn runtime_class_name(&self) -> Option<&str>;
}

/// Limits on the namespace dry run.
#[derive(Debug, Clone, Copy)]
pub struct DryRunLimits {
    /// At most this many pods are evaluated (upstream: 3000).
    pub max_pods: usize,
}

impl Default for DryRunLimits {
    fn default() -> Self {
        DryRunLimits {
            max_pods: DEFAULT_MAX_PODS_TO_CHECK,
        }
    }
}

/// Orders pods as upstream does before the cap applies: exempt runtime classes
/// dropped, then one pod per controller and every uncontrolled pod in list
/// order, then the remaining pods of controllers already seen.
pub fn prioritize_pods<'a, P: ExistingPod>(pods: &'a [P], config: &AdmissionConfig) -> Vec<&'a P> {
    let mut first = Vec::with_capacity(pods.len());
    let mut duplicates = Vec::new();
    let mut seen_controllers: HashSet<&str> = HashSet::new();
    for pod in pods {
        if config.exempt_runtime_class(pod.runtime_class_name()) {
            continue;
        }
        match pod.controller_uid() {
            Some(uid) if !seen_controllers.insert(uid) => duplicates.push(pod),
            _ => first.push(pod),
        }
    }
    first.extend(duplicates);
    first
}

/// The warnings for existing pods under a new enforce level (upstream
/// `EvaluatePodsInNamespace`). `forbidden_reason` evaluates one pod and returns
/// its aggregated forbidden reason, or `None` when allowed. `out_of_time` is
/// asked after each pod; returning true stops the evaluation there (upstream's
/// deadline). `pods` is `Err(())` when they could not be listed.
pub fn evaluate_pods_in_namespace<P: ExistingPod>(
    namespace: &str,
    enforce: LevelVersion,
    pods: Result<&[P], ()>,
    config: &AdmissionConfig,
    limits: DryRunLimits,
    mut forbidden_reason: impl FnMut(&P) -> Option<String>,
    mut out_of_time: impl FnMut() -> bool,
) -> Vec<String> {
    let Ok(pods) = pods else {
        return vec![LIST_FAILED_WARNING.to_owned()];
    };
    let mut prioritized = prioritize_pods(pods, config);
    let total = prioritized.len();
    prioritized.truncate(limits.max_pods);
    let mut checked = prioritized.len();

    struct Group<'a> {
        first_name: &'a str,
        count: usize,
    }
    let mut groups: HashMap<String, Group<'_>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for (i, pod) in prioritized.iter().enumerate() {
        if let Some(reason) = forbidden_reason(pod) {
            match groups.get_mut(&reason) {
                Some(group) => {
                    if pod.name() < group.first_name {
                        group.first_name = pod.name();
                    }
                    group.count += 1;
                }
                None => {
                    order.push(reason.clone());
                    groups.insert(
                        reason,
                        Group {
                            first_name: pod.name(),
                            count: 1,
                        },
                    );
                }
            }
        }
        if out_of_time() {
            checked = i + 1;
            break;
        }
    }

    let mut warnings = Vec::new();
    if checked < total {
        warnings.push(format!(
            "new PodSecurity enforce level only checked against the first {checked} of {total} existing pods"
        ));
    }
    if !order.is_empty() {
        warnings.push(format!(
            "existing pods in namespace {} violate the new PodSecurity enforce level {}",
            crate::checks::go_quote(namespace),
            crate::checks::go_quote(&enforce.to_string())
        ));
    }
    let mut decorated: Vec<String> = order
        .into_iter()
        .map(|reason| {
            let group = &groups[&reason];
            match group.count {
                1 => format!("{}: {reason}", group.first_name),
                2 => format!("{} (and 1 other pod): {reason}", group.first_name),
                n => format!("{} (and {} other pods): {reason}", group.first_name, n - 1),
            }
        })
        .collect();
    decorated.sort_unstable();
    warnings.extend(decorated);
    warnings
}

/// The API server's answer to a namespace create or update.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NamespaceDecision {
    /// False when the labels are invalid.
    pub allowed: bool,
    /// Warnings returned to the client.
    pub warnings: Vec<String>,
    /// Label errors when not allowed.
    pub errors: Vec<api::LabelError>,
}

/// Validates a namespace create (`old_labels` is `None`) or update (upstream
/// `ValidateNamespace`). `dry_run` is called with the new enforce level when
/// existing pods must be evaluated, and returns the warnings (usually via
/// [`evaluate_pods_in_namespace`]).
pub fn validate_namespace(
    config: &AdmissionConfig,
    namespace: &str,
    new_labels: &BTreeMap<String, String>,
    old_labels: Option<&BTreeMap<String, String>>,
    dry_run: impl FnOnce(LevelVersion) -> Vec<String>,
) -> NamespaceDecision {
    let (new_policy, new_errors) = policy_to_evaluate(new_labels, &config.defaults);
    let allowed = |warnings: Vec<String>| NamespaceDecision {
        allowed: true,
        warnings,
        errors: Vec::new(),
    };
    let exempt_warning = || {
        config
            .exempt_namespace(namespace)
            .then(|| config.exempt_namespace_warning(namespace, &new_policy, new_labels))
    };
    let Some(old_labels) = old_labels else {
        if !new_errors.is_empty() {
            return NamespaceDecision {
                allowed: false,
                warnings: Vec::new(),
                errors: new_errors,
            };
        }
        return allowed(exempt_warning().flatten().into_iter().collect());
    };
    let (old_policy, old_errors) = policy_to_evaluate(old_labels, &config.defaults);
    if !new_errors.is_empty() && (old_errors.is_empty() || new_errors != old_errors) {
        return NamespaceDecision {
            allowed: false,
            warnings: Vec::new(),
            errors: new_errors,
        };
    }
    if new_policy.enforce == old_policy.enforce
        || new_policy.enforce.level == Level::Privileged
        || (new_policy.enforce.version == old_policy.enforce.version
            && new_policy.enforce.level <= old_policy.enforce.level)
    {
        return allowed(Vec::new());
    }
    if let Some(warning) = exempt_warning() {
        return allowed(warning.into_iter().collect());
    }
    allowed(dry_run(new_policy.enforce))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake {
        name: &'static str,
        uid: Option<&'static str>,
        rc: Option<&'static str>,
        error: Option<&'static str>,
    }
    impl ExistingPod for Fake {
        fn name(&self) -> &str {
            self.name
        }
        fn controller_uid(&self) -> Option<&str> {
            self.uid
        }
        fn runtime_class_name(&self) -> Option<&str> {
            self.rc
        }
    }

    #[test]
    fn groups_identical_reasons_with_first_name() {
        let pods = [
            Fake {
                name: "b",
                uid: None,
                rc: None,
                error: Some("x"),
            },
            Fake {
                name: "a",
                uid: None,
                rc: None,
                error: Some("x"),
            },
            Fake {
                name: "c",
                uid: None,
                rc: None,
                error: Some("y"),
            },
            Fake {
                name: "d",
                uid: None,
                rc: None,
                error: None,
            },
        ];
        let lv = LevelVersion::new(Level::Restricted, Version::Latest);
        let w = evaluate_pods_in_namespace(
            "ns",
            lv,
            Ok(&pods),
            &AdmissionConfig::default(),
            DryRunLimits::default(),
            |p| p.error.map(str::to_owned),
            || false,
        );
        assert_eq!(
            w,
            [
                "existing pods in namespace \"ns\" violate the new PodSecurity enforce level \"restricted:latest\"",
                "a (and 1 other pod): x",
                "c: y"
            ]
        );
    }
}
