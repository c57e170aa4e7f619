//! SPDX 2.3 JSON.
//!
//! The image is the described package (`primaryPackagePurpose: CONTAINER`),
//! the OS a package of purpose `OPERATING_SYSTEM` (the JSON schema's
//! spelling; tag-value writes `OPERATING-SYSTEM`), and every found package
//! a `LIBRARY` (as Trivy writes them) with its purl and CPEs as external
//! references. kensa does not conclude licences, so `licenseConcluded` is
//! `NOASSERTION`; `licenseDeclared` is what the package states, as an SPDX
//! expression where [`license::to_spdx`] can make one and a `LicenseRef-`
//! (with the original text in `hasExtractedLicensingInfos`) where not.
//!
//! Package files are not listed: SPDX `files` need checksums of contents
//! kensa does not keep. The CycloneDX writer records them as evidence.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use super::{
    SbomOptions, TOOL, id_safe, image_digest, image_purl, layer_diff_id, license, sorted_packages,
    stable_hash, under_os,
};
use crate::catalog::Package;
use crate::image::Image;

/// The value SPDX uses for "no claim is made".
const NOASSERTION: &str = "NOASSERTION";
/// The document's own SPDX ID.
const DOCUMENT_ID: &str = "SPDXRef-DOCUMENT";

/// An SPDX 2.3 document; serialise it with serde (`serde_json`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: String,
    document_namespace: String,
    creation_info: CreationInfo,
    packages: Vec<SpdxPackage>,
    relationships: Vec<Relationship>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    has_extracted_licensing_infos: Vec<ExtractedLicense>,
}

#[derive(Debug, Clone, Serialize)]
struct CreationInfo {
    created: String,
    creators: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct SpdxPackage {
    name: String,
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checksums: Vec<Checksum>,
    supplier: &'static str,
    download_location: &'static str,
    files_analyzed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    license_concluded: &'static str,
    license_declared: String,
    copyright_text: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
    primary_package_purpose: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    annotations: Vec<Annotation>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Checksum {
    algorithm: &'static str,
    checksum_value: String,
}

/// The image's manifest digest as an SPDX checksum (as Syft writes it).
fn digest_checksum(digest: &str) -> Option<Checksum> {
    let (algorithm, value) = digest.split_once(':')?;
    let algorithm = match algorithm {
        "sha256" => "SHA256",
        "sha512" => "SHA512",
        _ => return None,
    };
    (!value.is_empty() && value.bytes().all(|b| b.is_ascii_hexdigit())).then(|| Checksum {
        algorithm,
        checksum_value: value.to_ascii_lowercase(),
    })
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: &'static str,
    reference_type: &'static str,
    reference_locator: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Annotation {
    annotator: String,
    annotation_date: String,
    annotation_type: &'static str,
    comment: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    related_spdx_element: String,
    relationship_type: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ExtractedLicense {
    license_id: String,
    extracted_text: String,
    name: String,
}

/// SPDX's date form: `YYYY-MM-DDThh:mm:ssZ`, no fraction, UTC. An RFC 3339
/// UTC time is cut to it; anything else is passed on unchanged.
fn spdx_time(created: &str) -> String {
    let Some(head) = created.get(..19) else {
        return created.to_owned();
    };
    let shape_ok = head.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 => b == b'-',
        10 => b == b'T' || b == b't',
        13 | 16 => b == b':',
        _ => b.is_ascii_digit(),
    });
    let rest = created.get(19..).unwrap_or_default();
    let rest = match rest.strip_prefix('.') {
        Some(fraction) => fraction.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => rest,
    };
    let utc = matches!(rest, "Z" | "z" | "+00:00" | "-00:00" | "");
    if shape_ok && utc {
        format!("{}T{}Z", &head[..10], &head[11..])
    } else {
        created.to_owned()
    }
}

/// The extracted licences of a document, by `LicenseRef-` ID.
#[derive(Default)]
struct Licences {
    extracted: BTreeMap<String, String>,
}

impl Licences {
    /// A `LicenseRef-` for free text, unique for that text in the document.
    fn reference_for(&mut self, text: &str) -> String {
        let base = license::license_ref_for(text);
        let id = match self.extracted.get(&base) {
            Some(known) if known != text => {
                format!("{base}-{:08x}", stable_hash(&[text]) >> 32)
            }
            _ => base,
        };
        self.extracted
            .entry(id.clone())
            .or_insert_with(|| text.to_owned());
        id
    }

    /// `licenseDeclared` for the package's stated licences.
    fn declared(&mut self, licenses: &[String]) -> String {
        // Conjuncts, so a licence stated twice (alone and inside an AND)
        // is written once.
        let mut parts: Vec<String> = Vec::new();
        for text in licenses.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
            let conjuncts = match license::to_spdx_conjuncts(text) {
                Some(conjuncts) => {
                    // Every LicenseRef a document uses needs its text.
                    for conjunct in &conjuncts {
                        for reference in license::license_refs(conjunct) {
                            self.extracted
                                .entry(reference.to_owned())
                                .or_insert_with(|| text.to_owned());
                        }
                    }
                    conjuncts
                }
                None => vec![self.reference_for(text)],
            };
            for conjunct in conjuncts {
                if !parts.contains(&conjunct) {
                    parts.push(conjunct);
                }
            }
        }
        if parts.is_empty() {
            return NOASSERTION.to_owned();
        }
        license::join_conjuncts(&parts)
    }
}

fn purl_ref(purl: &str) -> ExternalRef {
    ExternalRef {
        reference_category: "PACKAGE-MANAGER",
        reference_type: "purl",
        reference_locator: purl.to_owned(),
    }
}

/// Makes `id` unique in `taken` by appending `-2`, `-3`, ... when needed.
fn unique(id: String, taken: &mut HashSet<String>) -> String {
    if taken.insert(id.clone()) {
        return id;
    }
    let mut n = 2usize;
    loop {
        let candidate = format!("{id}-{n}");
        if taken.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}

/// The SPDX document for the image.
pub fn write(image: &Image, options: &SbomOptions) -> Document {
    let created = spdx_time(&options.created);
    let tool = format!("Tool: {TOOL}-{}", options.tool_version);
    let annotation = |comment: String| Annotation {
        annotator: tool.clone(),
        annotation_date: created.clone(),
        annotation_type: "OTHER",
        comment,
    };
    let mut taken: HashSet<String> = HashSet::new();
    let mut packages = Vec::new();
    let mut relationships = Vec::new();
    let relate = |from: &str, to: &str, kind: &'static str| Relationship {
        spdx_element_id: from.to_owned(),
        related_spdx_element: to.to_owned(),
        relationship_type: kind,
    };

    let image_id = unique(
        format!("SPDXRef-DocumentRoot-Image-{}", id_safe(&image.name)),
        &mut taken,
    );
    let mut image_annotations = Vec::new();
    if let Some(id) = &image.id {
        image_annotations.push(annotation(format!("ImageID: {id}")));
    }
    if let Some(digest) = &image.manifest_digest {
        image_annotations.push(annotation(format!("ManifestDigest: {digest}")));
    }
    for tag in &image.repo_tags {
        image_annotations.push(annotation(format!("RepoTag: {tag}")));
    }
    for digest in &image.repo_digests {
        image_annotations.push(annotation(format!("RepoDigest: {digest}")));
    }
    if let Some(platform) = &image.platform {
        image_annotations.push(annotation(format!("Platform: {platform}")));
    }
    for layer in &image.layers {
        if let Some(diff_id) = &layer.diff_id {
            image_annotations.push(annotation(format!("DiffID: {diff_id}")));
        }
    }
    packages.push(SpdxPackage {
        name: image.name.clone(),
        spdx_id: image_id.clone(),
        version_info: image_digest(image)
            .or(image.id.as_deref())
            .map(str::to_owned),
        checksums: image_digest(image)
            .and_then(digest_checksum)
            .into_iter()
            .collect(),
        supplier: NOASSERTION,
        download_location: NOASSERTION,
        files_analyzed: false,
        source_info: None,
        license_concluded: NOASSERTION,
        license_declared: NOASSERTION.to_owned(),
        copyright_text: NOASSERTION,
        external_refs: image_purl(image)
            .as_deref()
            .map(purl_ref)
            .into_iter()
            .collect(),
        primary_package_purpose: "CONTAINER",
        annotations: image_annotations,
    });
    relationships.push(relate(DOCUMENT_ID, &image_id, "DESCRIBES"));

    let os = image.catalog.os.as_ref();
    let os_id = os.map(|os| {
        let name = os.family_name();
        let id = unique(
            format!(
                "SPDXRef-OperatingSystem-{:016x}",
                stable_hash(&[name, &os.version])
            ),
            &mut taken,
        );
        packages.push(SpdxPackage {
            name: name.to_owned(),
            spdx_id: id.clone(),
            version_info: (!os.version.is_empty()).then(|| os.version.clone()),
            checksums: Vec::new(),
            supplier: NOASSERTION,
            download_location: NOASSERTION,
            files_analyzed: false,
            source_info: None,
            license_concluded: NOASSERTION,
            license_declared: NOASSERTION.to_owned(),
            copyright_text: NOASSERTION,
            external_refs: Vec::new(),
            primary_package_purpose: "OPERATING_SYSTEM",
            annotations: os
                .pretty_name
                .iter()
                .map(|pretty| annotation(format!("PrettyName: {pretty}")))
                .collect(),
        });
        relationships.push(relate(&image_id, &id, "CONTAINS"));
        id
    });

    let mut licences = Licences::default();
    for package in sorted_packages(image) {
        let id = unique(package_id(package), &mut taken);
        packages.push(spdx_package(
            image,
            package,
            id.clone(),
            &mut licences,
            &annotation,
        ));
        let parent = match &os_id {
            Some(os_id) if under_os(package, os) => os_id,
            _ => &image_id,
        };
        relationships.push(relate(parent, &id, "CONTAINS"));
    }

    Document {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: DOCUMENT_ID,
        name: image.name.clone(),
        document_namespace: format!(
            "https://kensa.dev/spdx/image/{}-{}",
            id_safe(&image.name),
            id_safe(&options.document_id)
        ),
        creation_info: CreationInfo {
            created: created.clone(),
            creators: vec![format!("Organization: {TOOL}"), tool.clone()],
        },
        packages,
        relationships,
        has_extracted_licensing_infos: licences
            .extracted
            .into_iter()
            .map(|(license_id, text)| ExtractedLicense {
                license_id,
                name: text.clone(),
                extracted_text: text,
            })
            .collect(),
    }
}

/// `SPDXRef-Package-<type>-<name>-<hash of purl and location>`.
fn package_id(package: &Package) -> String {
    format!(
        "SPDXRef-Package-{}-{}-{:016x}",
        package.ptype.as_str(),
        id_safe(&package.name),
        stable_hash(&[&package.purl, &package.location])
    )
}

fn spdx_package(
    image: &Image,
    package: &Package,
    spdx_id: String,
    licences: &mut Licences,
    annotation: &dyn Fn(String) -> Annotation,
) -> SpdxPackage {
    let mut external_refs = Vec::new();
    if !package.purl.is_empty() {
        external_refs.push(purl_ref(&package.purl));
    }
    for cpe in &package.cpes {
        external_refs.push(ExternalRef {
            reference_category: "SECURITY",
            reference_type: "cpe23Type",
            reference_locator: cpe.clone(),
        });
    }
    let mut annotations = vec![annotation(format!("PkgType: {}", package.ptype.as_str()))];
    if !package.found_by.is_empty() {
        annotations.push(annotation(format!("FoundBy: {}", package.found_by)));
    }
    if !package.location.is_empty() {
        annotations.push(annotation(format!("Location: {}", package.location)));
    }
    if let Some(diff_id) = layer_diff_id(image, package) {
        annotations.push(annotation(format!("LayerDiffID: {diff_id}")));
    }
    SpdxPackage {
        name: package.name.clone(),
        spdx_id,
        version_info: (!package.version.is_empty()).then(|| package.version.clone()),
        checksums: Vec::new(),
        supplier: NOASSERTION,
        download_location: NOASSERTION,
        files_analyzed: false,
        source_info: package.source.as_ref().map(|_| {
            format!(
                "built package from: {} {}",
                package.source_name(),
                package.source_version()
            )
        }),
        license_concluded: NOASSERTION,
        license_declared: licences.declared(&package.licenses),
        copyright_text: NOASSERTION,
        external_refs,
        primary_package_purpose: "LIBRARY",
        annotations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_cut_to_spdx_form() {
        assert_eq!(spdx_time("2026-01-02T03:04:05Z"), "2026-01-02T03:04:05Z");
        assert_eq!(
            spdx_time("2026-01-02T03:04:05.123456Z"),
            "2026-01-02T03:04:05Z"
        );
        assert_eq!(
            spdx_time("2026-01-02t03:04:05+00:00"),
            "2026-01-02T03:04:05Z"
        );
        assert_eq!(
            spdx_time("2026-01-02T03:04:05+02:00"),
            "2026-01-02T03:04:05+02:00",
            "a non-UTC time is not silently shifted"
        );
        assert_eq!(spdx_time("yesterday"), "yesterday");
    }

    #[test]
    fn declared_licences_join_and_extract() {
        let mut licences = Licences::default();
        assert_eq!(licences.declared(&[]), NOASSERTION);
        assert_eq!(licences.declared(&["  ".into()]), NOASSERTION);
        assert_eq!(
            licences.declared(&["GPL-2+".into(), "MIT OR Zlib".into(), "GPL-2+".into()]),
            "GPL-2.0-or-later AND (MIT OR Zlib)"
        );
        assert_eq!(
            licences.declared(&["see COPYING".into(), "public-domain".into()]),
            "LicenseRef-see-COPYING AND LicenseRef-public-domain"
        );
        assert_eq!(
            licences
                .extracted
                .get("LicenseRef-see-COPYING")
                .map(String::as_str),
            Some("see COPYING")
        );
        assert_eq!(
            licences
                .extracted
                .get("LicenseRef-public-domain")
                .map(String::as_str),
            Some("public-domain")
        );
    }

    #[test]
    fn a_licence_stated_alone_and_inside_a_conjunction_is_written_once() {
        let mut licences = Licences::default();
        assert_eq!(
            licences.declared(&["GPL-2+".into(), "GPL-2+ and Expat".into()]),
            "GPL-2.0-or-later AND MIT"
        );
        assert_eq!(licences.declared(&["MIT or Zlib".into()]), "MIT OR Zlib");
        assert_eq!(
            licences.declared(&["(MIT OR Zlib) AND (Zlib OR MIT)".into()]),
            "(MIT OR Zlib) AND (Zlib OR MIT)",
            "different disjunctions are not reordered into one"
        );
    }

    #[test]
    fn different_texts_never_share_a_reference() {
        let mut licences = Licences::default();
        let a = licences.reference_for("see COPYING");
        let b = licences.reference_for("see/COPYING");
        let again = licences.reference_for("see COPYING");
        assert_eq!(a, "LicenseRef-see-COPYING");
        assert_ne!(a, b);
        assert_eq!(a, again);
        assert_eq!(licences.extracted.len(), 2);
    }

    #[test]
    fn taken_ids_get_a_counter() {
        let mut taken = HashSet::new();
        assert_eq!(unique("x".into(), &mut taken), "x");
        assert_eq!(unique("x".into(), &mut taken), "x-2");
        assert_eq!(unique("x".into(), &mut taken), "x-3");
    }
}
