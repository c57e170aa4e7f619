//! `kensa pss check`: manifests against a Pod Security Standards level.

use std::io::{BufWriter, IsTerminal, Write};

use anyhow::Context;
use kensa_k8s::{Input, Object};
use kensa_pss::api::{Level, LevelVersion};
use kensa_pss::checks::Root;
use kensa_pss::{Evaluation, Evaluator};
use kensa_report::{Finding, Location, Remedy, Report, Resource, Rule, Severity, ToolInfo};
use serde::Serialize;

use super::pss::{CheckArgs, CheckFormat};
use crate::exit;
use crate::output::{self, ColorChoice, Style};

/// Version of the `-o json` document; bumped only on incompatible changes.
const JSON_SCHEMA_VERSION: u32 = 1;

/// What is kept of an object once it is evaluated: where it is and what it is,
/// not its pod spec (dropping specs as they are evaluated keeps memory flat on
/// large `kubectl get -o json` dumps).
struct ObjectRef {
    source: std::sync::Arc<str>,
    line: u32,
    column: u32,
    api_version: String,
    kind: String,
    namespace: Option<String>,
    name: String,
}

impl ObjectRef {
    fn new(object: &Object) -> Self {
        ObjectRef {
            source: object.source.clone(),
            line: object.position.line,
            column: object.position.column,
            api_version: object.api_version.clone(),
            kind: object.kind.clone(),
            namespace: object.namespace().map(str::to_owned),
            name: object.name().to_owned(),
        }
    }
}

/// One checked object and its result; `remedies[i]` belongs to `evaluation.failures[i]`.
struct Checked {
    object: ObjectRef,
    evaluation: Evaluation,
    remedies: Vec<Vec<Remedy>>,
}

/// An object read from the input: checked, or skipped as not pod-bearing.
enum Outcome {
    Checked(Checked),
    Skipped(ObjectRef),
}

pub fn run(args: CheckArgs, color: ColorChoice) -> anyhow::Result<u8> {
    let inputs = inputs(&args)?;
    let lv = LevelVersion::new(Level::from(args.level), args.version);
    let evaluator = Evaluator::global();
    // SARIF carries field-level fixes for code-scanning UIs, so it always gets them.
    let explain = args.explain || args.output == CheckFormat::Sarif;
    let loaded = kensa_k8s::load_map(&inputs, |mut object| match object.pod.as_mut() {
        Some(pod) => {
            // Manifests have not been through the API server's defaulting; admission sees defaulted pods.
            kensa_pss::defaults::apply(&mut pod.spec);
            let evaluation = evaluator.evaluate(lv, &pod.metadata, &pod.spec);
            let remedies = if explain {
                evaluation
                    .failures
                    .iter()
                    .map(|f| remedies(&object, f, lv))
                    .collect()
            } else {
                Vec::new()
            };
            Outcome::Checked(Checked {
                object: ObjectRef::new(&object),
                evaluation,
                remedies,
            })
        }
        None => Outcome::Skipped(ObjectRef::new(&object)),
    });
    for diagnostic in &loaded.diagnostics {
        output::diagnostic(color, diagnostic);
    }
    let unreadable = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity == kensa_k8s::Severity::Error)
        .count();
    if loaded.documents == 0 && loaded.items.is_empty() {
        let names: Vec<String> = inputs.iter().map(Input::name).collect();
        let reason = if unreadable > 0 {
            "no input could be read"
        } else {
            "no Kubernetes objects found"
        };
        output::error_line(color, &format!("{reason} in {}", names.join(", ")));
        return Ok(exit::USAGE);
    }
    let mut checked = Vec::new();
    let mut skipped = Vec::new();
    for outcome in loaded.items {
        match outcome {
            Outcome::Checked(c) => checked.push(c),
            Outcome::Skipped(o) => skipped.push(o),
        }
    }
    let violating = checked.iter().filter(|c| !c.evaluation.allowed()).count();

    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    match args.output {
        CheckFormat::Table => {
            let style = Style { on: color.stdout() };
            write_lines(&mut out, &checked, args.explain, style)?;
            writeln!(
                out,
                "{}",
                summary(lv, &checked, &skipped, unreadable, style)
            )?;
        }
        CheckFormat::Json => write_json(
            &mut out,
            lv,
            &checked,
            &skipped,
            &loaded.diagnostics,
            args.explain,
        )?,
        CheckFormat::Sarif => kensa_report::sarif::render(&report(lv, &checked), &mut out)?,
        CheckFormat::Junit => kensa_report::junit::render(&report(lv, &checked), &mut out)?,
    }
    out.flush().context("writing output")?;
    Ok(if violating > 0 || unreadable > 0 {
        exit::FOUND
    } else {
        exit::OK
    })
}

fn inputs(args: &CheckArgs) -> anyhow::Result<Vec<Input>> {
    if args.paths.is_empty() {
        if std::io::stdin().is_terminal() {
            anyhow::bail!(
                "no input: give files or directories to check, or - to read stdin (see --help)"
            );
        }
        return Ok(vec![Input::Stdin]);
    }
    Ok(args
        .paths
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                Input::Stdin
            } else {
                Input::Path(p.clone())
            }
        })
        .collect())
}

/// `Deployment shop/web`, or `Deployment web` when the manifest names no namespace.
fn object_name(object: &ObjectRef) -> String {
    match &object.namespace {
        Some(ns) => format!("{} {ns}/{}", object.kind, object.name),
        None => format!("{} {}", object.kind, object.name),
    }
}

/// A remedy's full field path in the object: the template's path plus the field below it.
fn full_path(object: &Object, remedy: &kensa_pss::checks::Remedy) -> String {
    let pod = object
        .pod
        .as_ref()
        .expect("remedies only for pod-bearing objects");
    let root = match remedy.root {
        Root::Metadata => pod.metadata_path,
        Root::Spec => pod.spec_path,
    };
    format!("{root}.{}", remedy.path)
}

fn remedies(object: &Object, failure: &kensa_pss::Failure, lv: LevelVersion) -> Vec<Remedy> {
    let pod = object
        .pod
        .as_ref()
        .expect("checked objects are pod-bearing");
    failure
        .remedies(&pod.metadata, &pod.spec, lv.version)
        .iter()
        .map(|r| Remedy {
            path: full_path(object, r),
            action: r.action.clone(),
        })
        .collect()
}

fn write_lines(
    out: &mut impl Write,
    checked: &[Checked],
    explain: bool,
    style: Style,
) -> anyhow::Result<()> {
    for c in checked.iter().filter(|c| !c.evaluation.allowed()) {
        writeln!(
            out,
            "{} {}: {}",
            style.dim(&format!("{}:{}:", c.object.source, c.object.line)),
            style.strong(&object_name(&c.object)),
            style.bad(&c.evaluation.enforce_message())
        )?;
        if explain {
            for (failure, remedies) in c.evaluation.failures.iter().zip(&c.remedies) {
                writeln!(out, "    {}:", failure.forbidden.reason)?;
                for remedy in remedies {
                    writeln!(out, "        {}: {}", remedy.path, remedy.action)?;
                }
            }
        }
    }
    Ok(())
}

fn summary(
    lv: LevelVersion,
    checked: &[Checked],
    skipped: &[ObjectRef],
    unreadable: usize,
    style: Style,
) -> String {
    let violating = checked.iter().filter(|c| !c.evaluation.allowed()).count();
    let passing = checked.len() - violating;
    let mut text = format!(
        "{lv}: {} checked, {}, {}",
        plural(checked.len(), "object", "objects"),
        if violating > 0 {
            style.bad(&format!("{violating} violating"))
        } else {
            "0 violating".to_owned()
        },
        style.good(&format!("{passing} passing")),
    );
    if !skipped.is_empty() {
        text.push_str(&format!(
            "; {} skipped (not pod-bearing)",
            plural(skipped.len(), "object", "objects")
        ));
    }
    if unreadable > 0 {
        text.push_str(&format!(
            "; {}",
            style.bad(&format!(
                "{} could not be read (see above)",
                plural(unreadable, "document", "documents")
            ))
        ));
    }
    text
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonDocument<'a> {
    schema_version: u32,
    level: Level,
    version: String,
    summary: JsonSummary,
    objects: Vec<JsonObject<'a>>,
    skipped: Vec<JsonRef<'a>>,
    diagnostics: &'a [kensa_k8s::Diagnostic],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonSummary {
    checked: usize,
    violating: usize,
    passing: usize,
    skipped: usize,
    errors: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonRef<'a> {
    source: &'a str,
    line: u32,
    column: u32,
    api_version: &'a str,
    kind: &'a str,
    namespace: Option<&'a str>,
    name: &'a str,
}

impl<'a> JsonRef<'a> {
    fn new(o: &'a ObjectRef) -> Self {
        JsonRef {
            source: &o.source,
            line: o.line,
            column: o.column,
            api_version: &o.api_version,
            kind: &o.kind,
            namespace: o.namespace.as_deref(),
            name: &o.name,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonObject<'a> {
    #[serde(flatten)]
    object: JsonRef<'a>,
    level: Level,
    version: String,
    allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    failures: Vec<JsonFailure>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonFailure {
    id: &'static str,
    reason: String,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    remedies: Option<Vec<Remedy>>,
}

fn write_json(
    out: &mut impl Write,
    lv: LevelVersion,
    checked: &[Checked],
    skipped: &[ObjectRef],
    diagnostics: &[kensa_k8s::Diagnostic],
    explain: bool,
) -> anyhow::Result<()> {
    let violating = checked.iter().filter(|c| !c.evaluation.allowed()).count();
    let document = JsonDocument {
        schema_version: JSON_SCHEMA_VERSION,
        level: lv.level,
        version: lv.version.to_string(),
        summary: JsonSummary {
            checked: checked.len(),
            violating,
            passing: checked.len() - violating,
            skipped: skipped.len(),
            errors: diagnostics
                .iter()
                .filter(|d| d.severity == kensa_k8s::Severity::Error)
                .count(),
        },
        objects: checked
            .iter()
            .map(|c| JsonObject {
                object: JsonRef::new(&c.object),
                level: lv.level,
                version: lv.version.to_string(),
                allowed: c.evaluation.allowed(),
                message: (!c.evaluation.allowed()).then(|| c.evaluation.enforce_message()),
                failures: c
                    .evaluation
                    .failures
                    .iter()
                    .enumerate()
                    .map(|(i, f)| JsonFailure {
                        id: f.check.id,
                        reason: f.forbidden.reason.to_string(),
                        detail: f.forbidden.detail.clone(),
                        remedies: explain.then(|| c.remedies[i].clone()),
                    })
                    .collect(),
            })
            .collect(),
        skipped: skipped.iter().map(JsonRef::new).collect(),
        diagnostics,
    };
    kensa_report::json::render(&document, out)?;
    Ok(())
}

fn resource(o: &ObjectRef) -> Resource {
    Resource {
        api_version: Some(o.api_version.clone()),
        kind: o.kind.clone(),
        namespace: o.namespace.clone(),
        name: o.name.clone(),
        location: Some(Location {
            file: o.source.to_string(),
            line: o.line,
            column: o.column,
        }),
    }
}

/// Baseline violations are privilege escalations; restricted ones are hardening gaps.
fn severity(level: Level) -> Severity {
    match level {
        Level::Restricted => Severity::Medium,
        _ => Severity::High,
    }
}

const HELP_URI: &str = "https://kubernetes.io/docs/concepts/security/pod-security-standards/";

fn report(lv: LevelVersion, checked: &[Checked]) -> Report {
    let rules = Evaluator::global()
        .checks_for(lv)
        .filter_map(|(id, _)| kensa_pss::checks::by_id(id))
        .map(|check| Rule {
            id: format!("pss/{}", check.id),
            title: format!("Pod Security Standards {} check {}", check.level, check.id),
            description: first_line(check.id),
            severity: severity(check.level),
            help_uri: Some(HELP_URI.to_owned()),
        })
        .collect();
    let findings = checked
        .iter()
        .flat_map(|c| {
            c.evaluation
                .failures
                .iter()
                .enumerate()
                .map(move |(i, f)| Finding {
                    rule_id: format!("pss/{}", f.check.id),
                    aliases: Vec::new(),
                    title: f.forbidden.reason.to_string(),
                    severity: severity(f.check.level),
                    resource: resource(&c.object),
                    message: format!(
                        "{} violates PodSecurity \"{lv}\": {} ({})",
                        object_name(&c.object),
                        f.forbidden.reason,
                        f.forbidden.detail
                    ),
                    remediation: None,
                    remedies: c.remedies.get(i).cloned().unwrap_or_default(),
                    help_uri: Some(HELP_URI.to_owned()),
                })
        })
        .collect();
    Report {
        tool: ToolInfo {
            name: "kensa",
            version: env!("CARGO_PKG_VERSION"),
            information_uri: "https://example.invalid/kensa",
        },
        rules,
        findings,
        checked: checked.iter().map(|c| resource(&c.object)).collect(),
        suite_name: format!("kensa pss check {lv}"),
    }
}

fn first_line(id: &str) -> String {
    format!(
        "Pod Security Standards check `{id}`, evaluated exactly as the API server's Pod Security Admission."
    )
}
