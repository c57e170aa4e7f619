//! Layers into a merged file index.
//!
//! Each layer is a tar stream, plain or compressed.
//! Entries are applied in layer order into a [`FileIndex`]:
//!
//! - **Paths stay inside the root.** A name is cleaned lexically: a leading
//!   `/` and `.` components are dropped and `..` cannot climb above the
//!   root (`../../etc/passwd` is `etc/passwd`). Such names are counted in
//!   [`LayerStats::cleaned_names`]. Nothing is ever written to disk, so no
//!   name can escape; symlinks are resolved by [`FileIndex::resolve`] inside
//!   the index only, with `..` and absolute targets clamped to the root.
//! - **Whiteouts.** `DIR/.wh.NAME` deletes `DIR/NAME` (and everything below
//!   it) as lower layers left it; `DIR/.wh..wh..opq` hides everything lower
//!   layers put below `DIR`. Whiteouts never delete what the same layer
//!   adds.
//! - **Kinds.** Regular files, directories, symlinks and hard links are
//!   indexed; device nodes, fifos and the like are recorded as
//!   [`EntryKind::Other`] (their content is never read).
//! - **Compression.** Plain, gzip and zstd tars, told apart by their magic
//!   bytes.
//! - **Caps.** A layer may not decompress to more than
//!   [`Limits::max_layer_bytes`], nor to more than [`Limits::max_ratio`]
//!   times its compressed size (past the first MiB), and file contents kept
//!   for catalogers are capped by [`Limits::max_kept_bytes`]. Crossing a cap
//!   is an error that names the layer.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read};

/// Limits on what a layer may cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most bytes one layer may decompress to.
    pub max_layer_bytes: u64,
    /// Most decompressed bytes per compressed byte, checked once a layer has
    /// produced more than a MiB (small layers compress very well).
    pub max_ratio: u64,
    /// Most bytes of file content kept for catalogers, per file.
    pub max_kept_bytes: u64,
    /// Largest file handed to an [`Extractor`]; larger ones are indexed
    /// without evidence and counted in [`LayerStats::not_extracted`].
    pub max_extract_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_layer_bytes: 8 << 30,
            max_ratio: 200,
            max_kept_bytes: 64 << 20,
            max_extract_bytes: 1 << 30,
        }
    }
}

/// Why a layer could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LayerError {
    /// The stream is not a tar (or ends early).
    #[error("layer {layer}: {message}")]
    Malformed {
        /// The layer's name (digest or file).
        layer: String,
        /// What was wrong.
        message: String,
    },
    /// A cap was crossed.
    #[error("layer {layer}: {what}; refusing to read further")]
    TooLarge {
        /// The layer's name.
        layer: String,
        /// Which cap was crossed, and its value.
        what: String,
    },
}

/// What an index entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file of this many bytes.
    File {
        /// Its size.
        size: u64,
    },
    /// A directory.
    Dir,
    /// A symlink to this target, as written in the tar.
    Symlink(String),
    /// A hard link to this path (cleaned, inside the root).
    Hardlink(String),
    /// A device node, fifo or anything else without content.
    Other,
}

/// One path of the merged image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// What it is.
    pub kind: EntryKind,
    /// The index of the layer that last wrote it.
    pub layer: usize,
    /// The mode bits.
    pub mode: u32,
    /// The content, when the caller asked to keep this path's.
    pub content: Option<Vec<u8>>,
}

/// What to keep of a regular file's content.
#[derive(Debug, Clone, Copy)]
pub enum Keep {
    /// Nothing: the entry is indexed without content.
    Skip,
    /// The whole content (capped by [`Limits::max_kept_bytes`]).
    Content,
    /// Only what this function extracts from the whole content. The file is
    /// read into a transient buffer (capped by [`Limits::max_extract_bytes`])
    /// and dropped afterwards, so binaries cost memory one at a time.
    Extract(Extractor),
}

/// Evidence a cataloger takes from a file's bytes (a Go binary's build
/// information, a jar's manifests); `None` when there is none.
pub type Extractor = fn(&[u8]) -> Option<Vec<u8>>;

/// What reading one layer found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerStats {
    /// Entries read.
    pub entries: u64,
    /// Decompressed bytes read.
    pub bytes: u64,
    /// Names that had to be cleaned (absolute, `..` above the root).
    pub cleaned_names: u64,
    /// Whiteouts applied.
    pub whiteouts: u64,
    /// Files an extractor wanted that were over
    /// [`Limits::max_extract_bytes`].
    pub not_extracted: u64,
}

/// The merged files of an image's layers, by cleaned path (no leading `/`).
#[derive(Debug, Clone, Default)]
pub struct FileIndex {
    entries: BTreeMap<String, Entry>,
}

/// Cleans a tar name into a path inside the root; `None` for the root
/// itself. The flag says whether anything had to be removed that a
/// well-formed layer would not contain.
pub fn clean_path(name: &str) -> (Option<String>, bool) {
    let mut parts: Vec<&str> = Vec::new();
    let mut suspicious = name.starts_with('/');
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                suspicious = true;
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    if parts.is_empty() {
        (None, suspicious)
    } else {
        (Some(parts.join("/")), suspicious)
    }
}

/// Counts the compressed bytes read, where the cap check can see them.
struct Counting<R> {
    inner: R,
    count: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Stops a decompressed stream at the caps, with an error that says which.
struct Capped<R> {
    inner: R,
    produced: u64,
    limits: Limits,
    compressed: std::rc::Rc<std::cell::Cell<u64>>,
    tripped: Option<String>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.produced += n as u64;
        if self.produced > self.limits.max_layer_bytes {
            self.tripped = Some(format!(
                "decompresses to more than {} bytes",
                self.limits.max_layer_bytes
            ));
        } else if self.produced > 1 << 20 {
            let compressed = self.compressed.get().max(1);
            if self.produced / compressed > self.limits.max_ratio {
                self.tripped = Some(format!(
                    "decompression ratio above {}:1 ({} bytes from {compressed})",
                    self.limits.max_ratio, self.produced
                ));
            }
        }
        if self.tripped.is_some() {
            return Err(io::Error::other("decompression cap"));
        }
        Ok(n)
    }
}

impl FileIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// The entry at `path` (cleaned), without following symlinks.
    pub fn get(&self, path: &str) -> Option<&Entry> {
        clean_path(path).0.and_then(|p| self.entries.get(&p))
    }

    /// Every path and entry, sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// How many paths the image has.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the image has no paths.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry `path` leads to, following symlinks (in the last component
    /// and in directories on the way) and hard links inside the root; at
    /// most 40 links, as Linux.
    pub fn resolve(&self, path: &str) -> Option<(String, &Entry)> {
        let (start, _) = clean_path(path);
        let mut pending: Vec<String> = start
            .map(|p| p.split('/').rev().map(str::to_owned).collect())
            .unwrap_or_default();
        let mut current: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(part) = pending.pop() {
            match part.as_str() {
                "" | "." => continue,
                ".." => {
                    current.pop();
                    continue;
                }
                _ => {}
            }
            current.push(part);
            let joined = current.join("/");
            let link = match self.entries.get(&joined).map(|e| &e.kind) {
                Some(EntryKind::Symlink(target)) => Some((target.clone(), false)),
                Some(EntryKind::Hardlink(target)) => Some((target.clone(), true)),
                _ => None,
            };
            if let Some((target, absolute_always)) = link {
                hops += 1;
                if hops > 40 {
                    return None;
                }
                current.pop();
                if absolute_always || target.starts_with('/') {
                    current.clear();
                }
                pending.extend(target.split('/').rev().map(str::to_owned));
            }
        }
        let path = current.join("/");
        self.entries.get(&path).map(|e| (path, e))
    }

    /// Adds or replaces one entry (a directory tree read as a layer).
    pub fn insert(&mut self, path: String, entry: Entry) {
        self.entries.insert(path, entry);
    }

    /// Removes `path` and everything below it that a lower layer wrote.
    fn delete_lower(&mut self, path: &str, layer: usize) -> bool {
        let prefix = format!("{path}/");
        let doomed: Vec<String> = self
            .entries
            .range(path.to_owned()..)
            .take_while(|(k, _)| *k == path || k.starts_with(&prefix))
            .filter(|(_, e)| e.layer < layer)
            .map(|(k, _)| k.clone())
            .collect();
        let any = !doomed.is_empty();
        for key in doomed {
            self.entries.remove(&key);
        }
        any
    }

    /// Applies one layer (`name` for errors), keeping of each regular file
    /// what `keep` (given its path, mode and size) asks for. Returns what
    /// it read.
    pub fn apply_layer(
        &mut self,
        name: &str,
        layer: usize,
        stream: impl Read,
        limits: Limits,
        keep: impl Fn(&str, u32, u64) -> Keep,
    ) -> Result<LayerStats, LayerError> {
        let malformed = |message: String| LayerError::Malformed {
            layer: name.to_owned(),
            message,
        };
        let shared = std::rc::Rc::new(std::cell::Cell::new(0));
        let counted = Counting {
            inner: stream,
            count: std::rc::Rc::clone(&shared),
        };
        let mut buffered = BufReader::new(counted);
        let magic = buffered
            .fill_buf()
            .map_err(|e| malformed(format!("reading: {e}")))?;
        let decompressed: Box<dyn Read> = if magic.starts_with(&[0x1f, 0x8b]) {
            Box::new(flate2::bufread::MultiGzDecoder::new(buffered))
        } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Box::new(
                zstd::stream::read::Decoder::with_buffer(buffered)
                    .map_err(|e| malformed(format!("zstd: {e}")))?,
            )
        } else {
            Box::new(buffered)
        };
        let capped = Capped {
            inner: decompressed,
            produced: 0,
            limits,
            compressed: shared,
            tripped: None,
        };
        let mut archive = tar::Archive::new(capped);
        let mut stats = LayerStats::default();
        let mut opaque: Vec<String> = Vec::new();
        let mut scratch: Vec<u8> = Vec::new();
        let result = (|| -> Result<(), LayerError> {
            let entries = archive
                .entries()
                .map_err(|e| malformed(format!("not a tar: {e}")))?;
            for entry in entries {
                let mut entry =
                    entry.map_err(|e| malformed(format!("entry {}: {e}", stats.entries + 1)))?;
                stats.entries += 1;
                let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
                let (path, suspicious) = clean_path(&raw);
                if suspicious {
                    stats.cleaned_names += 1;
                }
                let Some(path) = path else { continue };
                let (dir, base) = match path.rsplit_once('/') {
                    Some((dir, base)) => (Some(dir), base),
                    None => (None, path.as_str()),
                };
                if base == ".wh..wh..opq" {
                    let dir = dir.unwrap_or("").to_owned();
                    opaque.push(dir);
                    stats.whiteouts += 1;
                    continue;
                }
                if let Some(hidden) = base.strip_prefix(".wh.") {
                    let target = match dir {
                        Some(dir) => format!("{dir}/{hidden}"),
                        None => hidden.to_owned(),
                    };
                    if let (Some(target), _) = clean_path(&target) {
                        self.delete_lower(&target, layer);
                    }
                    stats.whiteouts += 1;
                    continue;
                }
                let header = entry.header();
                let mode = header.mode().unwrap_or(0);
                let kind = match header.entry_type() {
                    tar::EntryType::Regular | tar::EntryType::Continuous => EntryKind::File {
                        size: header.size().unwrap_or(0),
                    },
                    tar::EntryType::Directory => EntryKind::Dir,
                    tar::EntryType::Symlink => EntryKind::Symlink(
                        entry
                            .link_name_bytes()
                            .map(|b| String::from_utf8_lossy(&b).into_owned())
                            .unwrap_or_default(),
                    ),
                    tar::EntryType::Link => {
                        let target = entry
                            .link_name_bytes()
                            .map(|b| String::from_utf8_lossy(&b).into_owned())
                            .unwrap_or_default();
                        let (target, suspicious) = clean_path(&target);
                        if suspicious {
                            stats.cleaned_names += 1;
                        }
                        EntryKind::Hardlink(target.unwrap_or_default())
                    }
                    _ => EntryKind::Other,
                };
                let content = match kind {
                    EntryKind::File { size } => match keep(&path, mode, size) {
                        Keep::Skip => None,
                        Keep::Content => {
                            if size > limits.max_kept_bytes {
                                return Err(LayerError::TooLarge {
                                    layer: name.to_owned(),
                                    what: format!(
                                        "{path} is {size} bytes, more than the {} kensa keeps of a file",
                                        limits.max_kept_bytes
                                    ),
                                });
                            }
                            let mut bytes = Vec::with_capacity(size as usize);
                            entry
                                .read_to_end(&mut bytes)
                                .map_err(|e| malformed(format!("{path}: {e}")))?;
                            Some(bytes)
                        }
                        Keep::Extract(_) if size > limits.max_extract_bytes => {
                            stats.not_extracted += 1;
                            None
                        }
                        Keep::Extract(extract) => {
                            scratch.clear();
                            entry
                                .read_to_end(&mut scratch)
                                .map_err(|e| malformed(format!("{path}: {e}")))?;
                            extract(&scratch)
                        }
                    },
                    _ => None,
                };
                // A directory over an existing one keeps what is below it.
                if kind != EntryKind::Dir {
                    self.delete_lower(&path, layer);
                }
                self.entries.insert(
                    path,
                    Entry {
                        kind,
                        layer,
                        mode,
                        content,
                    },
                );
            }
            Ok(())
        })();
        let capped = archive.into_inner();
        stats.bytes = capped.produced;
        if let Some(what) = capped.tripped {
            return Err(LayerError::TooLarge {
                layer: name.to_owned(),
                what,
            });
        }
        result?;
        for dir in opaque {
            let prefix = if dir.is_empty() {
                String::new()
            } else {
                format!("{dir}/")
            };
            let doomed: Vec<String> = self
                .entries
                .iter()
                .filter(|(k, e)| e.layer < layer && k.starts_with(&prefix) && **k != dir)
                .map(|(k, _)| k.clone())
                .collect();
            for key in doomed {
                self.entries.remove(&key);
            }
        }
        Ok(stats)
    }
}
