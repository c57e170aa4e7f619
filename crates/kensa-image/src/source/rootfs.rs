//! Unpacked root filesystems (`dir:ROOTFS`): the tree is indexed as one
//! layer. Symlinks are recorded, never followed (they are resolved inside
//! the index like an image's), and the walk stays on the root's filesystem,
//! so `dir:/` does not wander into `/proc` or other mounts.

use std::fs;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use super::{Blob, LayerBlob, Resolved, SourceError};
use crate::catalog;
use crate::image::{Image, ImageLayer};
use crate::layers::{Entry, EntryKind, FileIndex, Keep, LayerError, Limits};

/// Resolves `dir:ROOTFS`.
pub fn resolve(dir: &Path, name: &str) -> Result<Resolved, SourceError> {
    let metadata = fs::metadata(dir).map_err(|source| SourceError::Io {
        path: dir.to_owned(),
        source,
    })?;
    if !metadata.is_dir() {
        return Err(SourceError::BadReference {
            reference: name.to_owned(),
            message: format!("{} is not a directory", dir.display()),
        });
    }
    Ok(Resolved {
        image: Image {
            name: name.to_owned(),
            layers: vec![ImageLayer::default()],
            ..Image::default()
        },
        blobs: vec![Blob {
            at: LayerBlob::Directory(dir.to_owned()),
            digest: None,
        }],
    })
}

/// Indexes the tree below `root` as layer 0, keeping what the catalogers
/// ask for.
pub fn index_directory(
    root: &Path,
    index: &mut FileIndex,
    limits: Limits,
) -> Result<(), SourceError> {
    let device = fs::metadata(root)
        .map_err(|source| SourceError::Io {
            path: root.to_owned(),
            source,
        })?
        .dev();
    let mut pending = vec![(root.to_owned(), String::new())];
    let mut scratch = Vec::new();
    while let Some((dir, prefix)) = pending.pop() {
        let listing = match fs::read_dir(&dir) {
            Ok(listing) => listing,
            // An unreadable directory inside the tree is skipped, as a
            // scanner running unprivileged would have to.
            Err(_) if !prefix.is_empty() => continue,
            Err(source) => return Err(SourceError::Io { path: dir, source }),
        };
        for item in listing.flatten() {
            let file_name = item.file_name();
            let Some(file_name) = file_name.to_str() else {
                continue;
            };
            let path = if prefix.is_empty() {
                file_name.to_owned()
            } else {
                format!("{prefix}/{file_name}")
            };
            let Ok(metadata) = item.metadata() else {
                continue;
            };
            let mode = metadata.permissions().mode() & 0o7777;
            let file_type = metadata.file_type();
            let (kind, content) = if file_type.is_symlink() {
                let target = fs::read_link(item.path())
                    .map(|t| t.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (EntryKind::Symlink(target), None)
            } else if file_type.is_dir() {
                if metadata.dev() == device {
                    pending.push((item.path(), path.clone()));
                }
                (EntryKind::Dir, None)
            } else if file_type.is_file() {
                let size = metadata.len();
                let content = match catalog::keep(&path, mode, size) {
                    Keep::Skip => None,
                    Keep::Content if size > limits.max_kept_bytes => {
                        return Err(LayerError::TooLarge {
                            layer: root.display().to_string(),
                            what: format!(
                                "{path} is {size} bytes, more than the {} kensa keeps of a file",
                                limits.max_kept_bytes
                            ),
                        }
                        .into());
                    }
                    Keep::Extract(_) if size > limits.max_extract_bytes => None,
                    keep => {
                        scratch.clear();
                        let read = fs::File::open(item.path())
                            .and_then(|f| f.take(size.saturating_add(1)).read_to_end(&mut scratch));
                        match (read, keep) {
                            (Err(_), _) => None,
                            (Ok(_), Keep::Extract(extract)) => extract(&scratch),
                            (Ok(_), _) => Some(std::mem::take(&mut scratch)),
                        }
                    }
                };
                (EntryKind::File { size }, content)
            } else {
                (EntryKind::Other, None)
            };
            index.insert(
                path,
                Entry {
                    kind,
                    layer: 0,
                    mode,
                    content,
                },
            );
        }
    }
    Ok(())
}
