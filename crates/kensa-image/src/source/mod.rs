//! Where images come from, and reading one into an [`Image`].
//!
//! A reference names a source:
//!
//! | form | source |
//! |---|---|
//! | `oci:DIR[:TAG]` | an OCI image layout ([`oci_layout`]) |
//! | `docker-archive:FILE[:TAG]` | what `docker save` writes ([`docker_archive`]) |
//! | `dir:ROOTFS` | an unpacked root filesystem ([`rootfs`]) |
//! | `host[:port]/ns/img[:tag][@sha256:...]` | a registry ([`registry`]) |
//!
//! Every source first *resolves* the reference into a [`Resolved`]: the
//! image's metadata and its layer blobs, bottom first. [`read`] then streams
//! each blob through [`FileIndex::apply_layer`] and runs the catalogers.

pub mod cache;
mod digest;
pub mod docker_archive;
pub mod oci_layout;
pub mod registry;
pub mod rootfs;
pub mod spec;

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::catalog;
use crate::image::Image;
use crate::layers::{FileIndex, LayerError, Limits};

/// Why an image could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The reference does not parse.
    #[error("{reference}: {message}")]
    BadReference {
        /// The reference as given.
        reference: String,
        /// What is wrong with it.
        message: String,
    },
    /// A file of the image could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A manifest, index or config is not what the format requires.
    #[error("{location}: {message}")]
    BadManifest {
        /// Where (file, or file and entry).
        location: String,
        /// What is wrong.
        message: String,
    },
    /// A blob the manifest names is not there.
    #[error("{location}: blob {digest} is missing")]
    MissingBlob {
        /// Where it was looked for.
        location: String,
        /// Its digest.
        digest: String,
    },
    /// A blob's content does not match its digest.
    #[error("{location}: blob {expected} has digest {actual}")]
    DigestMismatch {
        /// Where it was read.
        location: String,
        /// The digest the manifest gives.
        expected: String,
        /// The digest of what was read.
        actual: String,
    },
    /// A registry answered with an error or could not be reached.
    #[error("{reference}: {message}")]
    Registry {
        /// The reference.
        reference: String,
        /// HTTP status when there was one.
        status: Option<u16>,
        /// What went wrong, in words a user can act on.
        message: String,
    },
    /// No image in an index matches the platform asked for.
    #[error("{reference}: no image for platform {platform} (the index has {available})")]
    NoPlatform {
        /// The reference.
        reference: String,
        /// The platform asked for.
        platform: String,
        /// The platforms the index offers.
        available: String,
    },
    /// A layer could not be read.
    #[error(transparent)]
    Layer(#[from] LayerError),
}

/// Where a layer's bytes are.
#[derive(Debug, Clone)]
pub enum LayerBlob {
    /// A whole file (an OCI layout blob, a cached registry blob).
    File(PathBuf),
    /// A byte range of a file (a layer inside a `docker save` tar).
    Range {
        /// The file.
        path: PathBuf,
        /// Where the layer starts.
        offset: u64,
        /// Its length.
        len: u64,
    },
    /// A directory tree (a `dir:` root filesystem); read by [`rootfs`].
    Directory(PathBuf),
}

impl LayerBlob {
    /// Where the blob is, for messages.
    pub fn location(&self) -> String {
        match self {
            LayerBlob::File(path) | LayerBlob::Directory(path) => path.display().to_string(),
            LayerBlob::Range { path, offset, .. } => {
                format!("{} (at byte {offset})", path.display())
            }
        }
    }

    /// A reader over the blob's bytes (not for [`LayerBlob::Directory`]).
    pub fn open(&self) -> Result<Box<dyn Read>, SourceError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| SourceError::Io { path, source }
        };
        match self {
            LayerBlob::File(path) => Ok(Box::new(BufReader::with_capacity(
                256 << 10,
                File::open(path).map_err(io(path))?,
            ))),
            LayerBlob::Range { path, offset, len } => {
                let mut file = File::open(path).map_err(io(path))?;
                file.seek(SeekFrom::Start(*offset)).map_err(io(path))?;
                Ok(Box::new(BufReader::with_capacity(
                    256 << 10,
                    file.take(*len),
                )))
            }
            LayerBlob::Directory(path) => Err(SourceError::Io {
                path: path.clone(),
                source: std::io::Error::other("a directory is not a layer blob"),
            }),
        }
    }
}

/// One layer's bytes and the digest they must have.
#[derive(Debug, Clone)]
pub struct Blob {
    /// Where the bytes are.
    pub at: LayerBlob,
    /// `sha256:...` of exactly those bytes, checked as they are read; `None`
    /// when the source gives none.
    pub digest: Option<String>,
}

/// A reference resolved: metadata (with an empty catalog) and layer blobs,
/// bottom first, one per [`Image::layers`] entry.
#[derive(Debug)]
pub struct Resolved {
    /// The image's metadata.
    pub image: Image,
    /// Its layers' bytes.
    pub blobs: Vec<Blob>,
}

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRef {
    /// `oci:DIR[:TAG]`.
    OciLayout {
        /// The layout directory.
        dir: PathBuf,
        /// The tag (`org.opencontainers.image.ref.name`) or `@sha256:` digest.
        tag: Option<String>,
    },
    /// `docker-archive:FILE[:TAG]`.
    DockerArchive {
        /// The tar file.
        file: PathBuf,
        /// A `RepoTags` entry to pick, when the archive holds several images.
        tag: Option<String>,
    },
    /// `dir:ROOTFS`.
    Rootfs(PathBuf),
    /// A registry reference.
    Registry(String),
}

impl ImageRef {
    /// Parses a reference. `oci:` and `docker-archive:` take an optional
    /// `:TAG` after the path; a path that itself contains `:` can be written
    /// as `oci:DIR:` (empty tag).
    pub fn parse(text: &str) -> Result<ImageRef, SourceError> {
        let bad = |message: &str| SourceError::BadReference {
            reference: text.to_owned(),
            message: message.to_owned(),
        };
        let split_tag = |rest: &str| -> (PathBuf, Option<String>) {
            match rest.rsplit_once(':') {
                // `@sha256:...` belongs to the tag part as a whole.
                Some((path, _)) if path.ends_with("@sha256") => match rest.rsplit_once('@') {
                    Some((path, digest)) => (PathBuf::from(path), Some(format!("@{digest}"))),
                    None => (PathBuf::from(rest), None),
                },
                Some((path, tag)) if !tag.contains('/') => (
                    PathBuf::from(path),
                    (!tag.is_empty()).then(|| tag.to_owned()),
                ),
                _ => (PathBuf::from(rest), None),
            }
        };
        if let Some(rest) = text.strip_prefix("oci:") {
            if rest.is_empty() {
                return Err(bad("oci: needs a layout directory"));
            }
            let (dir, tag) = split_tag(rest);
            Ok(ImageRef::OciLayout { dir, tag })
        } else if let Some(rest) = text.strip_prefix("docker-archive:") {
            if rest.is_empty() {
                return Err(bad("docker-archive: needs a tar file"));
            }
            let (file, tag) = split_tag(rest);
            Ok(ImageRef::DockerArchive { file, tag })
        } else if let Some(rest) = text.strip_prefix("dir:") {
            if rest.is_empty() {
                return Err(bad("dir: needs a directory"));
            }
            Ok(ImageRef::Rootfs(PathBuf::from(rest)))
        } else if let Some(rest) = text
            .strip_prefix("registry:")
            .or_else(|| text.strip_prefix("docker://"))
        {
            Ok(ImageRef::Registry(rest.to_owned()))
        } else if text.is_empty() || text.contains(char::is_whitespace) {
            Err(bad("not an image reference"))
        } else {
            Ok(ImageRef::Registry(text.to_owned()))
        }
    }
}

/// How to reach registries.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Plain HTTP, allowed only for loopback registries.
    pub insecure: bool,
    /// `os/arch[/variant]` to pick from a multi-arch index (default: the
    /// machine's, as `linux/amd64`).
    pub platform: Option<String>,
    /// Where Docker credentials are (default `~/.docker/config.json`, or
    /// `$DOCKER_CONFIG/config.json`).
    pub docker_config: Option<PathBuf>,
}

/// Options for reading an image.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Registry access.
    pub registry: RegistryOptions,
    /// Where downloaded layers are cached (by diff ID).
    pub cache_dir: Option<PathBuf>,
    /// Caps on decompression.
    pub limits: Limits,
}

/// Progress of a read, for progress bars.
#[derive(Debug, Clone)]
pub enum Progress {
    /// Downloading a blob: its digest, bytes so far, total when known.
    Download {
        /// The blob.
        digest: String,
        /// Bytes received.
        done: u64,
        /// The blob's size.
        total: Option<u64>,
    },
    /// Reading layer `index` of `count`.
    Layer {
        /// Which layer (0-based).
        index: usize,
        /// How many.
        count: usize,
    },
}

/// Resolves a reference to metadata and blobs.
pub fn resolve(
    reference: &ImageRef,
    name: &str,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Resolved, SourceError> {
    match reference {
        ImageRef::OciLayout { dir, tag } => oci_layout::resolve(dir, tag.as_deref(), name, options),
        ImageRef::DockerArchive { file, tag } => {
            docker_archive::resolve(file, tag.as_deref(), name)
        }
        ImageRef::Rootfs(dir) => rootfs::resolve(dir, name),
        ImageRef::Registry(reference) => registry::resolve(reference, name, options, progress),
    }
}

/// Reads an image: resolves the reference, applies its layers in order and
/// catalogs the result.
pub fn read(
    name: &str,
    options: &ReadOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Image, SourceError> {
    let reference = ImageRef::parse(name)?;
    let Resolved { mut image, blobs } = resolve(&reference, name, options, progress)?;
    let mut index = FileIndex::new();
    let count = blobs.len();
    for (position, blob) in blobs.iter().enumerate() {
        progress(Progress::Layer {
            index: position,
            count,
        });
        match &blob.at {
            LayerBlob::Directory(dir) => rootfs::index_directory(dir, &mut index, options.limits)?,
            at => {
                let layer = image.layers.get(position).cloned().unwrap_or_default();
                let layer_name = layer
                    .digest
                    .clone()
                    .or_else(|| layer.diff_id.clone())
                    .unwrap_or_else(|| format!("layer {position}"));
                let mut reader = digest::Verifying::new(at.open()?);
                index.apply_layer(
                    &layer_name,
                    position,
                    &mut reader,
                    options.limits,
                    catalog::keep,
                )?;
                if let Some(expected) = &blob.digest {
                    reader.finish(expected, &at.location())?;
                }
            }
        }
    }
    image.catalog = catalog::catalog(&index);
    Ok(image)
}
