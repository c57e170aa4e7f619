//! `apt-get dist-upgrade` can move the base image's packages to another
//! release, changing what the pinned base image provides; a newer base
//! image tag is the way to get those updates.
//!
//! Fails for a `RUN` that runs `apt-get dist-upgrade`. Trivy marks this
//! check deprecated and no longer runs it by default; neither does kensa
//! (enable it by name).

use kensa_report::Severity;

use super::{APT_GET_VALUE_OPTIONS, hit, package_runs};
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-apt-get-dist-upgrade",
    aliases: &["DS-0024", "DS024", "AVD-DS-0024"],
    title: "'apt-get dist-upgrade' used",
    severity: Severity::High,
    description: "dist-upgrade may install, remove or replace packages across releases, so the image no longer matches the base image it names and builds drift over time.",
    remediation: "Drop 'apt-get dist-upgrade' and move to a newer base image tag instead; at most run 'apt-get upgrade' for security updates.",
    default_enabled: false,
    run: Run::Dockerfile(check),
};

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    df.runs()
        .filter(|run| {
            !package_runs(run, "apt-get", APT_GET_VALUE_OPTIONS, &["dist-upgrade"]).is_empty()
        })
        .map(|run| {
            hit(
                run,
                "RUN uses 'apt-get dist-upgrade'; use a newer base image instead",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_for_dist_upgrade() {
        assert_eq!(
            hits(
                &CHECK,
                "FROM debian:12\nRUN apt-get update && apt-get dist-upgrade -y\n"
            )
            .len(),
            1
        );
    }

    #[test]
    fn passes_for_upgrade() {
        assert!(
            hits(
                &CHECK,
                "FROM debian:12\nRUN apt-get update && apt-get upgrade -y\n"
            )
            .is_empty()
        );
    }
}
