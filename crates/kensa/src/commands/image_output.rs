//! Renderers for `kensa image sbom`: the package table, kensa's JSON, and
//! the SPDX and CycloneDX documents (written by kensa-image).

use std::io::Write;

use kensa_image::catalog::Package;
use kensa_image::image::Image;
use kensa_image::sbom::SbomOptions;
pub use kensa_image::sbom::cyclonedx::{AnalysisState, CdxVulnerability};
use serde_json::{Value, json};

use crate::output::Style;

/// The version of `kensa image sbom -o json`'s schema (docs/image.md).
pub const SBOM_SCHEMA_VERSION: u32 = 1;

/// `Family version` or `no OS detected`.
pub fn os_text(image: &Image) -> String {
    match &image.catalog.os {
        Some(os) => os.pretty_name.clone().unwrap_or_else(|| {
            format!("{} {}", os.family_name(), os.version)
                .trim()
                .to_owned()
        }),
        None => "no OS detected".to_owned(),
    }
}

/// A table of packages: Name, Version, Type, Licences, Location.
pub fn package_table(image: &Image, out: &mut dyn Write, color: bool) -> anyhow::Result<()> {
    let style = Style { on: color };
    writeln!(
        out,
        "{} ({}): {} packages",
        style.strong(&image.name),
        os_text(image),
        image.catalog.packages.len()
    )?;
    if image.catalog.packages.is_empty() {
        return Ok(());
    }
    let mut table =
        kensa_report::table::new(&["Name", "Version", "Type", "Licences", "Location"], color);
    for package in &image.catalog.packages {
        table.add_row(vec![
            comfy_table::Cell::new(display_name(package)),
            comfy_table::Cell::new(&package.version),
            comfy_table::Cell::new(package.ptype.as_str()),
            comfy_table::Cell::new(licence_summary(&package.licenses)),
            comfy_table::Cell::new(format!("/{}", package.location)),
        ]);
    }
    kensa_report::table::write(&table, out)?;
    Ok(())
}

/// The first licences, and how many more: copyright files can list dozens.
fn licence_summary(licenses: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut text = licenses
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if licenses.len() > SHOWN {
        text.push_str(&format!(" (+{})", licenses.len() - SHOWN));
    }
    text
}

/// `group/name` or `@scope/name` where the ecosystem has namespaces.
pub fn display_name(package: &Package) -> String {
    if package.namespace.is_empty() {
        package.name.clone()
    } else if package.namespace.starts_with('@') {
        format!("{}/{}", package.namespace, package.name)
    } else {
        format!("{}:{}", package.namespace, package.name)
    }
}

/// The image part of kensa's JSON documents.
pub fn image_json(image: &Image) -> Value {
    json!({
        "name": image.name,
        "id": image.id,
        "manifest_digest": image.manifest_digest,
        "repo_tags": image.repo_tags,
        "repo_digests": image.repo_digests,
        "platform": image.platform,
        "layers": image.layers.iter().map(|layer| json!({
            "digest": layer.digest,
            "diff_id": layer.diff_id,
            "size": layer.size,
            "media_type": layer.media_type,
        })).collect::<Vec<_>>(),
        "os": image.catalog.os.as_ref().map(|os| json!({
            "family": os.family_name(),
            "version": os.version,
            "pretty_name": os.pretty_name,
        })),
    })
}

/// One package in kensa's JSON.
pub fn package_json(image: &Image, package: &Package) -> Value {
    json!({
        "type": package.ptype.as_str(),
        "purl_type": package.ptype.purl_type(),
        "namespace": (!package.namespace.is_empty()).then_some(&package.namespace),
        "name": package.name,
        "version": package.version,
        "source_name": package.source.as_ref().map(|(name, _)| name),
        "source_version": package.source.as_ref().and_then(|(_, version)| version.as_ref()),
        "arch": package.arch,
        "licenses": package.licenses,
        "purl": package.purl,
        "cpes": package.cpes,
        "location": format!("/{}", package.location),
        "layer": package.layer,
        "layer_diff_id": image.layers.get(package.layer).and_then(|l| l.diff_id.as_ref()),
        "found_by": package.found_by,
        "files": package.files,
    })
}

/// `kensa image sbom -o json`.
pub fn sbom_json(image: &Image, out: &mut dyn Write) -> anyhow::Result<()> {
    let document = json!({
        "schema_version": SBOM_SCHEMA_VERSION,
        "tool": {"name": "kensa", "version": env!("CARGO_PKG_VERSION")},
        "image": image_json(image),
        "packages": image.catalog.packages.iter().map(|p| package_json(image, p)).collect::<Vec<_>>(),
        "notes": image.catalog.notes,
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}

/// The options every SBOM document gets: the creation time (now, or
/// `$SOURCE_DATE_EPOCH` for reproducible documents) and a random UUID.
fn sbom_options() -> SbomOptions {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        });
    SbomOptions {
        created: kensa_vuln::db::rfc3339(seconds),
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        document_id: random_uuid(),
    }
}

/// A version 4 UUID from the kernel's random bytes.
fn random_uuid() -> String {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        // Unique enough without randomness: the time and the process.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        bytes[..12].copy_from_slice(&nanos.to_le_bytes()[..12]);
        bytes[12..].copy_from_slice(&std::process::id().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// SPDX 2.3 JSON.
pub fn spdx(image: &Image, out: &mut dyn Write) -> anyhow::Result<()> {
    let document = kensa_image::sbom::spdx::write(image, &sbom_options());
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}

/// The scan's findings as CycloneDX vulnerabilities: suppressed ones too,
/// with the VEX analysis that suppressed them.
pub fn cdx_vulnerabilities(
    image: &Image,
    findings: &[kensa_vuln::matching::Finding],
    suppressed: &[kensa_vuln::filter::Suppressed],
) -> Vec<CdxVulnerability> {
    let convert = |finding: &kensa_vuln::matching::Finding,
                   reason: Option<&kensa_vuln::filter::Reason>| {
        let best = finding
            .cvss
            .iter()
            .filter(|c| c.score.is_some())
            .max_by(|a, b| a.kind.cmp(&b.kind));
        let (state, justification) = match reason {
            Some(kensa_vuln::filter::Reason::Vex {
                status,
                justification,
                ..
            }) => (AnalysisState::parse(status.as_str()), justification.clone()),
            _ => (None, None),
        };
        CdxVulnerability {
            id: finding.vulnerability_id.clone(),
            source_name: finding.data_source.clone(),
            source_url: finding.primary_url.clone(),
            severity: finding.severity.as_str().to_ascii_lowercase(),
            score: best.and_then(|c| c.score),
            vector: best.map(|c| c.vector.clone()),
            method: best.map(|c| match c.kind.as_str() {
                "CVSS_V2" => "CVSSv2".to_owned(),
                "CVSS_V4" => "CVSSv4".to_owned(),
                _ if c.vector.starts_with("CVSS:3.1") => "CVSSv31".to_owned(),
                _ => "CVSSv3".to_owned(),
            }),
            description: (!finding.description.is_empty()).then(|| finding.description.clone()),
            recommendation: (!finding.fixed_version.is_empty()).then(|| {
                format!(
                    "Upgrade {} to {}",
                    finding.package_name, finding.fixed_version
                )
            }),
            fixed_versions: finding
                .fixed_version
                .split(", ")
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .collect(),
            affects_bom_refs: image
                .catalog
                .packages
                .get(finding.package_index)
                .map(|p| vec![p.purl.clone()])
                .unwrap_or_default(),
            state,
            justification,
            published: None,
            updated: None,
        }
    };
    findings
        .iter()
        .map(|f| convert(f, None))
        .chain(suppressed.iter().filter_map(|s| match &s.reason {
            reason @ kensa_vuln::filter::Reason::Vex { .. } => {
                Some(convert(&s.finding, Some(reason)))
            }
            _ => None,
        }))
        .collect()
}

/// CycloneDX 1.6 JSON, with vulnerabilities when given.
pub fn cyclonedx(
    image: &Image,
    vulnerabilities: &[CdxVulnerability],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let document = kensa_image::sbom::cyclonedx::write(image, &sbom_options(), vulnerabilities);
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}
