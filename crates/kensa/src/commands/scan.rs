//! `kensa scan`: misconfiguration checks on manifests, snapshots, clusters
//! and Dockerfiles, with compliance reports.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use anyhow::{Context, bail};
use kensa_k8s::{FieldSpans, Input, LoadOptions, Object};
use kensa_report::Severity;
use kensa_scan::compliance::{self, ComplianceReport, Coverage, Failure, Status};
use kensa_scan::report::{Entry, ObjectRef, SourceText, Target, TargetType};
use kensa_scan::suppress::{self, Date, IgnoreFile};
use kensa_scan::{Check, Selection, Settings};
use rayon::prelude::*;

use super::scan_output;
use crate::exit;
use crate::output::{self, ColorChoice};

const AFTER_HELP: &str = "\
Inputs:
  PATH          a manifest (YAML or JSON, multi-document, kubectl List), a Dockerfile
                (Dockerfile, *.Dockerfile, Dockerfile.*, Containerfile), or a directory
                read recursively for both; - reads manifests from stdin
                (helm template . | kensa scan -)
  --snapshot    what `kubectl get all,... -A -o json` prints
  --cluster     the live cluster of the kubeconfig's context (or --context)

Outputs (-o, repeatable; FORMAT=FILE writes to a file, written via temp file and rename):
  table   grouped by resource, with the cause's file:line and code (default)
  json    Trivy's shape: Results[].Misconfigurations[] (docs/scan.md)
  sarif   SARIF 2.1.0 for code-scanning UIs
  junit   JUnit XML, one test case per resource
  e.g.  -o table -o json=out.json -o sarif=out.sarif

Suppressions:
  annotation  kensa.dev/ignore: \"KSV-0001,KSV-0012=reason\" on the object or its pod template
  file        .kensaignore.yaml in the current directory, or --ignore-file FILE:
                ignores: [{id: KSV-0014, paths: [\"legacy/**\"], reason: ..., expires: 2027-03-31}]
  Suppressed findings are counted; --show-suppressed lists them.

Exit codes:
  0  no findings remain (after --severity, --fail-on and suppressions)
  1  findings remain (or --exit-code N), or a document could not be read;
     with --compliance: a control FAILs
  2  usage error, or no input could be read

Examples:
  kensa scan deploy/ Dockerfile
  kensa scan --snapshot cluster.json --compliance k8s-nsa-1.0 --report all
  kensa scan . --severity HIGH,CRITICAL --exit-code 3 -o table -o sarif=kensa.sarif
  kensa scan --list-checks";

/// `kensa scan`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct ScanArgs {
    /// Manifests, Dockerfiles or directories to scan; `-` for stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,

    /// A cluster snapshot (`kubectl get ... -A -o json|yaml`). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Vec<PathBuf>,

    /// Scan the live cluster (kubeconfig, or the in-cluster service account).
    #[arg(long)]
    pub cluster: bool,

    /// The kubeconfig context for --cluster.
    #[arg(long, value_name = "CTX", requires = "cluster")]
    pub context: Option<String>,

    /// Report against a compliance spec instead of listing findings.
    #[arg(long, value_name = "SPEC", value_parser = compliance_names())]
    pub compliance: Option<String>,

    /// With --compliance: `summary` (one row per control) or `all` (plus each failure).
    #[arg(long, value_enum, default_value_t = ReportKind::Summary)]
    pub report: ReportKind,

    /// Output format, optionally to a file: table|json|sarif|junit[=FILE]. Repeatable.
    #[arg(short = 'o', long = "output", value_name = "FORMAT[=FILE]")]
    pub outputs: Vec<OutputSpec>,

    /// Only report findings of these severities (comma-separated: LOW,MEDIUM,HIGH,CRITICAL).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub severity: Vec<Severity>,

    /// Exit code when findings remain (default 1).
    #[arg(long, value_name = "N")]
    pub exit_code: Option<u8>,

    /// Fail (exit non-zero) only for findings of at least this severity.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,

    /// Ignore file (default: .kensaignore.yaml in the current directory, if present).
    #[arg(long, value_name = "FILE")]
    pub ignore_file: Option<PathBuf>,

    /// Do not honour kensa.dev/ignore annotations.
    #[arg(long)]
    pub no_inline_ignores: bool,

    /// List suppressed findings too (as EXCEPTION in JSON).
    #[arg(long)]
    pub show_suppressed: bool,

    /// Run a check that is off by default (id or alias). Repeatable.
    #[arg(long, value_name = "ID")]
    pub enable: Vec<String>,

    /// Do not run this check (id or alias). Repeatable.
    #[arg(long, value_name = "ID")]
    pub disable: Vec<String>,

    /// Run only these checks (ids or aliases). Repeatable.
    #[arg(long = "check", value_name = "ID")]
    pub only: Vec<String>,

    /// A registry images may come from, for the trusted-registry checks. Repeatable.
    #[arg(long, value_name = "HOST")]
    pub trusted_registry: Vec<String>,

    /// A capability containers may add without a finding. Repeatable.
    #[arg(long, value_name = "CAP")]
    pub allowed_capability: Vec<String>,

    /// The cluster's Kubernetes version (v1.N), for version-aware checks.
    #[arg(long, value_name = "VERSION")]
    pub kubernetes_version: Option<String>,

    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,

    /// List every check (id, aliases, severity, title) and exit.
    #[arg(long)]
    pub list_checks: bool,
    #[command(flatten)]
    pub upload: super::upload::UploadArgs,
}

fn compliance_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(compliance::built_in_names())
}

/// `--report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportKind {
    /// One row per control.
    Summary,
    /// Every control and every failure under it.
    All,
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text for people.
    Table,
    /// Trivy-shaped JSON.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
}

/// `-o FORMAT[=FILE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    /// The format.
    pub format: Format,
    /// The file, or stdout.
    pub file: Option<PathBuf>,
}

impl FromStr for OutputSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (format, file) = match text.split_once('=') {
            Some((format, file)) if !file.is_empty() => (format, Some(PathBuf::from(file))),
            Some(_) => return Err(format!("{text:?}: a file name must follow '='")),
            None => (text, None),
        };
        let format = match format.to_ascii_lowercase().as_str() {
            "table" => Format::Table,
            "json" => Format::Json,
            "sarif" => Format::Sarif,
            "junit" => Format::Junit,
            other => {
                return Err(format!(
                    "unknown format {other:?} (expected table, json, sarif or junit)"
                ));
            }
        };
        Ok(OutputSpec { format, file })
    }
}

/// Everything a scan produced, ready to render.
pub struct ScanResult {
    /// One target per file (or stdin, or cluster), in input order.
    pub targets: Vec<Target>,
    /// Objects scanned.
    pub objects: usize,
    /// Dockerfiles scanned.
    pub dockerfiles: usize,
    /// Custom-resource and unknown kinds skipped, by apiVersion/kind.
    pub skipped_kinds: BTreeMap<String, usize>,
    /// Documents or files that could not be read.
    pub unreadable: usize,
    /// What the scan was run on (for JSON's ArtifactName).
    pub artifact: String,
}

impl ScanResult {
    /// Every remaining failure.
    pub fn failures(&self) -> impl Iterator<Item = (&Target, &Entry)> {
        self.targets
            .iter()
            .flat_map(|t| t.failures.iter().map(move |e| (t, e)))
    }

    /// How many failures were suppressed.
    pub fn suppressed(&self) -> usize {
        self.targets.iter().map(|t| t.suppressed.len()).sum()
    }
}

pub fn run(args: ScanArgs, color: ColorChoice) -> anyhow::Result<u8> {
    if args.list_checks {
        scan_output::list_checks(&mut std::io::stdout().lock(), color.stdout())?;
        return Ok(exit::OK);
    }
    if args.paths.is_empty() && args.snapshot.is_empty() && !args.cluster {
        bail!("nothing to scan: give PATHs, - for stdin, --snapshot FILE or --cluster");
    }
    let settings = settings(&args)?;
    let selection = Selection {
        enable: args.enable.clone(),
        disable: args.disable.clone(),
        only: args.only.clone(),
    };
    for name in args.enable.iter().chain(&args.disable).chain(&args.only) {
        if kensa_scan::checks::by_name(name).is_none() {
            bail!("unknown check {name:?} (kensa scan --list-checks lists them)");
        }
    }
    let ignore_file = ignore_file(&args)?;
    let today = Date::today();
    if let Some(file) = &ignore_file {
        for entry in file.expired(today) {
            output::warning_line(
                color,
                &format!(
                    "{}: the ignore entry for {} expired on {}; it no longer suppresses anything",
                    file.source,
                    entry.id,
                    entry.expires.map(|d| d.to_string()).unwrap_or_default()
                ),
            );
        }
    }

    let (manifests, dockerfiles) = collect_inputs(&args)?;
    let options = LoadOptions {
        keep_body: true,
        field_spans: true,
        // No check points into a CRD's schema; its spans would cost a third
        // of the load time on a typical install manifest.
        no_spans_for: &["CustomResourceDefinition"],
    };
    // stdin is read here rather than by the loader so that its text is
    // still at hand for the code excerpts.
    let mut stdin_text: Option<Arc<str>> = None;
    let files: Vec<Input> = manifests
        .iter()
        .filter(|input| **input != Input::Stdin)
        .cloned()
        .collect();
    let mut loaded = kensa_k8s::load_with(&files, &options);
    if manifests.contains(&Input::Stdin) {
        let bytes = kensa_k8s::read_input(&Input::Stdin)?;
        let from_stdin = kensa_k8s::parse_bytes_with("<stdin>", &bytes, &options);
        stdin_text = Some(Arc::from(String::from_utf8_lossy(&bytes).as_ref()));
        loaded.extend(from_stdin);
    }
    if args.cluster {
        let cluster = kensa_k8s::cluster::load_cluster_for_scan_blocking(args.context.as_deref())
            .with_context(|| match &args.context {
            Some(context) => format!("reading the cluster of context {context:?}"),
            None => "reading the cluster of the current context".to_owned(),
        })?;
        loaded.extend(cluster);
    }
    for diagnostic in &loaded.diagnostics {
        output::diagnostic(color, diagnostic);
    }
    let unreadable_docs = loaded.errors().count();

    let mut dockerfile_targets = Vec::new();
    let mut unreadable_files = 0;
    for path in &dockerfiles {
        match scan_dockerfile(path, &selection, color) {
            Ok((target, errors)) => {
                unreadable_files += usize::from(errors > 0);
                dockerfile_targets.push(target);
            }
            Err(message) => {
                unreadable_files += 1;
                output::error_line(color, &message);
            }
        }
    }
    if loaded.documents == 0 && dockerfile_targets.is_empty() {
        if unreadable_docs + unreadable_files > 0 {
            return Ok(exit::USAGE);
        }
        if args.compliance.is_none() {
            output::error_line(
                color,
                "no Kubernetes objects or Dockerfiles found in the input",
            );
            return Ok(exit::USAGE);
        }
    }

    let progress = progress_bar(&args, loaded.objects.len());
    let observe = |done: usize| {
        if let Some(bar) = &progress {
            bar.set_position(done as u64);
        }
    };
    let scan = kensa_scan::scan_objects_observed(&loaded.objects, &settings, &selection, &observe);
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }

    // The checks are done with the bodies; free them before the report is built.
    for object in &mut loaded.objects {
        object.body = None;
    }
    let texts = source_texts(&loaded.objects, &scan, stdin_text.as_ref());
    let mut targets = kubernetes_targets(
        &loaded.objects,
        &scan,
        &texts,
        &args,
        ignore_file.as_ref(),
        today,
    );
    targets.extend(dockerfile_targets.into_iter().map(|mut target| {
        suppress_dockerfile(&mut target, ignore_file.as_ref(), today);
        target
    }));
    for target in &mut targets {
        filter_severity(target, &args.severity);
    }

    let result = ScanResult {
        objects: loaded.objects.len(),
        dockerfiles: dockerfiles.len(),
        skipped_kinds: scan.skipped_kinds.clone(),
        unreadable: unreadable_docs + unreadable_files,
        artifact: args
            .paths
            .first()
            .cloned()
            .or_else(|| args.snapshot.first().map(|p| p.display().to_string()))
            .unwrap_or_else(|| "cluster".to_owned()),
        targets,
    };

    let outputs = if args.outputs.is_empty() {
        vec![OutputSpec {
            format: Format::Table,
            file: None,
        }]
    } else {
        args.outputs.clone()
    };

    if let Some(spec_name) = &args.compliance {
        let spec = compliance::built_in(spec_name)?;
        let report = compliance_report(&spec, &result, &loaded.objects, &scan);
        for spec_out in &outputs {
            write_output(spec_out, color, |out, color| {
                scan_output::compliance(&report, spec_out.format, args.report, out, color)
            })?;
        }
        let failed = report.count(Status::Fail) > 0;
        return Ok(if failed {
            args.exit_code.unwrap_or(exit::FOUND)
        } else if result.unreadable > 0 {
            exit::FOUND
        } else {
            exit::OK
        });
    }

    for spec_out in &outputs {
        write_output(spec_out, color, |out, color| {
            scan_output::render(&result, spec_out.format, args.show_suppressed, out, color)
        })?;
    }
    if args.upload.upload.is_some() {
        upload_misconfigurations(&args, &result)?;
    }
    // The process ends right after this: freeing every loaded object one by
    // one would only add to the wall time.
    std::mem::forget(loaded);

    let failing = result
        .failures()
        .any(|(_, entry)| args.fail_on.is_none_or(|min| entry.check.severity >= min));
    Ok(if failing {
        args.exit_code.unwrap_or(exit::FOUND)
    } else if result.unreadable > 0 {
        exit::FOUND
    } else {
        exit::OK
    })
}

fn settings(args: &ScanArgs) -> anyhow::Result<Settings> {
    let mut settings = Settings {
        trusted_registries: args.trusted_registry.clone(),
        allowed_capabilities: args
            .allowed_capability
            .iter()
            .map(|cap| {
                let cap = cap.trim().to_ascii_uppercase();
                cap.strip_prefix("CAP_").map(str::to_owned).unwrap_or(cap)
            })
            .collect(),
        ..Settings::default()
    };
    if let Some(version) = &args.kubernetes_version {
        let minor = version
            .trim_start_matches('v')
            .strip_prefix("1.")
            .and_then(|rest| rest.split('.').next())
            .and_then(|minor| minor.parse().ok())
            .with_context(|| format!("--kubernetes-version {version:?}: expected v1.N"))?;
        settings.kubernetes_minor = minor;
    }
    Ok(settings)
}

fn ignore_file(args: &ScanArgs) -> anyhow::Result<Option<IgnoreFile>> {
    let (path, required) = match &args.ignore_file {
        Some(path) => (path.clone(), true),
        None => (PathBuf::from(".kensaignore.yaml"), false),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    Ok(Some(IgnoreFile::parse(&path.display().to_string(), &text)?))
}

/// Whether a file name is a Dockerfile's: `Dockerfile`, `Containerfile`,
/// `*.Dockerfile`, `*.dockerfile`, `Dockerfile.*`, `Containerfile.*`.
pub fn is_dockerfile_name(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
}

fn collect_inputs(args: &ScanArgs) -> anyhow::Result<(Vec<Input>, Vec<PathBuf>)> {
    let mut manifests = Vec::new();
    let mut dockerfiles = Vec::new();
    for arg in &args.paths {
        let input = Input::from_arg(arg);
        match &input {
            Input::Path(path) if path.is_dir() => {
                find_dockerfiles(path, &mut dockerfiles);
                manifests.push(input);
            }
            Input::Path(path) if is_dockerfile_name(path) => dockerfiles.push(path.clone()),
            _ => manifests.push(input),
        }
    }
    manifests.extend(args.snapshot.iter().cloned().map(Input::Path));
    Ok((manifests, dockerfiles))
}

fn find_dockerfiles(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        // kensa_k8s reports the unreadable directory.
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        match entry.file_type() {
            Ok(kind) if kind.is_dir() && !hidden => find_dockerfiles(&path, out),
            Ok(kind) if kind.is_file() && is_dockerfile_name(&path) => out.push(path),
            _ => {}
        }
    }
}

/// Parses and checks one Dockerfile. Parse problems are printed as
/// `file:line: error: ...` and returned as a count; the checks still run on
/// what was understood, as Docker would build it.
fn scan_dockerfile(
    path: &Path,
    selection: &Selection,
    color: ColorChoice,
) -> Result<(Target, usize), String> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{name}: not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    let dockerfile = kensa_scan::dockerfile::parse(&text);
    for diagnostic in &dockerfile.diagnostics {
        let style = crate::output::Style { on: color.stderr() };
        let label = match diagnostic.level {
            kensa_scan::dockerfile::Level::Error => style.bad("error:"),
            kensa_scan::dockerfile::Level::Warning => style.warn("warning:"),
        };
        eprintln!(
            "{} {label} {}",
            style.dim(&format!("{name}:{}:", diagnostic.line)),
            diagnostic.message
        );
    }
    let errors = dockerfile.errors().count();
    let (findings, successes) = kensa_scan::scan_dockerfile(&dockerfile, selection);
    let target = Target {
        name,
        kind: TargetType::Dockerfile,
        successes,
        failures: findings
            .into_iter()
            .map(|finding| Entry {
                check: finding.check,
                message: finding.hit.message,
                object: None,
                path: None,
                start_line: finding.hit.start_line,
                end_line: finding.hit.end_line,
                suppression: None,
            })
            .collect(),
        suppressed: Vec::new(),
        text: Some(Arc::new(SourceText::new(Arc::from(text)))),
    };
    Ok((target, errors))
}

fn progress_bar(args: &ScanArgs, objects: usize) -> Option<indicatif::ProgressBar> {
    const MIN_OBJECTS: usize = 300;
    if args.no_progress || objects < MIN_OBJECTS || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(objects as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("checking {bar:30} {pos}/{len} objects")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}

/// The text of every file with findings, for code excerpts. Files are read
/// again (they are small next to the scan's memory); stdin's text was kept
/// when it was read.
fn source_texts(
    objects: &[Object],
    scan: &kensa_scan::ObjectScan,
    stdin: Option<&Arc<str>>,
) -> BTreeMap<Arc<str>, Arc<SourceText>> {
    let sources: std::collections::BTreeSet<&Arc<str>> = scan
        .findings
        .iter()
        .map(|finding| &objects[finding.object].source)
        .collect();
    sources
        .into_par_iter()
        .filter_map(|source| {
            let text = if &**source == "<stdin>" {
                stdin.cloned()
            } else {
                std::fs::read_to_string(&**source).ok().map(Arc::from)
            }?;
            Some((source.clone(), Arc::new(SourceText::new(text))))
        })
        .collect()
}

fn object_ref(object: &Object) -> ObjectRef {
    ObjectRef {
        api_version: object.api_version.clone(),
        kind: object.kind.clone(),
        namespace: object.namespace().map(str::to_owned),
        name: object.name().to_owned(),
        line: object.position.line,
    }
}

/// The lines of a finding: the field's span when the check named a field
/// and its position is known, else the whole object.
fn lines_of(object: &Object, spans: Option<&FieldSpans>, path: Option<&str>) -> (u32, u32) {
    let whole = (
        object.position.line,
        object.end_line.max(object.position.line),
    );
    match (path, spans) {
        (Some(path), Some(spans)) => spans.nearest(path).map_or(whole, |(_, span)| {
            (span.start.line, span.end_line.max(span.start.line))
        }),
        _ => whole,
    }
}

fn kubernetes_targets(
    objects: &[Object],
    scan: &kensa_scan::ObjectScan,
    texts: &BTreeMap<Arc<str>, Arc<SourceText>>,
    args: &ScanArgs,
    ignore_file: Option<&IgnoreFile>,
    today: Date,
) -> Vec<Target> {
    let mut targets: Vec<Target> = Vec::new();
    let mut index_of: BTreeMap<Arc<str>, usize> = BTreeMap::new();
    let mut target_of_object = Vec::with_capacity(objects.len());
    for object in objects {
        let index = *index_of.entry(object.source.clone()).or_insert_with(|| {
            targets.push(Target {
                name: object.source.to_string(),
                kind: TargetType::Kubernetes,
                successes: 0,
                failures: Vec::new(),
                suppressed: Vec::new(),
                text: texts.get(&object.source).cloned(),
            });
            targets.len() - 1
        });
        target_of_object.push(index);
    }
    for (object, successes) in scan.successes.iter().enumerate() {
        targets[target_of_object[object]].successes += successes;
    }
    let entries: Vec<(usize, Entry)> = scan
        .findings
        .par_iter()
        .map(|finding| {
            let object = &objects[finding.object];
            let (start_line, end_line) =
                lines_of(object, object.spans.as_deref(), finding.hit.path.as_deref());
            let inline = if args.no_inline_ignores {
                None
            } else {
                suppress::suppressed_inline(&suppress::inline_ignores(object), finding.check)
            };
            let suppression = inline.or_else(|| {
                ignore_file.and_then(|file| file.matching(finding.check, &object.source, today))
            });
            let entry = Entry {
                check: finding.check,
                message: finding.hit.message.clone(),
                object: Some(object_ref(object)),
                path: finding.hit.path.clone(),
                start_line,
                end_line,
                suppression,
            };
            (target_of_object[finding.object], entry)
        })
        .collect();
    for (target, entry) in entries {
        let target = &mut targets[target];
        if entry.suppression.is_some() {
            target.suppressed.push(entry);
        } else {
            target.failures.push(entry);
        }
    }
    targets
}

fn suppress_dockerfile(target: &mut Target, ignore_file: Option<&IgnoreFile>, today: Date) {
    let Some(file) = ignore_file else { return };
    let (suppressed, kept): (Vec<Entry>, Vec<Entry>) = std::mem::take(&mut target.failures)
        .into_iter()
        .map(|mut entry| {
            entry.suppression = file.matching(entry.check, &target.name, today);
            entry
        })
        .partition(|entry| entry.suppression.is_some());
    target.failures = kept;
    target.suppressed = suppressed;
}

fn filter_severity(target: &mut Target, severities: &[Severity]) {
    if severities.is_empty() {
        return;
    }
    let wanted = |entry: &Entry| severities.contains(&entry.check.severity);
    target.failures.retain(wanted);
    target.suppressed.retain(wanted);
}

fn compliance_report(
    spec: &compliance::Spec,
    result: &ScanResult,
    objects: &[Object],
    scan: &kensa_scan::ObjectScan,
) -> ComplianceReport {
    let keys: Vec<(String, &Entry)> = result
        .failures()
        .map(|(target, entry)| {
            let resource = match &entry.object {
                Some(object) => format!("{}: {}", target.name, object.display_name()),
                None => target.name.clone(),
            };
            (resource, entry)
        })
        .collect();
    let failures: Vec<Failure<'_>> = keys
        .iter()
        .map(|(resource, entry)| Failure {
            check: entry.check,
            resource,
            message: &entry.message,
        })
        .collect();
    let coverage = Coverage {
        evaluated: scan.evaluated.clone(),
        control_plane_seen: objects.iter().any(is_control_plane_pod),
    };
    compliance::evaluate(spec, &failures, &coverage)
}

fn is_control_plane_pod(object: &Object) -> bool {
    const COMPONENTS: &[&str] = &[
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
        "etcd",
    ];
    object.kind == "Pod"
        && object.pod.as_ref().is_some_and(|pod| {
            pod.spec.containers.iter().any(|container| {
                container
                    .command
                    .iter()
                    .flatten()
                    .chain(container.args.iter().flatten())
                    .take(1)
                    .chain(std::iter::once(&container.name))
                    .any(|word| {
                        let base = word.rsplit('/').next().unwrap_or(word);
                        COMPONENTS.contains(&base)
                    })
            })
        })
}

/// Writes one output: to stdout, or to a file via a temp file and rename so
/// a reader never sees a half-written report.
fn write_output(
    spec: &OutputSpec,
    color: ColorChoice,
    render: impl FnOnce(&mut dyn Write, bool) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    match &spec.file {
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
            render(&mut out, color.stdout() && spec.format == Format::Table)?;
            out.flush()?;
        }
        Some(path) => crate::output::write_atomically(path, |out| render(out, false))?,
    }
    Ok(())
}

/// The short id people know a check by: Trivy's (`KSV-0017`), else the first alias.
pub fn short_alias(check: &Check) -> Option<&'static str> {
    check
        .aliases
        .iter()
        .copied()
        .find(|alias| !alias.starts_with("AVD-") && alias.contains('-'))
        .or_else(|| check.aliases.first().copied())
}

/// Posts the failed checks to a kensa server (`--upload`).
fn upload_misconfigurations(args: &ScanArgs, result: &ScanResult) -> anyhow::Result<()> {
    use kensa_server::vm::upload::{
        MisconfigurationUpload, UPLOAD_SCHEMA_VERSION, UploadMisconfiguration,
    };
    let findings = result
        .failures()
        .map(|(target, entry)| {
            let (namespace, resource) = match &entry.object {
                Some(object) => (
                    object.namespace.clone().unwrap_or_default(),
                    format!("{}/{}", object.kind, object.name),
                ),
                None => (String::new(), target.name.clone()),
            };
            UploadMisconfiguration {
                namespace,
                resource,
                check_id: entry.check.id.to_owned(),
                severity: entry.check.severity.to_string(),
                title: entry.check.title.to_owned(),
                message: entry.message.clone(),
            }
        })
        .collect();
    let document = MisconfigurationUpload {
        schema_version: UPLOAD_SCHEMA_VERSION,
        cluster: args.upload.cluster_name.clone().unwrap_or_default(),
        source: result.artifact.clone(),
        findings,
    };
    let answer = super::upload::post(&args.upload, "/api/v1/uploads/misconfigurations", &document)?;
    eprintln!(
        "uploaded: scan #{} on the server, {} new misconfigurations, {} resolved",
        answer.scan_id, answer.new_findings, answer.resolved_findings
    );
    Ok(())
}
