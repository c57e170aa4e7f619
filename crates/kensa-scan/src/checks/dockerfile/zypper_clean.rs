//! `zypper` keeps downloaded packages and metadata in its cache; left there,
//! they end up in the image layer and only add size.
//!
//! Fails for a `RUN` that installs with `zypper` (install, in, remove, rm, source-install, si, patch) and does not run
//! `zypper clean` after the last install in the same `RUN` (a later `RUN` cannot
//! shrink the earlier layer).

use kensa_report::Severity;

use super::{hit, install_without_clean};
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-zypper-clean",
    aliases: &["DS-0020", "DS020", "AVD-DS-0020"],
    title: "'zypper clean' missing",
    severity: Severity::High,
    description: "Package caches written during an install stay in the layer of that RUN. Cleaning them in the same instruction keeps the image smaller and free of stale package metadata.",
    remediation: "Finish the RUN that installs packages with '&& zypper clean', in the same instruction.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

const INSTALL: &[&str] = &[
    "install",
    "in",
    "remove",
    "rm",
    "source-install",
    "si",
    "patch",
];
const CLEAN: &[&str] = &["clean", "cc"];

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    df.runs()
        .filter(|run| install_without_clean(run, "zypper", INSTALL, CLEAN, false))
        .map(|run| {
            hit(
                run,
                "RUN installs packages with zypper but does not run 'zypper clean' afterwards",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_without_clean() {
        assert_eq!(
            hits(
                &CHECK,
                "FROM opensuse/leap:15.6\nRUN zypper --non-interactive install curl\n"
            )
            .len(),
            1
        );
    }

    #[test]
    fn passes_with_clean() {
        assert!(hits(&CHECK, "FROM opensuse/leap:15.6\nRUN zypper -n in curl && zypper clean -a\nRUN zypper install x && zypper cc\n").is_empty());
    }
}
