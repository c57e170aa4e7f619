//! SBOM writers: SPDX 2.3 JSON ([`spdx`]) and CycloneDX 1.6 JSON
//! ([`cyclonedx`]) from an [`Image`].
//!
//! Both describe the same tree: the image contains the OS, the OS contains
//! the packages its package manager installed, and the image contains the
//! language packages directly (they are not part of the OS). An image with
//! no OS detected contains every package.
//!
//! The writers are pure and deterministic: packages are sorted, and every
//! identifier is derived from package data with a stable hash, so the same
//! image and [`SbomOptions`] give the same bytes. The caller passes the
//! creation time and the document's unique ID, which keeps the output
//! reproducible in tests.
//!
//! ```
//! use kensa_image::image::Image;
//! use kensa_image::sbom::{SbomOptions, spdx};
//!
//! let image = Image { name: "example:1".into(), ..Image::default() };
//! let options = SbomOptions {
//!     created: "2026-01-02T03:04:05Z".into(),
//!     tool_version: "0.1.0".into(),
//!     document_id: "0f8e3e2c-58a5-4b0e-9c55-2d0f7f1c9a11".into(),
//! };
//! let document = serde_json::to_value(spdx::write(&image, &options)).unwrap();
//! assert_eq!(document["spdxVersion"], "SPDX-2.3");
//! ```

pub mod cyclonedx;
pub mod license;
pub mod spdx;

use crate::catalog::Package;
use crate::catalog::os::Os;
use crate::image::Image;

/// What the caller decides for a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomOptions {
    /// When the document was created, RFC 3339 in UTC
    /// (`2026-01-02T03:04:05Z`; fractional seconds are dropped for SPDX,
    /// whose schema does not allow them).
    pub created: String,
    /// kensa's version, written as the creating tool's version.
    pub tool_version: String,
    /// A unique ID for this document: a UUID (CycloneDX's serial number is
    /// `urn:uuid:<document_id>`; anything else is hashed into one).
    pub document_id: String,
}

/// The tool name documents are signed with.
const TOOL: &str = "kensa";

/// FNV-1a, 64 bits, over the parts with a separator between them: a
/// stable, dependency-free hash for identifiers (not for security).
fn stable_hash(parts: &[&str]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hash ^= 0xff;
            hash = hash.wrapping_mul(PRIME);
        }
        for byte in part.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

/// The image's packages in the order documents list them.
fn sorted_packages(image: &Image) -> Vec<&Package> {
    let mut packages: Vec<&Package> = image.catalog.packages.iter().collect();
    packages.sort_by(|a, b| {
        (
            a.ptype,
            &a.namespace,
            &a.name,
            &a.version,
            &a.purl,
            &a.location,
            a.layer,
        )
            .cmp(&(
                b.ptype,
                &b.namespace,
                &b.name,
                &b.version,
                &b.purl,
                &b.location,
                b.layer,
            ))
    });
    packages
}

/// Whether the package hangs under the OS rather than the image.
fn under_os(package: &Package, os: Option<&Os>) -> bool {
    os.is_some() && package.ptype.is_os()
}

/// The layer's diff ID, when the package's layer index points at one.
fn layer_diff_id<'a>(image: &'a Image, package: &Package) -> Option<&'a str> {
    image
        .layers
        .get(package.layer)
        .and_then(|layer| layer.diff_id.as_deref())
}

/// Percent-encodes everything but the purl spec's unreserved characters.
fn purl_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                out.push(char::from(byte))
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Source forms whose names are paths, not repositories.
const LOCAL_SCHEMES: &[&str] = &["oci:", "docker-archive:", "dir:"];

/// `host/ns/img` from `host/ns/img:tag` or `host/ns/img@sha256:...`.
fn strip_tag_and_digest(reference: &str) -> &str {
    let reference = reference.split_once('@').map_or(reference, |(r, _)| r);
    let last_slash = reference.rfind('/').map_or(0, |i| i + 1);
    match reference.get(last_slash..).and_then(|last| last.rfind(':')) {
        Some(colon) => reference.get(..last_slash + colon).unwrap_or(reference),
        None => reference,
    }
}

/// The image's repository (`registry/ns/img`), when it has one.
fn image_repository(image: &Image) -> Option<String> {
    if let Some((repository, _)) = image.repo_digests.first().and_then(|r| r.split_once('@')) {
        return Some(repository.to_owned());
    }
    if let Some(tag) = image.repo_tags.first() {
        return Some(strip_tag_and_digest(tag).to_owned());
    }
    if image.name.is_empty() || LOCAL_SCHEMES.iter().any(|s| image.name.starts_with(s)) {
        return None;
    }
    Some(strip_tag_and_digest(&image.name).to_owned())
}

/// The manifest digest that identifies the image, when known.
fn image_digest(image: &Image) -> Option<&str> {
    image.manifest_digest.as_deref().or_else(|| {
        image
            .repo_digests
            .first()
            .and_then(|r| r.split_once('@'))
            .map(|(_, digest)| digest)
    })
}

/// The image's purl (`pkg:oci/NAME@DIGEST?arch=..&repository_url=..`), when
/// its manifest digest is known (the purl spec's oci type needs one).
fn image_purl(image: &Image) -> Option<String> {
    let digest = image_digest(image)?;
    let repository = image_repository(image);
    let name = match &repository {
        Some(repository) => repository.rsplit('/').next().unwrap_or(repository),
        None => {
            let path = LOCAL_SCHEMES
                .iter()
                .find_map(|s| image.name.strip_prefix(s))
                .unwrap_or(&image.name);
            let path = path.trim_end_matches('/');
            let last = path.rsplit('/').next().unwrap_or(path);
            last.split(':').next().unwrap_or(last)
        }
    };
    let name = if name.is_empty() { "image" } else { name };
    let mut purl = format!(
        "pkg:oci/{}@{}",
        purl_encode(&name.to_ascii_lowercase()),
        purl_encode(digest)
    );
    let mut qualifiers: Vec<(&str, String)> = Vec::new();
    if let Some(arch) = image.platform.as_deref().and_then(|p| p.split('/').nth(1)) {
        qualifiers.push(("arch", arch.to_owned()));
    }
    if let Some(repository) = repository {
        qualifiers.push(("repository_url", repository));
    }
    for (i, (key, value)) in qualifiers.iter().enumerate() {
        purl.push(if i == 0 { '?' } else { '&' });
        purl.push_str(key);
        purl.push('=');
        purl.push_str(&purl_encode(value));
    }
    Some(purl)
}

/// Replaces every character outside `[A-Za-z0-9.-]` with `-`: what SPDX
/// IDs and licence references allow.
fn id_safe(text: &str) -> String {
    let out: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if out.is_empty() {
        "unnamed".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::ImageLayer;

    #[test]
    fn the_hash_is_fnv1a_and_separates_parts() {
        // The published FNV-1a 64 test vectors.
        assert_eq!(stable_hash(&[""]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash(&["a"]), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(stable_hash(&["ab", "c"]), stable_hash(&["a", "bc"]));
    }

    #[test]
    fn registry_images_get_an_oci_purl_with_repository_and_arch() {
        let image = Image {
            name: "localhost:5000/ns/app:1.0".into(),
            manifest_digest: Some("sha256:abc".into()),
            platform: Some("linux/arm64/v8".into()),
            ..Image::default()
        };
        assert_eq!(
            image_purl(&image).as_deref(),
            Some("pkg:oci/app@sha256%3Aabc?arch=arm64&repository_url=localhost%3A5000%2Fns%2Fapp")
        );
    }

    #[test]
    fn repo_digests_give_repository_and_digest() {
        let image = Image {
            name: "docker-archive:/tmp/x.tar".into(),
            repo_digests: vec!["docker.io/library/Alpine@sha256:def".into()],
            ..Image::default()
        };
        assert_eq!(
            image_purl(&image).as_deref(),
            Some("pkg:oci/alpine@sha256%3Adef?repository_url=docker.io%2Flibrary%2FAlpine")
        );
    }

    #[test]
    fn local_layouts_have_no_repository_and_no_digest_means_no_purl() {
        let mut image = Image {
            name: "oci:/srv/images/busybox:latest".into(),
            manifest_digest: Some("sha256:123".into()),
            layers: vec![ImageLayer::default()],
            ..Image::default()
        };
        assert_eq!(
            image_purl(&image).as_deref(),
            Some("pkg:oci/busybox@sha256%3A123")
        );
        image.manifest_digest = None;
        assert_eq!(image_purl(&image), None);
    }

    #[test]
    fn tags_are_stripped_but_registry_ports_are_not() {
        assert_eq!(strip_tag_and_digest("host:5000/a/b:tag"), "host:5000/a/b");
        assert_eq!(strip_tag_and_digest("host:5000/a/b"), "host:5000/a/b");
        assert_eq!(strip_tag_and_digest("b@sha256:1"), "b");
        assert_eq!(strip_tag_and_digest("b:1@sha256:1"), "b");
    }

    #[test]
    fn ids_keep_only_spdx_characters() {
        assert_eq!(id_safe("a b/c_d.1-2"), "a-b-c-d.1-2");
        assert_eq!(id_safe("é"), "-");
        assert_eq!(id_safe(""), "unnamed");
    }
}
