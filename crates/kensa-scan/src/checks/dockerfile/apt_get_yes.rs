//! `apt-get install` asks for confirmation; a build has no one to answer,
//! so without `-y` the step fails (or depends on defaults).
//!
//! Fails for a `RUN` with an `apt-get install` that has none of `-y` (also
//! in clusters such as `-qy`), `--yes`, `--assume-yes`, `-qq` (which
//! implies `-y`), or `-o APT::Get::Assume-Yes=true`.

use kensa_report::Severity;

use super::{APT_GET_VALUE_OPTIONS, has_option, hit, package_runs};
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-apt-get-yes",
    aliases: &["DS-0021", "DS021", "AVD-DS-0021"],
    title: "'apt-get' missing '-y' to avoid manual input",
    severity: Severity::High,
    description: "Without -y, apt-get install stops to ask for confirmation. In a non-interactive build that aborts the step, so the build fails or behaves differently from what the Dockerfile suggests.",
    remediation: "Add -y to every 'apt-get install', as in 'apt-get install -y --no-install-recommends <packages>'.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

fn assumes_yes(argv: &[String]) -> bool {
    has_option(argv, Some('y'), &["--yes", "--assume-yes", "--force-yes"])
        || argv.iter().any(|w| {
            (w.starts_with('-') && !w.starts_with("--") && w.contains("qq")) || w == "--quiet=2"
        })
        || argv.iter().any(|w| {
            w.to_ascii_lowercase().starts_with("apt::get::assume-yes=") && !w.ends_with("=false")
        })
}

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    df.runs()
        .filter(|run| {
            package_runs(run, "apt-get", APT_GET_VALUE_OPTIONS, &["install"])
                .iter()
                .any(|argv| !assumes_yes(argv))
        })
        .map(|run| {
            hit(
                run,
                "'apt-get install' without '-y' waits for a confirmation no one gives",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_without_yes() {
        let found = hits(
            &CHECK,
            "FROM debian:12\nRUN apt-get update && apt-get install -y a && \\\n  apt-get install --no-install-recommends b\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].start_line, found[0].end_line), (2, 3));
    }

    #[test]
    fn passes_with_yes() {
        let text = "FROM debian:12\nRUN apt-get -qy install a\nRUN apt-get install --assume-yes b\nRUN apt-get -qq install c\nRUN apt-get -o APT::Get::Assume-Yes=true install d\nRUN apt-get update\n";
        assert!(hits(&CHECK, text).is_empty());
    }
}
