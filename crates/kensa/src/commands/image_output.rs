//! Renderers for `kensa image sbom`: the package table, kensa's JSON, and
//! the SPDX and CycloneDX documents (written by kensa-image).

use std::io::Write;

use kensa_image::catalog::Package;
use kensa_image::image::Image;
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

/// SPDX 2.3 JSON.
pub fn spdx(_image: &Image, _out: &mut dyn Write) -> anyhow::Result<()> {
    anyhow::bail!("SPDX output is being integrated")
}

/// A vulnerability for the CycloneDX document.
pub type CdxVulnerability = ();

/// The scan's findings as CycloneDX vulnerabilities.
pub fn cdx_vulnerabilities(
    _findings: &[kensa_vuln::matching::Finding],
    _suppressed: &[kensa_vuln::filter::Suppressed],
) -> Vec<CdxVulnerability> {
    Vec::new()
}

/// CycloneDX 1.6 JSON, with vulnerabilities when given.
pub fn cyclonedx(
    _image: &Image,
    _vulnerabilities: &[CdxVulnerability],
    _out: &mut dyn Write,
) -> anyhow::Result<()> {
    anyhow::bail!("CycloneDX output is being integrated")
}
