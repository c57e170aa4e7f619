//! Which OS an image is: `os-release` (`/etc`, else `/usr/lib`, following
//! symlinks inside the image), then `alpine-release` and `debian_version`
//! for images without it.

use crate::layers::FileIndex;

/// The files read.
pub const FILES: &[&str] = &[
    "etc/os-release",
    "usr/lib/os-release",
    "etc/alpine-release",
    "etc/debian_version",
];

/// An OS family kensa knows advisories for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Family {
    /// Debian (and distroless images built from it).
    Debian,
    /// Ubuntu.
    Ubuntu,
    /// Alpine.
    Alpine,
    /// Wolfi.
    Wolfi,
    /// Chainguard OS.
    Chainguard,
    /// Anything else, by its `ID`.
    Other(String),
}

/// The detected OS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Os {
    /// The family.
    pub family: Family,
    /// `VERSION_ID` or the release file's first line; empty for rolling
    /// distributions (Wolfi, Chainguard).
    pub version: String,
    /// `PRETTY_NAME`, when given.
    pub pretty_name: Option<String>,
}

impl Os {
    /// The family as a lower-case name (`debian`, `alpine`, or the `ID`).
    pub fn family_name(&self) -> &str {
        match &self.family {
            Family::Debian => "debian",
            Family::Ubuntu => "ubuntu",
            Family::Alpine => "alpine",
            Family::Wolfi => "wolfi",
            Family::Chainguard => "chainguard",
            Family::Other(id) => id,
        }
    }
}

fn content<'a>(index: &'a FileIndex, path: &str) -> Option<&'a [u8]> {
    index.resolve(path).and_then(|(_, e)| e.content.as_deref())
}

/// `KEY=value` lines, values unquoted.
fn os_release_value(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches(['"', '\'']).to_owned())
    })
}

fn family(id: &str) -> Family {
    match id {
        "debian" => Family::Debian,
        "ubuntu" => Family::Ubuntu,
        "alpine" => Family::Alpine,
        "wolfi" => Family::Wolfi,
        "chainguard" => Family::Chainguard,
        other => Family::Other(other.to_owned()),
    }
}

/// The image's OS; `None` when nothing says (scratch images, static
/// binaries).
pub fn detect(index: &FileIndex) -> Option<Os> {
    for path in ["etc/os-release", "usr/lib/os-release"] {
        if let Some(bytes) = content(index, path) {
            let text = String::from_utf8_lossy(bytes);
            if let Some(id) = os_release_value(&text, "ID") {
                return Some(Os {
                    family: family(&id),
                    version: os_release_value(&text, "VERSION_ID").unwrap_or_default(),
                    pretty_name: os_release_value(&text, "PRETTY_NAME"),
                });
            }
        }
    }
    let first_line = |path| {
        content(index, path).map(|b| {
            String::from_utf8_lossy(b)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_owned()
        })
    };
    if let Some(version) = first_line("etc/alpine-release") {
        return Some(Os {
            family: Family::Alpine,
            version,
            pretty_name: None,
        });
    }
    first_line("etc/debian_version").map(|version| Os {
        family: Family::Debian,
        version,
        pretty_name: None,
    })
}
