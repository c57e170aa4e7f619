//! `dnf` keeps downloaded packages and metadata in its cache; left there,
//! they end up in the image layer and only add size.
//!
//! Fails for a `RUN` that installs with `dnf` (install, in, reinstall, rei, install-n, install-na, install-nevra, groupinstall) and does not run
//! `dnf clean all` after the last install in the same `RUN` (a later `RUN` cannot
//! shrink the earlier layer).

use kensa_report::Severity;

use super::{hit, install_without_clean};
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-dnf-clean",
    aliases: &["DS-0019", "DS019", "AVD-DS-0019"],
    title: "'dnf clean all' missing",
    severity: Severity::High,
    description: "Package caches written during an install stay in the layer of that RUN. Cleaning them in the same instruction keeps the image smaller and free of stale package metadata.",
    remediation: "Finish the RUN that installs packages with '&& dnf clean all', in the same instruction.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

const INSTALL: &[&str] = &[
    "install",
    "in",
    "reinstall",
    "rei",
    "install-n",
    "install-na",
    "install-nevra",
    "groupinstall",
];
const CLEAN: &[&str] = &["clean"];

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    df.runs()
        .filter(|run| install_without_clean(run, "dnf", INSTALL, CLEAN, true))
        .map(|run| {
            hit(
                run,
                "RUN installs packages with dnf but does not run 'dnf clean all' afterwards",
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
                "FROM fedora:40\nRUN dnf -y install --setopt=x=1 vim\n"
            )
            .len(),
            1
        );
        assert_eq!(
            hits(
                &CHECK,
                "FROM fedora:40\nRUN dnf in -y vim && rm -rf /var/cache/dnf\n"
            )
            .len(),
            1
        );
    }

    #[test]
    fn passes_with_clean_all() {
        assert!(
            hits(
                &CHECK,
                "FROM fedora:40\nRUN dnf install -y vim && dnf clean all\nRUN microdnf install x\n"
            )
            .is_empty()
        );
    }
}
