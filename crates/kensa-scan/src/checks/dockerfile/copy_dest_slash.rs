//! With several sources, `COPY`'s destination must be a directory, written
//! with a trailing slash; otherwise the build fails.
//!
//! Fails for a `COPY` with two or more sources (three or more arguments,
//! flags excluded) whose last argument does not end with `/` (or `\` in a
//! Windows Dockerfile). Destinations holding a variable are skipped.

use kensa_report::Severity;

use super::hit;
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-copy-dest-slash",
    aliases: &["DS-0011", "DS011", "AVD-DS-0011"],
    title: "COPY with more than two arguments not ending with slash",
    severity: Severity::Critical,
    description: "When COPY has more than one source, Docker requires the destination to be a directory ending in '/'; without it the build stops with an error.",
    remediation: "End the destination with a slash, such as 'COPY a.txt b.txt /app/'.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    df.instructions_named("COPY")
        .filter(|copy| copy.words.len() > 2)
        .filter_map(|copy| {
            let dest = copy.words.last()?;
            (!dest.ends_with('/') && !dest.ends_with('\\') && !dest.contains('$')).then(|| {
                hit(
                    copy,
                    format!(
                        "COPY has {} sources, so its destination '{dest}' must end with '/'",
                        copy.words.len() - 1
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_without_slash() {
        let found = hits(
            &CHECK,
            "FROM a:1\nCOPY a.txt b.txt /app\nCOPY [\"x\", \"y\", \"/z\"]\n",
        );
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn passes_with_slash_or_two_arguments() {
        assert!(
            hits(
                &CHECK,
                "FROM a:1\nCOPY --chown=a:b a.txt b.txt /app/\nCOPY a /b\nCOPY a b $DEST\n"
            )
            .is_empty()
        );
    }
}
