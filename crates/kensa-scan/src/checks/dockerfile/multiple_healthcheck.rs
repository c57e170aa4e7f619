//! Only the last `HEALTHCHECK` of a stage takes effect; earlier ones are
//! dead code.
//!
//! Fails on each `HEALTHCHECK` that a later one in the same stage replaces.

use kensa_report::Severity;

use super::overridden;
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-multiple-healthcheck",
    aliases: &["DS-0023", "DS023", "AVD-DS-0023"],
    title: "Multiple HEALTHCHECK defined",
    severity: Severity::Medium,
    description: "A stage keeps only its last HEALTHCHECK. Several of them make it unclear which probe the container really gets.",
    remediation: "Keep one HEALTHCHECK per stage and remove the others.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    overridden(df, "HEALTHCHECK")
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_for_two_in_a_stage() {
        let found = hits(
            &CHECK,
            "FROM a:1\nHEALTHCHECK CMD a\nHEALTHCHECK --interval=5s \\\n  CMD b\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].start_line, found[0].end_line), (2, 2));
    }

    #[test]
    fn passes_for_one() {
        assert!(hits(&CHECK, "FROM a:1\nHEALTHCHECK CMD a\n").is_empty());
    }
}
