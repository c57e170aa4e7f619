//! By default `apt-get install` also installs "recommended" packages:
//! more software in the image than the application needs.
//!
//! Fails for a `RUN` with an `apt-get install` that has neither
//! `--no-install-recommends` nor `-o APT::Install-Recommends=false`.

use kensa_report::Severity;

use super::{APT_GET_VALUE_OPTIONS, hit, package_runs};
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-apt-get-no-install-recommends",
    aliases: &["DS-0029", "DS029", "AVD-DS-0029"],
    title: "'apt-get' missing '--no-install-recommends'",
    severity: Severity::High,
    description: "Recommended packages are pulled in on top of the ones asked for. They make the image bigger and add code, and vulnerabilities, that nothing uses.",
    remediation: "Add --no-install-recommends to every 'apt-get install' and list the extra packages you really need explicitly.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

fn skips_recommends(argv: &[String]) -> bool {
    argv.iter().any(|w| {
        let lower = w.to_ascii_lowercase();
        lower == "--no-install-recommends"
            || lower == "apt::install-recommends=false"
            || lower == "apt::install-recommends=0"
            || lower == "apt::install-recommends=no"
    })
}

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    df.runs()
        .filter(|run| {
            package_runs(run, "apt-get", APT_GET_VALUE_OPTIONS, &["install"])
                .iter()
                .any(|argv| !skips_recommends(argv))
        })
        .map(|run| hit(run, "'apt-get install' without '--no-install-recommends' also installs recommended packages"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_without_flag() {
        assert_eq!(
            hits(&CHECK, "FROM debian:12\nRUN apt-get install -y curl\n").len(),
            1
        );
        assert_eq!(
            hits(
                &CHECK,
                "FROM debian:12\nRUN [\"apt-get\", \"install\", \"-y\", \"curl\"]\n"
            )
            .len(),
            1
        );
    }

    #[test]
    fn passes_with_flag() {
        let text = "FROM debian:12\nRUN apt-get install -y --no-install-recommends curl\nRUN apt-get -o APT::Install-Recommends=false install -y x\nRUN apt-get update\n";
        assert!(hits(&CHECK, text).is_empty());
    }
}
