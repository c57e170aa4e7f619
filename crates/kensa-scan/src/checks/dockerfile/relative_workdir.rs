//! A relative `WORKDIR` is resolved against the previous one, so the
//! directory depends on every earlier `WORKDIR` (and on the base image's):
//! easy to get wrong when the file changes.
//!
//! Passes for paths starting with `/`, Windows drive paths (`C:\app`),
//! and paths starting with a variable (`$HOME/app`), whose value is only
//! known at build time.

use kensa_report::Severity;

use super::hit;
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-relative-workdir",
    aliases: &["DS-0009", "DS009", "AVD-DS-0009"],
    title: "WORKDIR path not absolute",
    severity: Severity::High,
    description: "A relative WORKDIR is appended to the current working directory, which may come from an earlier line or from the base image; the final directory is then easy to misjudge.",
    remediation: "Give WORKDIR an absolute path, such as 'WORKDIR /app'.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

fn is_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with('/')
        || path.starts_with('$')
        || path.starts_with('\\')
        || (bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && matches!(bytes[2], b'\\' | b'/'))
}

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    df.instructions_named("WORKDIR")
        .filter_map(|workdir| {
            let path = workdir.words.first()?;
            (!path.is_empty() && !is_absolute(path)).then(|| {
                hit(
                    workdir,
                    format!("WORKDIR '{path}' is relative; use an absolute path"),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_for_relative_paths() {
        let found = hits(&CHECK, "FROM a:1\nWORKDIR app\nWORKDIR \"./src\"\n");
        assert_eq!(found.len(), 2);
        assert!(found[1].message.contains("'./src'"));
    }

    #[test]
    fn passes_for_absolute_paths() {
        assert!(hits(&CHECK, "FROM a:1\nWORKDIR /app\nWORKDIR \"/my app\"\nWORKDIR $HOME/src\nWORKDIR C:\\\\app\n").is_empty());
    }
}
