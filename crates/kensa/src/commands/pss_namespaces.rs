//! `kensa pss namespaces`: what labelling namespaces with an enforce level would
//! make the API server warn about (`kubectl label --dry-run=server`).

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, bail};
use kensa_k8s::{Input, Object, Snapshot};
use kensa_pss::Evaluator;
use kensa_pss::api::{self, Level, LevelVersion};
use kensa_pss::namespace::{
    self, AdmissionConfig, DryRunLimits, ExistingPod, PodSecurityConfiguration,
};
use serde::Serialize;

use super::pss::{NamespacesArgs, NamespacesFormat};
use crate::exit;
use crate::output::{self, ColorChoice};

/// A pod from the snapshot, as the dry run sees it.
struct SnapshotPod<'a>(&'a Object);

impl ExistingPod for SnapshotPod<'_> {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn controller_uid(&self) -> Option<&str> {
        self.0
            .metadata
            .owner_references
            .iter()
            .flatten()
            .find(|r| r.controller == Some(true))
            .map(|r| r.uid.as_str())
    }
    fn runtime_class_name(&self) -> Option<&str> {
        self.0
            .pod
            .as_ref()
            .and_then(|p| p.spec.runtime_class_name.as_deref())
    }
}

/// The outcome for one namespace.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NamespaceResult {
    namespace: String,
    /// `labeled` or `not labeled`, as kubectl says.
    change: &'static str,
    warnings: Vec<String>,
    /// Set when the API server would reject the new labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// True when existing pods violate the new level.
    violations: bool,
}

pub fn run(args: NamespacesArgs, color: ColorChoice) -> anyhow::Result<u8> {
    let config = match &args.config {
        Some(path) => read_config(path)?,
        None => AdmissionConfig::default(),
    };
    let mut snapshot = match (&args.snapshot, &args.context) {
        (Some(path), _) => {
            let loaded = kensa_k8s::load(&[Input::Path(path.clone())]);
            for diagnostic in &loaded.diagnostics {
                output::diagnostic(color, diagnostic);
            }
            if loaded.objects.is_empty() {
                output::error_line(
                    color,
                    &format!("no namespaces or pods found in {}", path.display()),
                );
                return Ok(exit::USAGE);
            }
            Snapshot::from_objects(loaded.objects)
        }
        (None, Some(context)) => kensa_k8s::cluster::snapshot_blocking(Some(context))
            .with_context(|| format!("reading the cluster of context {context:?}"))?,
        (None, None) => bail!("give --snapshot FILE or --context CTX"),
    };
    for pod in snapshot.pods.iter_mut().filter_map(|o| o.pod.as_mut()) {
        kensa_pss::defaults::apply(&mut pod.spec);
    }

    let mut namespaces: Vec<_> = snapshot.namespaces.iter().collect();
    namespaces.sort_by(|a, b| a.name.cmp(&b.name));
    for wanted in &args.namespaces {
        if !namespaces.iter().any(|ns| &ns.name == wanted) {
            output::error_line(
                color,
                &format!("namespace {wanted:?} not found in the snapshot"),
            );
            return Ok(exit::USAGE);
        }
    }
    if !args.namespaces.is_empty() {
        namespaces.retain(|ns| args.namespaces.contains(&ns.name));
    }

    let level = Level::from(args.level);
    let results: Vec<NamespaceResult> = namespaces
        .iter()
        .map(|ns| {
            let pods: Vec<SnapshotPod<'_>> = snapshot.pods_in(&ns.name).map(SnapshotPod).collect();
            dry_run(&config, &ns.name, &ns.labels, level, args.version, &pods)
        })
        .collect();

    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match args.output {
        NamespacesFormat::Text => {
            for r in &results {
                for warning in &r.warnings {
                    writeln!(out, "Warning: {warning}")?;
                }
                match &r.error {
                    Some(error) => {
                        out.flush()?;
                        output::error_line(color, error);
                    }
                    None => writeln!(
                        out,
                        "namespace/{} {} (server dry run)",
                        r.namespace, r.change
                    )?,
                }
            }
        }
        NamespacesFormat::Json => kensa_report::json::render(&results, &mut out)?,
    }
    out.flush()?;
    let found = results.iter().any(|r| r.violations || r.error.is_some());
    Ok(if found { exit::FOUND } else { exit::OK })
}

fn dry_run(
    config: &AdmissionConfig,
    name: &str,
    labels: &BTreeMap<String, String>,
    level: Level,
    version: Option<api::Version>,
    pods: &[SnapshotPod<'_>],
) -> NamespaceResult {
    let mut new_labels = labels.clone();
    new_labels.insert(api::labels::ENFORCE_LEVEL.to_owned(), level.to_string());
    if let Some(version) = version {
        new_labels.insert(api::labels::ENFORCE_VERSION.to_owned(), version.to_string());
    }
    let change = if &new_labels == labels {
        "not labeled"
    } else {
        "labeled"
    };
    let mut violations = false;
    let decision = namespace::validate_namespace(
        config,
        name,
        &new_labels,
        Some(labels),
        |enforce: LevelVersion| {
            let evaluator = Evaluator::global();
            namespace::evaluate_pods_in_namespace(
                name,
                enforce,
                Ok(pods),
                config,
                DryRunLimits::default(),
                |pod| {
                    let template = pod.0.pod.as_ref()?;
                    let result = evaluator.evaluate(enforce, &template.metadata, &template.spec);
                    (!result.allowed()).then(|| {
                        violations = true;
                        result.forbidden_reason()
                    })
                },
                // A snapshot has no request deadline: every pod up to the cap is checked.
                || false,
            )
        },
    );
    let error = (!decision.allowed).then(|| {
        let details: Vec<String> = decision.errors.iter().map(ToString::to_string).collect();
        format!(
            "namespace/{name}: The Namespace {name:?} is invalid: {}",
            details.join(", ")
        )
    });
    NamespaceResult {
        namespace: name.to_owned(),
        change,
        warnings: decision.warnings,
        error,
        violations,
    }
}

/// Reads a PodSecurityConfiguration, or the PodSecurity plugin's configuration
/// inside an AdmissionConfiguration.
pub(crate) fn read_config(path: &Path) -> anyhow::Result<AdmissionConfig> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let value: serde_json::Value =
        serde_saphyr::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let document = if value["kind"] == "AdmissionConfiguration" {
        value["plugins"]
            .as_array()
            .and_then(|plugins| plugins.iter().find(|p| p["name"] == "PodSecurity"))
            .map(|p| p["configuration"].clone())
            .with_context(|| {
                format!(
                    "{}: AdmissionConfiguration has no PodSecurity plugin configuration",
                    path.display()
                )
            })?
    } else {
        value
    };
    let config: PodSecurityConfiguration = serde_json::from_value(document)
        .with_context(|| format!("{}: not a PodSecurityConfiguration", path.display()))?;
    config.resolve().with_context(|| path.display().to_string())
}
