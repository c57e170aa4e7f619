//! What scanners post to the server (`POST /api/v1/uploads/image-scan`
//! and `/api/v1/uploads/misconfigurations`), schema version 1
//! (docs/server.md). The CLI's `--upload` and the server's own cluster
//! scans build the same documents.

use kensa_image::image::Image;
use kensa_vuln::matching::Finding;
use serde::{Deserialize, Serialize};

/// The schema version of both upload documents.
pub const UPLOAD_SCHEMA_VERSION: u32 = 1;

/// Where a scanned image runs. Every field may be empty: an image scanned
/// in CI belongs to no cluster yet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Placement {
    /// The cluster's name.
    pub cluster: String,
    /// The namespace.
    pub namespace: String,
    /// The application (see docs/server.md for how it is derived).
    pub application: String,
    /// What the application is: `Deployment`, `StatefulSet`, `label`, ...
    pub application_kind: String,
}

/// One image's scan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageScanUpload {
    /// [`UPLOAD_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Where the image runs; several when one image serves many workloads.
    #[serde(default)]
    pub placements: Vec<Placement>,
    /// The image.
    pub image: UploadImage,
    /// Every package found, vulnerable or not.
    pub packages: Vec<UploadPackage>,
    /// The vulnerabilities found, after the scanner's own filters.
    pub findings: Vec<UploadFinding>,
}

/// The scanned image.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadImage {
    /// The reference it was scanned by.
    pub name: String,
    /// Its identity: the manifest digest, else the config digest.
    pub digest: String,
    /// The OS, `debian 12.5`; empty when none was detected.
    #[serde(default)]
    pub os: String,
    /// `linux/amd64`; empty when unknown.
    #[serde(default)]
    pub platform: String,
}

/// A package in the image.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadPackage {
    /// Its purl: the package's identity across images.
    pub purl: String,
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// `deb`, `apk`, `golang`, ...
    #[serde(rename = "type")]
    pub ptype: String,
    /// Declared licences.
    #[serde(default)]
    pub licenses: Vec<String>,
}

/// A vulnerability in a package of the image.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadFinding {
    /// `CVE-2024-1234`, `GHSA-...`.
    pub vulnerability_id: String,
    /// The package's purl (one of [`ImageScanUpload::packages`]).
    pub purl: String,
    /// The version installed.
    pub installed_version: String,
    /// The fixing versions, comma-joined; empty when none.
    #[serde(default)]
    pub fixed_version: String,
    /// `fixed`, `affected`, `will_not_fix`, `fix_deferred`, `end_of_life`, `unknown`.
    pub status: String,
    /// `CRITICAL` .. `UNKNOWN`.
    pub severity: String,
    /// One-line summary.
    #[serde(default)]
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Reference URLs.
    #[serde(default)]
    pub references: Vec<String>,
    /// The page to read first.
    #[serde(default)]
    pub primary_url: Option<String>,
    /// Other IDs.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The highest CVSS base score given.
    #[serde(default)]
    pub cvss_score: Option<f64>,
}

/// The fix states an upload may carry.
pub const FIX_STATES: &[&str] = &[
    "fixed",
    "affected",
    "will_not_fix",
    "fix_deferred",
    "end_of_life",
    "unknown",
];

impl ImageScanUpload {
    /// The document for an image scanned by kensa-image and matched by
    /// kensa-vuln.
    pub fn from_scan(image: &Image, findings: &[Finding], placements: Vec<Placement>) -> Self {
        let digest = image
            .manifest_digest
            .clone()
            .or_else(|| image.id.clone())
            .unwrap_or_else(|| format!("local:{}", image.name));
        let os = image
            .catalog
            .os
            .as_ref()
            .map(|os| {
                format!("{} {}", os.family_name(), os.version)
                    .trim()
                    .to_owned()
            })
            .unwrap_or_default();
        let mut packages: Vec<UploadPackage> = image
            .catalog
            .packages
            .iter()
            .map(|p| UploadPackage {
                purl: p.purl.clone(),
                name: p.name.clone(),
                version: p.version.clone(),
                ptype: p.ptype.as_str().to_owned(),
                licenses: p.licenses.clone(),
            })
            .collect();
        packages.sort_by(|a, b| a.purl.cmp(&b.purl));
        packages.dedup_by(|a, b| a.purl == b.purl);
        let findings = findings
            .iter()
            .map(|f| UploadFinding {
                vulnerability_id: f.vulnerability_id.clone(),
                purl: f.purl.clone(),
                installed_version: f.installed_version.clone(),
                fixed_version: f.fixed_version.clone(),
                status: f.status.as_str().to_owned(),
                severity: f.severity.as_str().to_owned(),
                title: f.title.clone(),
                description: f.description.clone(),
                references: f.references.clone(),
                primary_url: f.primary_url.clone(),
                aliases: f.aliases.clone(),
                cvss_score: f
                    .cvss
                    .iter()
                    .filter_map(|c| c.score)
                    .fold(None, |best: Option<f64>, s| {
                        Some(best.map_or(s, |b| b.max(s)))
                    }),
            })
            .collect();
        ImageScanUpload {
            schema_version: UPLOAD_SCHEMA_VERSION,
            placements,
            image: UploadImage {
                name: image.name.clone(),
                digest,
                os,
                platform: image.platform.clone().unwrap_or_default(),
            },
            packages,
            findings,
        }
    }
}

/// Misconfigurations found by `kensa scan` in one cluster (or one set of
/// manifests, filed under the cluster name given).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MisconfigurationUpload {
    /// [`UPLOAD_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The cluster (or manifest set) name.
    pub cluster: String,
    /// What was scanned: the path or `cluster`. Findings of an earlier
    /// upload with the same source that are missing now are resolved.
    pub source: String,
    /// The failed checks.
    pub findings: Vec<UploadMisconfiguration>,
}

/// One failed check on one resource.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadMisconfiguration {
    /// The namespace; empty for cluster-scoped resources.
    #[serde(default)]
    pub namespace: String,
    /// `Deployment/web`.
    pub resource: String,
    /// The check's ID (`KSV017`).
    pub check_id: String,
    /// `CRITICAL` .. `UNKNOWN`.
    pub severity: String,
    /// The check's title.
    pub title: String,
    /// What is wrong with this resource.
    #[serde(default)]
    pub message: String,
}
