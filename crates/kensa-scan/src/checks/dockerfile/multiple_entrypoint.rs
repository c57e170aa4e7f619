//! Only the last `ENTRYPOINT` of a stage takes effect; earlier ones are
//! dead code that misleads readers about what the image runs.
//!
//! Fails on each `ENTRYPOINT` that a later one in the same stage replaces.
//! Stages are separate: a builder stage's `ENTRYPOINT` does not count
//! against the final one.

use kensa_report::Severity;

use super::overridden;
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-multiple-entrypoint",
    aliases: &["DS-0007", "DS007", "AVD-DS-0007"],
    title: "Multiple ENTRYPOINT instructions listed",
    severity: Severity::Critical,
    description: "A stage keeps only its last ENTRYPOINT. Earlier ones do nothing, so the image may not start the process its author thinks it does.",
    remediation: "Keep a single ENTRYPOINT per stage and delete the others.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    overridden(df, "ENTRYPOINT")
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_for_two_in_a_stage() {
        let found = hits(&CHECK, "FROM a:1\nENTRYPOINT [\"a\"]\nENTRYPOINT b\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].start_line, 2);
        assert!(found[0].message.contains("line 3"), "{}", found[0].message);
    }

    #[test]
    fn passes_for_one_per_stage() {
        assert!(
            hits(
                &CHECK,
                "FROM a:1 AS build\nENTRYPOINT [\"a\"]\nFROM b:1\nENTRYPOINT [\"b\"]\n"
            )
            .is_empty()
        );
    }
}
