//! Only the last `CMD` of a stage takes effect; earlier ones are dead code.
//!
//! Fails on each `CMD` that a later one in the same stage replaces.

use kensa_report::Severity;

use super::overridden;
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-multiple-cmd",
    aliases: &["DS-0016", "DS016", "AVD-DS-0016"],
    title: "Multiple CMD instructions listed",
    severity: Severity::High,
    description: "A stage keeps only its last CMD, so earlier CMD lines never run and suggest a default command the image does not have.",
    remediation: "Keep one CMD per stage (the one the image should run by default) and remove the rest.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    overridden(df, "CMD")
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_for_two_in_a_stage() {
        let found = hits(&CHECK, "FROM a:1\nCMD a\nRUN true\nCMD [\"b\"]\nCMD c\n");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].start_line, 2);
        assert_eq!(found[1].start_line, 4);
    }

    #[test]
    fn passes_for_one_per_stage() {
        assert!(hits(&CHECK, "FROM a:1 AS build\nCMD a\nFROM b:1\nCMD b\n").is_empty());
    }
}
