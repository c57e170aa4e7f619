//! `apk add` keeps the package index in `/var/cache/apk` unless told not
//! to; `--no-cache` fetches it on the fly and leaves nothing behind.
//!
//! Fails for a `RUN` with an `apk add` that lacks `--no-cache`.

use kensa_report::Severity;

use super::{hit, package_runs};
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-apk-no-cache",
    aliases: &["DS-0025", "DS025", "AVD-DS-0025"],
    title: "'apk add' is missing '--no-cache'",
    severity: Severity::High,
    description: "Without --no-cache, apk leaves its package index in the layer: extra size and stale metadata in every image built from it.",
    remediation: "Use 'apk add --no-cache <packages>' (it also makes a separate 'apk update' unnecessary).",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

const APK_VALUE_OPTIONS: &[&str] = &[
    "-X",
    "--repository",
    "-p",
    "--root",
    "--arch",
    "--cache-dir",
    "--keys-dir",
    "--repositories-file",
];

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    df.runs()
        .filter(|run| {
            package_runs(run, "apk", APK_VALUE_OPTIONS, &["add"])
                .iter()
                .any(|argv| !argv.iter().any(|w| w == "--no-cache"))
        })
        .map(|run| {
            hit(
                run,
                "'apk add' without '--no-cache' leaves the package index in the image",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_without_no_cache() {
        assert_eq!(
            hits(&CHECK, "FROM alpine:3.20\nRUN apk update && apk add curl\n").len(),
            1
        );
    }

    #[test]
    fn passes_with_no_cache() {
        assert!(hits(&CHECK, "FROM alpine:3.20\nRUN apk --no-cache add curl\nRUN apk add --no-cache --virtual .deps gcc\n").is_empty());
    }
}
