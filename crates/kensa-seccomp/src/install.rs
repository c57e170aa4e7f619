//! Installing a profile where the kubelet looks for Localhost profiles
//! (`kensa seccomp install`).
//!
//! The kubelet resolves `localhostProfile` relative to its seccomp root,
//! `/var/lib/kubelet/seccomp` by default; profiles go under `profiles/` there,
//! as the Security Profiles Operator installs them. The file is written to a
//! temporary file in the same directory, synced, and renamed over the target,
//! so a container starting meanwhile sees the old profile or the new one,
//! never half of one.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::filter::FilterSpec;
use crate::{Error, Result};

/// The kubelet's default seccomp root.
pub const DEFAULT_ROOT: &str = "/var/lib/kubelet/seccomp";

/// What [`install`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// The file written, `<root>/profiles/<name>.json`.
    pub path: PathBuf,
    /// The `localhostProfile` value, `profiles/<name>.json`.
    pub localhost_profile: String,
    /// A pod or container `securityContext` YAML snippet using the profile.
    pub snippet: String,
}

/// Writes `profile_json` to `<root>/profiles/<name>.json` atomically (mode
/// 0644) and returns the path and the `securityContext` snippet. `name` may
/// end in `.json`; it must not contain `/` or be `.`/`..`. The profile must
/// parse as an OCI seccomp object, so that a broken file never reaches the
/// kubelet (containers using it would fail to start).
pub fn install(profile_json: &str, root: &Path, name: &str) -> Result<Installed> {
    let stem = name.strip_suffix(".json").unwrap_or(name);
    if stem.is_empty()
        || stem == "."
        || stem == ".."
        || stem.contains('/')
        || stem.contains('\0')
        || stem.starts_with('.')
    {
        return Err(Error::InvalidName(name.to_owned()));
    }
    FilterSpec::from_json(profile_json)?;

    let dir = root.join("profiles");
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| Error::Io { path, source }
    };
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let file_name = format!("{stem}.json");
    let path = dir.join(&file_name);

    let mut tmp = tempfile::Builder::new()
        .prefix(".kensa-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(io(&dir))?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))
        .map_err(io(tmp.path()))?;
    tmp.write_all(profile_json.as_bytes())
        .map_err(io(tmp.path()))?;
    if !profile_json.ends_with('\n') {
        tmp.write_all(b"\n").map_err(io(tmp.path()))?;
    }
    tmp.as_file().sync_all().map_err(io(tmp.path()))?;
    tmp.persist(&path).map_err(|e| Error::Io {
        path: path.display().to_string(),
        source: e.error,
    })?;
    // The rename is durable only once the directory entry is.
    std::fs::File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(io(&dir))?;

    let localhost_profile = format!("profiles/{file_name}");
    let snippet = format!(
        "securityContext:\n  seccompProfile:\n    type: Localhost\n    localhostProfile: {localhost_profile}\n"
    );
    Ok(Installed {
        path,
        localhost_profile,
        snippet,
    })
}
