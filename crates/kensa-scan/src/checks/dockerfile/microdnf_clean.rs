//! `microdnf` keeps downloaded packages and metadata in its cache; left there,
//! they end up in the image layer and only add size.
//!
//! Fails for a `RUN` that installs with `microdnf` (install, reinstall) and does not run
//! `microdnf clean all` after the last install in the same `RUN` (a later `RUN` cannot
//! shrink the earlier layer).

use kensa_report::Severity;

use super::{hit, install_without_clean};
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-microdnf-clean",
    aliases: &["DS-0027", "DS027", "AVD-DS-0027"],
    title: "'microdnf clean all' missing",
    severity: Severity::High,
    description: "Package caches written during an install stay in the layer of that RUN. Cleaning them in the same instruction keeps the image smaller and free of stale package metadata.",
    remediation: "Finish the RUN that installs packages with '&& microdnf clean all', in the same instruction.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

const INSTALL: &[&str] = &["install", "reinstall"];
const CLEAN: &[&str] = &["clean"];

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    df.runs()
        .filter(|run| install_without_clean(run, "microdnf", INSTALL, CLEAN, true))
        .map(|run| hit(run, "RUN installs packages with microdnf but does not run 'microdnf clean all' afterwards"))
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
                "FROM ubi9-minimal:9.4\nRUN microdnf install -y shadow-utils\n"
            )
            .len(),
            1
        );
    }

    #[test]
    fn passes_with_clean_all() {
        assert!(hits(&CHECK, "FROM ubi9-minimal:9.4\nRUN microdnf install -y shadow-utils && microdnf clean all\n").is_empty());
    }
}
