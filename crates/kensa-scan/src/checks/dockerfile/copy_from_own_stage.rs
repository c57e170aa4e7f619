//! `COPY --from=<stage>` copies from another stage; naming the stage the
//! instruction is in cannot work and fails the build.
//!
//! Fails when `--from` names the current stage (case-insensitive, as
//! Docker compares stage names) or its index.

use kensa_report::Severity;

use super::hit;
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-copy-from-own-stage",
    aliases: &["DS-0006", "DS006", "AVD-DS-0006"],
    title: "COPY '--from' referring to the current image",
    severity: Severity::Critical,
    description: "A stage cannot copy from itself: COPY --from that names the current stage is a mistake (usually a copy-paste of the stage name) and the build fails or copies from the wrong place.",
    remediation: "Point --from at the earlier stage (or image) that produces the files, and keep stage names distinct.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    let mut hits = Vec::new();
    for stage in &df.stages {
        for copy in df
            .stage_instructions(stage.index)
            .iter()
            .filter(|i| i.is("COPY"))
        {
            let Some(from) = copy.flag_value("from") else {
                continue;
            };
            let own_name = stage
                .name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(from));
            if own_name || from == stage.index.to_string() {
                hits.push(hit(
                    copy,
                    format!("COPY --from={from} refers to the stage it is in; a stage cannot copy from itself"),
                ));
            }
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_for_own_stage() {
        let found = hits(
            &CHECK,
            "FROM golang:1.23 AS build\nCOPY --from=BUILD /a /b\nFROM alpine:3.20\nCOPY --from=1 /a /b\n",
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].start_line, 2);
        assert_eq!(found[1].start_line, 4);
    }

    #[test]
    fn passes_for_other_stages() {
        assert!(hits(&CHECK, "FROM golang:1.23 AS build\nRUN make\nFROM alpine:3.20\nCOPY --from=build /out /app\nCOPY --from=0 /x /y\n").is_empty());
    }
}
