//! OCI image layouts (`oci:DIR[:TAG]`): `index.json` names the images by
//! their `org.opencontainers.image.ref.name` annotation; manifests, configs
//! and layers are files under `blobs/sha256/`, each checked against its
//! digest as it is read.

use std::fs;
use std::path::{Path, PathBuf};

use super::spec::{self, Descriptor, Index, Manifest};
use super::{Blob, LayerBlob, ReadOptions, Resolved, SourceError, digest};
use crate::image::Image;

const REF_NAME: &str = "org.opencontainers.image.ref.name";

fn blob_path(dir: &Path, digest: &str) -> Option<PathBuf> {
    spec::valid_digest(digest).then(|| dir.join("blobs").join(digest.replacen(':', "/", 1)))
}

/// Reads a small blob (manifest, config) and checks its digest.
fn read_blob(dir: &Path, descriptor: &Descriptor) -> Result<Vec<u8>, SourceError> {
    let location = dir.display().to_string();
    let path = blob_path(dir, &descriptor.digest).ok_or_else(|| SourceError::BadManifest {
        location: location.clone(),
        message: format!("{:?} is not a sha256 digest", descriptor.digest),
    })?;
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(SourceError::MissingBlob {
                location,
                digest: descriptor.digest.clone(),
            });
        }
        Err(source) => return Err(SourceError::Io { path, source }),
    };
    let actual = digest::sha256(&bytes);
    if actual != descriptor.digest {
        return Err(SourceError::DigestMismatch {
            location: path.display().to_string(),
            expected: descriptor.digest.clone(),
            actual,
        });
    }
    Ok(bytes)
}

/// Resolves `oci:DIR[:TAG]`: `TAG` may be a ref name or `@sha256:...`;
/// without one the layout must hold exactly one image.
pub fn resolve(
    dir: &Path,
    tag: Option<&str>,
    name: &str,
    options: &ReadOptions,
) -> Result<Resolved, SourceError> {
    let index_path = dir.join("index.json");
    let index_bytes = fs::read(&index_path).map_err(|source| SourceError::Io {
        path: index_path.clone(),
        source,
    })?;
    let location = index_path.display().to_string();
    let index: Index = spec::decode(&index_bytes, &location, "OCI image index")?;
    let tags = || {
        index
            .manifests
            .iter()
            .map(|d| {
                d.annotations
                    .get(REF_NAME)
                    .map_or("(untagged)", String::as_str)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let chosen = match tag {
        Some(digest) if digest.starts_with('@') => index
            .manifests
            .iter()
            .find(|d| d.digest == digest[1..])
            .ok_or_else(|| SourceError::BadReference {
                reference: name.to_owned(),
                message: format!(
                    "no image with digest {} (the layout has {})",
                    &digest[1..],
                    tags()
                ),
            })?,
        Some(tag) => index
            .manifests
            .iter()
            .find(|d| d.annotations.get(REF_NAME).is_some_and(|t| t == tag))
            .ok_or_else(|| SourceError::BadReference {
                reference: name.to_owned(),
                message: format!("no image tagged {tag:?} (the layout has {})", tags()),
            })?,
        None => match index.manifests.as_slice() {
            [only] => only,
            [] => {
                return Err(SourceError::BadManifest {
                    location,
                    message: "the layout holds no image".into(),
                });
            }
            _ => {
                return Err(SourceError::BadReference {
                    reference: name.to_owned(),
                    message: format!("the layout holds several images; add :TAG ({})", tags()),
                });
            }
        },
    };
    let mut descriptor = chosen.clone();
    // A tag may name an index (a multi-arch image): pick the platform.
    for _ in 0..4 {
        if descriptor.media_type != spec::OCI_INDEX && descriptor.media_type != spec::DOCKER_LIST {
            break;
        }
        let bytes = read_blob(dir, &descriptor)?;
        let nested: Index = spec::decode(&bytes, &descriptor.digest, "image index")?;
        descriptor =
            spec::pick_platform(&nested, options.registry.platform.as_deref(), name)?.clone();
    }
    let manifest_bytes = read_blob(dir, &descriptor)?;
    let manifest: Manifest = spec::decode(&manifest_bytes, &descriptor.digest, "image manifest")?;
    let config_bytes = read_blob(dir, &manifest.config)?;
    let config: spec::Config =
        spec::decode(&config_bytes, &manifest.config.digest, "image config")?;
    let layers = spec::layers(&manifest, &config, &descriptor.digest)?;
    let mut blobs = Vec::with_capacity(manifest.layers.len());
    for layer in &manifest.layers {
        let path = blob_path(dir, &layer.digest).ok_or_else(|| SourceError::BadManifest {
            location: descriptor.digest.clone(),
            message: format!("layer digest {:?} is not a sha256 digest", layer.digest),
        })?;
        if !path.is_file() {
            return Err(SourceError::MissingBlob {
                location: dir.display().to_string(),
                digest: layer.digest.clone(),
            });
        }
        blobs.push(Blob {
            at: LayerBlob::File(path),
            digest: Some(layer.digest.clone()),
        });
    }
    let tag_name = chosen.annotations.get(REF_NAME).cloned();
    Ok(Resolved {
        image: Image {
            name: name.to_owned(),
            id: Some(manifest.config.digest.clone()),
            manifest_digest: Some(descriptor.digest.clone()),
            repo_tags: tag_name.into_iter().collect(),
            repo_digests: Vec::new(),
            platform: config.platform(),
            layers,
            ..Image::default()
        },
        blobs,
    })
}
