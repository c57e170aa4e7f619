//! `docker save` archives (`docker-archive:FILE[:TAG]`): a tar holding
//! `manifest.json` (`[{Config, RepoTags, Layers}]`), the config files and the
//! layer tars. The archive is walked once to find where each member is;
//! layers are then read in place, as byte ranges of the archive, with no
//! copy. Docker 25+ writes the members as an OCI layout
//! (`blobs/sha256/...`); both forms are read.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use serde::Deserialize;

use super::spec::{self, RootFs};
use super::{Blob, LayerBlob, Resolved, SourceError, digest};
use crate::image::{Image, ImageLayer};

/// Members kept in memory: `manifest.json` and configs are small.
const MAX_JSON_MEMBER: u64 = 16 << 20;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

#[derive(Debug, Default)]
struct Member {
    offset: u64,
    size: u64,
    link: Option<String>,
    content: Option<Vec<u8>>,
}

/// Joins a symlink target to the directory of the link, inside the archive.
fn resolve_link(link: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        link.split('/').collect()
    };
    parts.pop();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    parts.join("/")
}

fn clean(name: &str) -> String {
    name.trim_start_matches("./").to_owned()
}

/// Resolves `docker-archive:FILE[:TAG]`.
pub fn resolve(file: &Path, tag: Option<&str>, name: &str) -> Result<Resolved, SourceError> {
    let location = file.display().to_string();
    let io = |source| SourceError::Io {
        path: file.to_owned(),
        source,
    };
    let bad = |message: String| SourceError::BadManifest {
        location: location.clone(),
        message,
    };
    let reader = BufReader::with_capacity(256 << 10, File::open(file).map_err(io)?);
    let mut archive = tar::Archive::new(reader);
    let mut members: HashMap<String, Member> = HashMap::new();
    let entries = archive
        .entries()
        .map_err(|e| bad(format!("not a tar archive: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(format!("not a readable tar archive: {e}")))?;
        let member_name = clean(&String::from_utf8_lossy(&entry.path_bytes()));
        let header = entry.header();
        let size = header.size().unwrap_or(0);
        let mut member = Member {
            offset: entry.raw_file_position(),
            size,
            ..Member::default()
        };
        match header.entry_type() {
            tar::EntryType::Symlink | tar::EntryType::Link => {
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                member.link = Some(if header.entry_type() == tar::EntryType::Symlink {
                    resolve_link(&member_name, &target)
                } else {
                    clean(&target)
                });
            }
            _ if (member_name.ends_with(".json")
                || !member_name.contains('.') && member_name.starts_with("blobs/"))
                && size <= MAX_JSON_MEMBER =>
            {
                // Configs are `<hex>.json` (docker) or OCI blobs; blobs that
                // turn out to be layers are only read if small.
                let mut bytes = Vec::with_capacity(size as usize);
                entry
                    .read_to_end(&mut bytes)
                    .map_err(|e| bad(format!("{member_name}: {e}")))?;
                member.content = Some(bytes);
            }
            _ => {}
        }
        members.insert(member_name, member);
    }
    let find = |name: &str| -> Option<&Member> {
        let mut name = clean(name);
        for _ in 0..8 {
            let member = members.get(&name)?;
            match &member.link {
                Some(target) => name = target.clone(),
                None => return Some(member),
            }
        }
        None
    };
    let manifest = find("manifest.json")
        .and_then(|m| m.content.as_deref())
        .ok_or_else(|| bad("no manifest.json: not a docker save archive".into()))?;
    let entries: Vec<Entry> = spec::decode(
        manifest,
        &format!("{location}: manifest.json"),
        "docker archive manifest",
    )?;
    let all_tags = || {
        entries
            .iter()
            .flat_map(|e| e.repo_tags.iter().flatten().cloned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let matches_tag = |entry: &Entry, tag: &str| {
        entry.repo_tags.iter().flatten().any(|t| {
            t == tag
                || t.strip_prefix("docker.io/library/") == Some(tag)
                || t.strip_prefix("docker.io/") == Some(tag)
                || t.rsplit_once(':').is_some_and(|(_, t)| t == tag)
        })
    };
    let entry = match tag {
        Some(tag) => entries
            .iter()
            .find(|e| matches_tag(e, tag))
            .ok_or_else(|| SourceError::BadReference {
                reference: name.to_owned(),
                message: format!("no image tagged {tag:?} (the archive has {})", all_tags()),
            })?,
        None => match entries.as_slice() {
            [only] => only,
            [] => return Err(bad("manifest.json lists no image".into())),
            _ => {
                return Err(SourceError::BadReference {
                    reference: name.to_owned(),
                    message: format!(
                        "the archive holds several images; add :TAG ({})",
                        all_tags()
                    ),
                });
            }
        },
    };
    let config_bytes = find(&entry.config)
        .and_then(|m| m.content.as_deref())
        .ok_or_else(|| SourceError::MissingBlob {
            location: location.clone(),
            digest: entry.config.clone(),
        })?;
    let config: spec::Config = spec::decode(
        config_bytes,
        &format!("{location}: {}", entry.config),
        "image config",
    )?;
    let RootFs { diff_ids } = &config.rootfs;
    if diff_ids.len() != entry.layers.len() {
        return Err(bad(format!(
            "manifest.json lists {} layers but the config has {} diff IDs",
            entry.layers.len(),
            diff_ids.len()
        )));
    }
    let mut layers = Vec::new();
    let mut blobs = Vec::new();
    for (layer_name, diff_id) in entry.layers.iter().zip(diff_ids) {
        let member = find(layer_name).ok_or_else(|| SourceError::MissingBlob {
            location: location.clone(),
            digest: layer_name.clone(),
        })?;
        // An OCI-style member is named by the digest of its bytes; a legacy
        // `layer.tar` is the uncompressed tar, so its digest is the diff ID.
        let oci_digest = layer_name
            .strip_prefix("blobs/sha256/")
            .map(|hex| format!("sha256:{hex}"))
            .filter(|d| spec::valid_digest(d));
        let blob_digest = oci_digest.clone().unwrap_or_else(|| diff_id.clone());
        layers.push(ImageLayer {
            digest: oci_digest,
            diff_id: Some(diff_id.clone()),
            size: Some(member.size),
            media_type: None,
        });
        blobs.push(Blob {
            at: LayerBlob::Range {
                path: file.to_owned(),
                offset: member.offset,
                len: member.size,
            },
            digest: spec::valid_digest(&blob_digest).then_some(blob_digest),
        });
    }
    let repo_tags = entry.repo_tags.clone().unwrap_or_default();
    Ok(Resolved {
        image: Image {
            name: name.to_owned(),
            id: Some(digest::sha256(config_bytes)),
            manifest_digest: None,
            repo_tags,
            repo_digests: Vec::new(),
            platform: config.platform(),
            layers,
            ..Image::default()
        },
        blobs,
    })
}

#[cfg(test)]
mod tests {
    use super::resolve_link;

    #[test]
    fn links_resolve_inside_the_archive() {
        assert_eq!(resolve_link("abc/layer.tar", "../x.tar"), "x.tar");
        assert_eq!(resolve_link("abc/layer.tar", "../../../x.tar"), "x.tar");
        assert_eq!(resolve_link("abc/layer.tar", "/etc/passwd"), "etc/passwd");
    }
}
