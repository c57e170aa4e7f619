//! The parts of the OCI image spec (and Docker's image format) kensa reads:
//! indexes, manifests and configs, decoded leniently (unknown fields are
//! ignored) but checked for what the reading needs.

use serde::Deserialize;

use super::SourceError;
use crate::image::ImageLayer;

/// An OCI image index's media type.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Docker's manifest list.
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";

/// A content descriptor.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type.
    #[serde(default)]
    pub media_type: String,
    /// `sha256:...`.
    pub digest: String,
    /// Size in bytes.
    #[serde(default)]
    pub size: u64,
    /// Annotations (`org.opencontainers.image.ref.name` is the tag).
    #[serde(default)]
    pub annotations: std::collections::BTreeMap<String, String>,
    /// The platform, in an index.
    #[serde(default)]
    pub platform: Option<Platform>,
}

/// An index entry's platform.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Platform {
    /// `linux`.
    #[serde(default)]
    pub os: String,
    /// `amd64`.
    #[serde(default)]
    pub architecture: String,
    /// `v8`.
    #[serde(default)]
    pub variant: Option<String>,
}

impl Platform {
    /// `os/arch[/variant]`.
    pub fn text(&self) -> String {
        match &self.variant {
            Some(variant) if !variant.is_empty() => {
                format!("{}/{}/{variant}", self.os, self.architecture)
            }
            _ => format!("{}/{}", self.os, self.architecture),
        }
    }

    /// Whether this platform is what `wanted` (`os/arch[/variant]`) asks for.
    pub fn matches(&self, wanted: &str) -> bool {
        let mut parts = wanted.split('/');
        let (os, arch, variant) = (parts.next(), parts.next(), parts.next());
        os == Some(self.os.as_str())
            && arch == Some(self.architecture.as_str())
            && variant.is_none_or(|v| self.variant.as_deref() == Some(v))
    }
}

/// An image index (or Docker manifest list).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    /// The manifests.
    pub manifests: Vec<Descriptor>,
}

/// An image manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// The schema version (2).
    #[serde(default)]
    pub schema_version: u32,
    /// The media type, when the manifest states it.
    #[serde(default)]
    pub media_type: Option<String>,
    /// The config blob.
    pub config: Descriptor,
    /// The layers, bottom first.
    pub layers: Vec<Descriptor>,
}

/// The parts of an image config kensa reads.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Config {
    /// `linux`.
    #[serde(default)]
    pub os: String,
    /// `amd64`.
    #[serde(default)]
    pub architecture: String,
    /// `v8`.
    #[serde(default)]
    pub variant: Option<String>,
    /// The layers' diff IDs.
    pub rootfs: RootFs,
}

/// `rootfs` of a config.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct RootFs {
    /// Digests of the uncompressed layer tars, bottom first.
    #[serde(default)]
    pub diff_ids: Vec<String>,
}

impl Config {
    /// `os/arch[/variant]`, when the config says.
    pub fn platform(&self) -> Option<String> {
        (!self.os.is_empty() && !self.architecture.is_empty()).then(|| {
            Platform {
                os: self.os.clone(),
                architecture: self.architecture.clone(),
                variant: self.variant.clone(),
            }
            .text()
        })
    }
}

/// Decodes JSON, naming `location` in the error.
pub fn decode<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    location: &str,
    what: &str,
) -> Result<T, SourceError> {
    serde_json::from_slice(bytes).map_err(|e| SourceError::BadManifest {
        location: location.to_owned(),
        message: format!("not a valid {what}: {e}"),
    })
}

/// Whether a digest is `sha256:` and 64 hex digits (so it can name a file).
pub fn valid_digest(digest: &str) -> bool {
    digest
        .strip_prefix("sha256:")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The image's layers from a manifest and its config: the two must agree
/// on how many there are.
pub fn layers(
    manifest: &Manifest,
    config: &Config,
    location: &str,
) -> Result<Vec<ImageLayer>, SourceError> {
    if manifest.layers.len() != config.rootfs.diff_ids.len() {
        return Err(SourceError::BadManifest {
            location: location.to_owned(),
            message: format!(
                "the manifest lists {} layers but the config has {} diff IDs",
                manifest.layers.len(),
                config.rootfs.diff_ids.len()
            ),
        });
    }
    Ok(manifest
        .layers
        .iter()
        .zip(&config.rootfs.diff_ids)
        .map(|(layer, diff_id)| ImageLayer {
            digest: Some(layer.digest.clone()),
            diff_id: Some(diff_id.clone()),
            size: Some(layer.size),
            media_type: Some(layer.media_type.clone()).filter(|m| !m.is_empty()),
        })
        .collect())
}

/// The platform to pick from an index when none is asked for: the running
/// machine's, as Go names architectures.
pub fn default_platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    };
    format!("linux/{arch}")
}

/// Picks the manifest for `platform` from an index.
pub fn pick_platform<'a>(
    index: &'a Index,
    platform: Option<&str>,
    reference: &str,
) -> Result<&'a Descriptor, SourceError> {
    let wanted = platform.map_or_else(default_platform, str::to_owned);
    index
        .manifests
        .iter()
        .find(|d| d.platform.as_ref().is_some_and(|p| p.matches(&wanted)))
        .ok_or_else(|| SourceError::NoPlatform {
            reference: reference.to_owned(),
            platform: wanted,
            available: index
                .manifests
                .iter()
                .filter_map(|d| d.platform.as_ref().map(Platform::text))
                .collect::<Vec<_>>()
                .join(", "),
        })
}
