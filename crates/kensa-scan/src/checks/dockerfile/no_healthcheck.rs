//! Without a `HEALTHCHECK`, Docker only knows whether the main process is
//! alive, not whether it still serves.
//!
//! Looks at the final stage and the earlier stages it is built on. Passes
//! when one of them has a `HEALTHCHECK` (`HEALTHCHECK NONE` counts: it is
//! an explicit choice). Fails otherwise, pointing at the final `FROM`.
//! Trivy accepts a `HEALTHCHECK` in any stage, even one that does not
//! reach the image.

use kensa_report::Severity;

use super::{describe_stage, hit};
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-no-healthcheck",
    aliases: &["DS-0026", "DS026", "AVD-DS-0026"],
    title: "No HEALTHCHECK defined",
    severity: Severity::Low,
    description: "A HEALTHCHECK lets the container engine notice a container whose process is running but no longer working, and report or replace it.",
    remediation: "Add a HEALTHCHECK to the final stage, e.g. 'HEALTHCHECK --interval=30s CMD wget -q --spider http://localhost:8080/healthz || exit 1' (or 'HEALTHCHECK NONE' when the orchestrator probes instead).",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    let Some(stage) = df.final_stage() else {
        return Vec::new();
    };
    let has = df
        .stage_chain(stage.index)
        .any(|s| df.stage_instructions(s).iter().any(|i| i.is("HEALTHCHECK")));
    if has {
        return Vec::new();
    }
    df.stage_from(stage.index)
        .map(|from| {
            hit(
                from,
                format!(
                    "The final {} has no HEALTHCHECK",
                    describe_stage(df, Some(stage.index))
                ),
            )
        })
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_without_healthcheck_in_final_stage() {
        let found = hits(
            &CHECK,
            "FROM a:1 AS build\nHEALTHCHECK CMD true\nFROM b:1\nCMD x\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].start_line, 3);
    }

    #[test]
    fn passes_with_healthcheck_own_or_inherited() {
        assert!(
            hits(
                &CHECK,
                "FROM a:1\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n"
            )
            .is_empty()
        );
        assert!(hits(&CHECK, "FROM a:1 AS base\nHEALTHCHECK NONE\nFROM base\n").is_empty());
    }
}
