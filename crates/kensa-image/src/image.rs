//! An image as kensa reports it: where it came from, its layers, and what
//! the catalogers found in it.

use crate::catalog::Catalog;

/// One layer of an image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageLayer {
    /// The digest of the blob as stored (compressed), when the source has
    /// one (`sha256:...`).
    pub digest: Option<String>,
    /// The digest of the uncompressed tar (the config's `rootfs.diff_ids`).
    pub diff_id: Option<String>,
    /// The blob's size in bytes, when known.
    pub size: Option<u64>,
    /// The blob's media type, when known.
    pub media_type: Option<String>,
}

/// A scanned image (or root filesystem).
#[derive(Debug, Default)]
pub struct Image {
    /// The reference as the user gave it (`oci:dir:tag`, `registry/ns/img:tag`).
    pub name: String,
    /// The image ID: the digest of its config, when it has one.
    pub id: Option<String>,
    /// The digest of the manifest that was read, when there is one.
    pub manifest_digest: Option<String>,
    /// `name:tag` forms the source knows the image by.
    pub repo_tags: Vec<String>,
    /// `name@sha256:...` forms.
    pub repo_digests: Vec<String>,
    /// `os/arch[/variant]` from the config.
    pub platform: Option<String>,
    /// Layers, bottom first; [`crate::catalog::Package::layer`] indexes this.
    pub layers: Vec<ImageLayer>,
    /// The OS and packages found.
    pub catalog: Catalog,
}
