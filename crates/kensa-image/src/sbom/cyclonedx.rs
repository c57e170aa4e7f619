//! CycloneDX 1.6 JSON, optionally with vulnerabilities (a VEX/VDR for
//! `kensa image scan -o cyclonedx-json`).
//!
//! The image is `metadata.component` (type `container`); the OS is a
//! component of type `operating-system`, every package a `library` whose
//! `bom-ref` is its purl (made unique with a `package-id` qualifier when
//! two packages share a purl). kensa's own facts are `kensa:package:*`
//! properties, and the files a package installed are
//! `evidence.occurrences`. The dependency graph is image → OS → OS
//! packages, and image → language packages.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use super::{
    SbomOptions, TOOL, image_digest, image_purl, layer_diff_id, license, sorted_packages,
    stable_hash, under_os,
};
use crate::catalog::Package;
use crate::image::Image;

/// At most this many files per package are listed as evidence: enough to
/// answer "which package owns this file" for real packages, and a bound on
/// document size for pathological ones.
pub const MAX_OCCURRENCES: usize = 10_000;

/// A CycloneDX 1.6 document; serialise it with serde (`serde_json`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    bom_format: &'static str,
    spec_version: &'static str,
    serial_number: String,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
    dependencies: Vec<Dependency>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    vulnerabilities: Vec<Vulnerability>,
}

#[derive(Debug, Clone, Serialize)]
struct Metadata {
    timestamp: String,
    tools: Tools,
    component: Component,
}

#[derive(Debug, Clone, Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Debug, Clone, Serialize)]
struct Component {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cpe: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<Evidence>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

impl Component {
    fn new(kind: &'static str, name: String) -> Self {
        Component {
            kind,
            bom_ref: None,
            group: None,
            name,
            version: None,
            description: None,
            licenses: Vec::new(),
            cpe: None,
            purl: None,
            evidence: None,
            properties: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
enum LicenseChoice {
    License { license: License },
    Expression { expression: String },
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
enum License {
    Id { id: String },
    Name { name: String },
}

#[derive(Debug, Clone, Serialize)]
struct Evidence {
    occurrences: Vec<Occurrence>,
}

#[derive(Debug, Clone, Serialize)]
struct Occurrence {
    location: String,
}

#[derive(Debug, Clone, Serialize)]
struct Property {
    name: &'static str,
    value: String,
}

fn property(name: &'static str, value: impl Into<String>) -> Property {
    Property {
        name,
        value: value.into(),
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    depends_on: Vec<String>,
}

/// The CycloneDX analysis state of a finding (`vulnerabilities[].analysis.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnalysisState {
    /// Fixed in this component.
    Resolved,
    /// Fixed, with the fix recorded in the component's pedigree.
    ResolvedWithPedigree,
    /// Exploitable in this context.
    Exploitable,
    /// Being investigated.
    InTriage,
    /// Wrongly reported.
    FalsePositive,
    /// Present but not exploitable here (a VEX `not_affected`).
    NotAffected,
}

impl AnalysisState {
    /// The state named by its CycloneDX value (`not_affected`) or the
    /// OpenVEX status that corresponds (`fixed`, `affected`,
    /// `under_investigation`).
    pub fn parse(text: &str) -> Option<Self> {
        Some(
            match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
                "resolved" | "fixed" => AnalysisState::Resolved,
                "resolved_with_pedigree" => AnalysisState::ResolvedWithPedigree,
                "exploitable" | "affected" => AnalysisState::Exploitable,
                "in_triage" | "under_investigation" => AnalysisState::InTriage,
                "false_positive" => AnalysisState::FalsePositive,
                "not_affected" => AnalysisState::NotAffected,
                _ => return None,
            },
        )
    }
}

/// A vulnerability finding to write into the BOM.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CdxVulnerability {
    /// The advisory ID (`CVE-2024-1234`, `GHSA-...`).
    pub id: String,
    /// Who published it (`debian`, `nvd`, `osv`).
    pub source_name: String,
    /// Where it is published.
    pub source_url: Option<String>,
    /// `critical`, `high`, `medium`, `low`, `info`, `none` or `unknown`, any
    /// case; anything else is written as `unknown`.
    pub severity: String,
    /// The CVSS (or other) score.
    pub score: Option<f64>,
    /// The CVSS vector.
    pub vector: Option<String>,
    /// The scoring method: `CVSSv2`, `CVSSv3`, `CVSSv31`, `CVSSv4`, `OWASP`,
    /// `SSVC`; anything else is written as `other`.
    pub method: Option<String>,
    /// The advisory's description.
    pub description: Option<String>,
    /// What to do (`Upgrade openssl to 3.0.15-1`).
    pub recommendation: Option<String>,
    /// Versions that fix it (written as `kensa:vulnerability:fixed_version`
    /// properties).
    pub fixed_versions: Vec<String>,
    /// The affected packages: their purls (every package with that purl is
    /// affected) or bom-refs.
    pub affects_bom_refs: Vec<String>,
    /// The analysis state, from a VEX statement.
    pub state: Option<AnalysisState>,
    /// Why: a CycloneDX justification (`code_not_reachable`), an OpenVEX one
    /// (`vulnerable_code_not_in_execute_path`, mapped), or free text (kept
    /// as the analysis detail).
    pub justification: Option<String>,
    /// When the advisory was published (RFC 3339; other forms are dropped).
    pub published: Option<String>,
    /// When it was last updated (RFC 3339; other forms are dropped).
    pub updated: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct Vulnerability {
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    id: String,
    source: Source,
    ratings: Vec<Rating>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recommendation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Option<Analysis>,
    affects: Vec<Affects>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Debug, Clone, Serialize)]
struct Source {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct Rating {
    source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vector: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct Analysis {
    state: AnalysisState,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct Affects {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    versions: Vec<AffectedVersion>,
}

#[derive(Debug, Clone, Serialize)]
struct AffectedVersion {
    version: String,
    status: &'static str,
}

/// CycloneDX's serial number needs a lowercase UUID; an ID that is not one
/// is hashed into one (version nibble 8, "custom"), so it stays stable.
fn serial_number(document_id: &str) -> String {
    let lower = document_id.trim().to_ascii_lowercase();
    let is_uuid = lower.len() == 36
        && lower.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    if is_uuid {
        return format!("urn:uuid:{lower}");
    }
    let high = stable_hash(&["kensa-serial-high", document_id]);
    let low = stable_hash(&["kensa-serial-low", document_id]);
    let hex = format!("{high:016x}{low:016x}");
    let digits: Vec<char> = hex.chars().collect();
    let part = |from: usize, to: usize| {
        digits
            .get(from..to)
            .unwrap_or_default()
            .iter()
            .collect::<String>()
    };
    format!(
        "urn:uuid:{}-{}-8{}-{}-{}",
        part(0, 8),
        part(8, 12),
        part(13, 16),
        part(16, 20),
        part(20, 32)
    )
}

/// Whether `text` is an RFC 3339 date-time (`2024-01-02T03:04:05Z`,
/// optional fraction, `Z` or `±hh:mm`).
fn is_date_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    let head_ok = bytes.len() >= 20
        && bytes.iter().take(19).enumerate().all(|(i, &b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T' || b == b't',
            13 | 16 => b == b':',
            _ => b.is_ascii_digit(),
        });
    if !head_ok {
        return false;
    }
    let mut rest = text.get(19..).unwrap_or_default();
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = fraction.get(digits..).unwrap_or_default();
    }
    match rest {
        "Z" | "z" => true,
        offset => {
            let b = offset.as_bytes();
            b.len() == 6
                && (b.first() == Some(&b'+') || b.first() == Some(&b'-'))
                && b.get(3) == Some(&b':')
                && [1, 2, 4, 5]
                    .iter()
                    .all(|&i| b.get(i).is_some_and(u8::is_ascii_digit))
        }
    }
}

fn severity(text: &str) -> &'static str {
    match text.trim().to_ascii_lowercase().as_str() {
        "critical" => "critical",
        "high" => "high",
        "medium" | "moderate" => "medium",
        "low" => "low",
        "info" | "informational" | "negligible" => "info",
        "none" => "none",
        _ => "unknown",
    }
}

fn score_method(text: &str) -> &'static str {
    match text
        .trim()
        .to_ascii_uppercase()
        .replace(['.', ' '], "")
        .as_str()
    {
        "CVSSV2" => "CVSSv2",
        "CVSSV3" | "CVSSV30" => "CVSSv3",
        "CVSSV31" => "CVSSv31",
        "CVSSV4" | "CVSSV40" => "CVSSv4",
        "OWASP" => "OWASP",
        "SSVC" => "SSVC",
        _ => "other",
    }
}

/// A CycloneDX justification from its own name or an OpenVEX one.
fn justification(text: &str) -> Option<&'static str> {
    Some(match text.trim().to_ascii_lowercase().as_str() {
        "code_not_present" | "component_not_present" | "vulnerable_code_not_present" => {
            "code_not_present"
        }
        "code_not_reachable" | "vulnerable_code_not_in_execute_path" => "code_not_reachable",
        "requires_configuration" => "requires_configuration",
        "requires_dependency" => "requires_dependency",
        "requires_environment" | "vulnerable_code_cannot_be_controlled_by_adversary" => {
            "requires_environment"
        }
        "protected_by_compiler" => "protected_by_compiler",
        "protected_at_runtime" => "protected_at_runtime",
        "protected_at_perimeter" => "protected_at_perimeter",
        "protected_by_mitigating_control" | "inline_mitigations_already_exist" => {
            "protected_by_mitigating_control"
        }
        _ => return None,
    })
}

/// The component's licences: a list of IDs and names, or, when any is a
/// compound expression, one expression (CycloneDX allows only one form).
fn licenses(stated: &[String]) -> Vec<LicenseChoice> {
    let stated: Vec<&str> = stated
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect();
    let normalised: Vec<Option<String>> = stated.iter().map(|t| license::to_spdx(t)).collect();
    let compound = normalised
        .iter()
        .flatten()
        .any(|e| !license::is_single_id(e));
    if !compound {
        let mut seen = HashSet::new();
        return stated
            .iter()
            .zip(normalised)
            .map(|(text, expression)| match expression {
                Some(id) => License::Id { id },
                None => License::Name {
                    name: (*text).to_owned(),
                },
            })
            .filter(|l| {
                seen.insert(match l {
                    License::Id { id } => format!("id:{id}"),
                    License::Name { name } => format!("name:{name}"),
                })
            })
            .map(|license| LicenseChoice::License { license })
            .collect();
    }
    let mut parts: Vec<String> = Vec::new();
    for text in &stated {
        let conjuncts = license::to_spdx_conjuncts(text)
            .unwrap_or_else(|| vec![license::license_ref_for(text)]);
        for conjunct in conjuncts {
            if !parts.contains(&conjunct) {
                parts.push(conjunct);
            }
        }
    }
    vec![LicenseChoice::Expression {
        expression: license::join_conjuncts(&parts),
    }]
}

/// A bom-ref for the package: its purl, or the purl with a `package-id`
/// qualifier when another package already took it.
fn package_ref(package: &Package, taken: &mut HashSet<String>) -> String {
    let base = if package.purl.is_empty() {
        format!("kensa:package:{}:{}", package.ptype.as_str(), package.name)
    } else {
        package.purl.clone()
    };
    if taken.insert(base.clone()) {
        return base;
    }
    let separator = if base.contains('?') { '&' } else { '?' };
    let with_id = format!(
        "{base}{separator}package-id={:016x}",
        stable_hash(&[
            &package.purl,
            &package.location,
            &package.name,
            &package.version
        ])
    );
    if taken.insert(with_id.clone()) {
        return with_id;
    }
    let mut n = 2usize;
    loop {
        let candidate = format!("{with_id}-{n}");
        if taken.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}

fn package_component(image: &Image, package: &Package, bom_ref: String) -> Component {
    let mut properties = vec![property("kensa:package:type", package.ptype.as_str())];
    if let Some(diff_id) = layer_diff_id(image, package) {
        properties.push(property("kensa:package:layer_diff_id", diff_id));
    }
    if !package.location.is_empty() {
        properties.push(property(
            "kensa:package:location",
            package.location.as_str(),
        ));
    }
    if !package.found_by.is_empty() {
        properties.push(property("kensa:package:found_by", package.found_by));
    }
    if let Some(arch) = &package.arch {
        properties.push(property("kensa:package:arch", arch.as_str()));
    }
    if package.source.is_some() {
        properties.push(property("kensa:package:source_name", package.source_name()));
        properties.push(property(
            "kensa:package:source_version",
            package.source_version(),
        ));
    }
    let mut seen = HashSet::new();
    let occurrences: Vec<Occurrence> = package
        .files
        .iter()
        .filter(|file| !file.is_empty() && seen.insert(file.as_str()))
        .take(MAX_OCCURRENCES)
        .map(|file| Occurrence {
            location: file.clone(),
        })
        .collect();
    let mut component = Component::new("library", package.name.clone());
    component.bom_ref = Some(bom_ref);
    component.group = (!package.namespace.is_empty()).then(|| package.namespace.clone());
    component.version = (!package.version.is_empty()).then(|| package.version.clone());
    component.licenses = licenses(&package.licenses);
    component.cpe = package.cpes.first().cloned();
    component.purl = (!package.purl.is_empty()).then(|| package.purl.clone());
    component.evidence = (!occurrences.is_empty()).then_some(Evidence { occurrences });
    component.properties = properties;
    component
}

/// The CycloneDX document for the image, with these findings (pass `&[]`
/// for a plain SBOM).
pub fn write(
    image: &Image,
    options: &SbomOptions,
    vulnerabilities: &[CdxVulnerability],
) -> Document {
    let mut taken: HashSet<String> = HashSet::new();
    let purl = image_purl(image);
    let image_ref = purl
        .clone()
        .unwrap_or_else(|| format!("kensa:image:{}", image.name));
    taken.insert(image_ref.clone());
    let mut image_component = Component::new("container", image.name.clone());
    image_component.bom_ref = Some(image_ref.clone());
    image_component.version = image_digest(image)
        .or(image.id.as_deref())
        .map(str::to_owned);
    image_component.purl = purl;
    if let Some(id) = &image.id {
        image_component
            .properties
            .push(property("kensa:image:id", id.as_str()));
    }
    for tag in &image.repo_tags {
        image_component
            .properties
            .push(property("kensa:image:repo_tag", tag.as_str()));
    }
    for digest in &image.repo_digests {
        image_component
            .properties
            .push(property("kensa:image:repo_digest", digest.as_str()));
    }
    if let Some(platform) = &image.platform {
        image_component
            .properties
            .push(property("kensa:image:platform", platform.as_str()));
    }
    for layer in &image.layers {
        if let Some(diff_id) = &layer.diff_id {
            image_component
                .properties
                .push(property("kensa:image:layer_diff_id", diff_id.as_str()));
        }
    }

    let mut components = Vec::new();
    let mut image_depends = Vec::new();
    let os = image.catalog.os.as_ref();
    let os_ref = os.map(|os| {
        let name = os.family_name();
        let bom_ref = format!("kensa:os:{name}:{}", os.version);
        taken.insert(bom_ref.clone());
        let mut component = Component::new("operating-system", name.to_owned());
        component.bom_ref = Some(bom_ref.clone());
        component.version = (!os.version.is_empty()).then(|| os.version.clone());
        component.description = os.pretty_name.clone();
        components.push(component);
        image_depends.push(bom_ref.clone());
        bom_ref
    });

    let mut os_depends = Vec::new();
    let mut package_refs = Vec::new();
    // Which bom-refs each purl ended up with, for `affects`.
    let mut refs_by_purl: BTreeMap<&str, Vec<(String, &str)>> = BTreeMap::new();
    for package in sorted_packages(image) {
        let bom_ref = package_ref(package, &mut taken);
        if under_os(package, os) {
            os_depends.push(bom_ref.clone());
        } else {
            image_depends.push(bom_ref.clone());
        }
        refs_by_purl
            .entry(package.purl.as_str())
            .or_default()
            .push((bom_ref.clone(), package.version.as_str()));
        package_refs.push(bom_ref.clone());
        components.push(package_component(image, package, bom_ref));
    }

    let mut dependencies = vec![Dependency {
        reference: image_ref,
        depends_on: image_depends,
    }];
    if let Some(os_ref) = os_ref {
        dependencies.push(Dependency {
            reference: os_ref,
            depends_on: os_depends,
        });
    }
    dependencies.extend(package_refs.into_iter().map(|reference| Dependency {
        reference,
        depends_on: Vec::new(),
    }));

    let versions_by_ref: BTreeMap<&str, &str> = refs_by_purl
        .values()
        .flatten()
        .map(|(bom_ref, version)| (bom_ref.as_str(), *version))
        .collect();
    let vulnerabilities = vulnerability_entries(vulnerabilities, &refs_by_purl, &versions_by_ref);

    let mut tool = Component::new("application", TOOL.to_owned());
    tool.version = Some(options.tool_version.clone());
    Document {
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: serial_number(&options.document_id),
        version: 1,
        metadata: Metadata {
            timestamp: options.created.clone(),
            tools: Tools {
                components: vec![tool],
            },
            component: image_component,
        },
        components,
        dependencies,
        vulnerabilities,
    }
}

fn vulnerability_entries(
    findings: &[CdxVulnerability],
    refs_by_purl: &BTreeMap<&str, Vec<(String, &str)>>,
    versions_by_ref: &BTreeMap<&str, &str>,
) -> Vec<Vulnerability> {
    let mut taken = HashSet::new();
    let mut out = Vec::new();
    for finding in findings {
        let mut affects: Vec<Affects> = Vec::new();
        let mut seen = HashSet::new();
        for wanted in &finding.affects_bom_refs {
            let matches: Vec<(String, &str)> = match refs_by_purl.get(wanted.as_str()) {
                Some(refs) if !wanted.is_empty() => refs.clone(),
                _ => match versions_by_ref.get(wanted.as_str()) {
                    Some(version) => vec![(wanted.clone(), *version)],
                    // Not in this BOM: still say what it affects.
                    None if !wanted.is_empty() => vec![(wanted.clone(), "")],
                    None => Vec::new(),
                },
            };
            for (reference, version) in matches {
                if !seen.insert(reference.clone()) {
                    continue;
                }
                affects.push(Affects {
                    reference,
                    versions: if version.is_empty() {
                        Vec::new()
                    } else {
                        vec![AffectedVersion {
                            version: version.to_owned(),
                            status: "affected",
                        }]
                    },
                });
            }
        }
        let source = Source {
            name: finding.source_name.clone(),
            url: finding.source_url.clone(),
        };
        let justification_text = finding
            .justification
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let analysis = finding.state.map(|state| Analysis {
            state,
            justification: justification_text.and_then(justification),
            detail: justification_text.map(str::to_owned),
        });
        // Two findings of one advisory (different packages or sources) stay
        // distinct objects with distinct refs.
        let bom_ref = {
            let base = format!("kensa:vulnerability:{}", finding.id);
            let mut candidate = base.clone();
            let mut n = 2usize;
            while !taken.insert(candidate.clone()) {
                candidate = format!("{base}-{n}");
                n += 1;
            }
            candidate
        };
        out.push(Vulnerability {
            bom_ref,
            id: finding.id.clone(),
            source: source.clone(),
            ratings: vec![Rating {
                source,
                score: finding.score.filter(|s| s.is_finite()),
                severity: severity(&finding.severity),
                method: finding.method.as_deref().map(score_method),
                vector: finding.vector.clone(),
            }],
            description: finding.description.clone(),
            recommendation: finding.recommendation.clone(),
            published: finding.published.clone().filter(|t| is_date_time(t)),
            updated: finding.updated.clone().filter(|t| is_date_time(t)),
            analysis,
            affects,
            properties: finding
                .fixed_versions
                .iter()
                .map(|v| property("kensa:vulnerability:fixed_version", v.as_str()))
                .collect(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_kept_lowercased_and_other_ids_hashed_into_one() {
        assert_eq!(
            serial_number("0F8E3E2C-58A5-4B0E-9C55-2D0F7F1C9A11"),
            "urn:uuid:0f8e3e2c-58a5-4b0e-9c55-2d0f7f1c9a11"
        );
        let hashed = serial_number("not a uuid");
        assert_eq!(hashed, serial_number("not a uuid"));
        assert_ne!(hashed, serial_number("another"));
        let uuid = hashed.strip_prefix("urn:uuid:").unwrap_or_default();
        assert_eq!(serial_number(uuid), hashed, "the result is itself a UUID");
    }

    #[test]
    fn date_times_are_checked() {
        for good in [
            "2024-01-02T03:04:05Z",
            "2024-01-02T03:04:05.5Z",
            "2024-01-02T03:04:05+02:00",
        ] {
            assert!(is_date_time(good), "{good}");
        }
        for bad in [
            "2024-01-02",
            "2024-01-02T03:04:05",
            "2024-01-02T03:04:05.Z",
            "x",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn severities_methods_and_justifications_map_to_the_enums() {
        assert_eq!(severity("HIGH"), "high");
        assert_eq!(severity("moderate"), "medium");
        assert_eq!(severity("bogus"), "unknown");
        assert_eq!(score_method("CVSSv3.1"), "CVSSv31");
        assert_eq!(score_method("cvss v2"), "CVSSv2");
        assert_eq!(score_method("EPSS"), "other");
        assert_eq!(
            justification("vulnerable_code_not_in_execute_path"),
            Some("code_not_reachable")
        );
        assert_eq!(
            justification("protected_at_runtime"),
            Some("protected_at_runtime")
        );
        assert_eq!(justification("we looked"), None);
        assert_eq!(
            AnalysisState::parse("under_investigation"),
            Some(AnalysisState::InTriage)
        );
        assert_eq!(
            AnalysisState::parse("not-affected"),
            Some(AnalysisState::NotAffected)
        );
        assert_eq!(AnalysisState::parse("maybe"), None);
    }

    #[test]
    fn licences_are_ids_and_names_or_one_expression() {
        let ids = serde_json::to_value(licenses(&["GPL-2+".into(), "see COPYING".into()]))
            .unwrap_or_default();
        assert_eq!(
            ids,
            serde_json::json!([
                {"license": {"id": "GPL-2.0-or-later"}},
                {"license": {"name": "see COPYING"}}
            ])
        );
        let expression =
            serde_json::to_value(licenses(&["MIT OR Zlib".into(), "see COPYING".into()]))
                .unwrap_or_default();
        assert_eq!(
            expression,
            serde_json::json!([{"expression": "(MIT OR Zlib) AND LicenseRef-see-COPYING"}])
        );
        assert!(licenses(&[]).is_empty());
    }
}
