//! `MAINTAINER` was deprecated in Docker 1.13; labels carry the same
//! information in a form tools can read.
//!
//! Fails on every `MAINTAINER`.

use kensa_report::Severity;

use super::hit;
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-maintainer",
    aliases: &["DS-0022", "DS022", "AVD-DS-0022"],
    title: "Deprecated MAINTAINER used",
    severity: Severity::High,
    description: "MAINTAINER is deprecated and may stop being supported. Authorship belongs in a label, where registries and scanners look for it.",
    remediation: "Replace 'MAINTAINER <name>' with 'LABEL org.opencontainers.image.authors=\"<name>\"'.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    df.instructions_named("MAINTAINER")
        .map(|m| {
            hit(
                m,
                format!(
                    "MAINTAINER '{}' is deprecated; use LABEL org.opencontainers.image.authors",
                    m.body
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_for_maintainer() {
        let found = hits(&CHECK, "FROM a:1\nMAINTAINER Jane <jane@example.com>\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].start_line, 2);
    }

    #[test]
    fn passes_with_label() {
        assert!(
            hits(
                &CHECK,
                "FROM a:1\nLABEL org.opencontainers.image.authors=jane\n"
            )
            .is_empty()
        );
    }
}
