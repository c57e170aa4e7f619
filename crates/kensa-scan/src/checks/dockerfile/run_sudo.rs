//! `sudo` in a `RUN` means the build runs as an unprivileged user that can
//! become root anyway; its password prompts, TTY requirements and
//! environment resets make builds behave unpredictably.
//!
//! Fails for a `RUN` with a command run through `sudo` (anywhere in the
//! shell text, `sh -c` scripts and heredoc scripts included).

use kensa_report::Severity;

use super::hit;
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-run-sudo",
    aliases: &["DS-0010", "DS010", "AVD-DS-0010"],
    title: "RUN using 'sudo'",
    severity: Severity::Critical,
    description: "sudo is for interactive use: in a build it can prompt, require a TTY or reset the environment, and it means sudo and its configuration ship in the image, where any process of that user can become root.",
    remediation: "Run the privileged steps as root (USER root before them) and switch back with USER <non-root user> afterwards, instead of calling sudo.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    df.runs()
        .filter(|run| {
            run.commands()
                .iter()
                .any(|c| c.first_program() == Some("sudo"))
        })
        .map(|run| {
            hit(
                run,
                "RUN uses 'sudo'; run the step as root with USER instead",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_for_sudo() {
        let found = hits(
            &CHECK,
            "FROM a:1\nRUN apt-get update && \\\n  sudo apt-get install -y curl\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].start_line, found[0].end_line), (2, 3));
    }

    #[test]
    fn passes_without_sudo() {
        assert!(
            hits(
                &CHECK,
                "FROM a:1\nRUN apt-get install -y sudo && echo 'sudo make'\n"
            )
            .is_empty()
        );
    }
}
