//! A shell pipeline's status is that of its last command: in
//! `curl ... | tar x`, a failed download goes unnoticed and the build
//! carries on with a broken layer, unless `pipefail` is set.
//!
//! Fails for a shell-form `RUN` with a pipe when neither the `RUN` sets
//! `set -o pipefail` (also `set -euo pipefail`) nor the stage's last
//! `SHELL` before it enables `-o pipefail` (bash, zsh or ash). Stages whose
//! `SHELL` is PowerShell or cmd are skipped: pipes work differently there.

use kensa_report::Severity;

use super::hit;
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::{Dockerfile, Instruction, shell::basename};

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-pipefail",
    aliases: &["DS-0032", "DS032", "AVD-DS-0032"],
    title: "RUN with pipe without pipefail",
    severity: Severity::Low,
    description: "By default a pipeline only reports the exit status of its last command, so a failure earlier in the pipe (a download that failed, a command that crashed) does not fail the build.",
    remediation: "Start the RUN with 'set -o pipefail &&', or set it once for the stage with 'SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]' (on Alpine use /bin/ash).",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

/// Whether `words` (after the program) turn pipefail on: `-o pipefail`, or
/// a cluster ending in `o` followed by `pipefail` (`-euo pipefail`).
fn enables_pipefail(words: &[String]) -> bool {
    words.windows(2).any(|pair| {
        pair[1] == "pipefail"
            && pair[0]
                .strip_prefix('-')
                .is_some_and(|flags| !flags.starts_with('-') && flags.contains('o'))
    })
}

enum ShellKind {
    NotPosix,
    Pipefail,
    Plain,
}

fn shell_kind(shell: &Instruction) -> ShellKind {
    let Some(program) = shell.words.first() else {
        return ShellKind::Plain;
    };
    let name = basename(&program.replace('\\', "/")).to_ascii_lowercase();
    if ["pwsh", "powershell", "cmd"]
        .iter()
        .any(|p| name.starts_with(p))
    {
        ShellKind::NotPosix
    } else if ["bash", "zsh", "ash"].contains(&name.as_str()) && enables_pipefail(&shell.words[1..])
    {
        ShellKind::Pipefail
    } else {
        ShellKind::Plain
    }
}

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    let mut hits = Vec::new();
    for stage in &df.stages {
        let mut shell = ShellKind::Plain;
        for ins in df.stage_instructions(stage.index) {
            if ins.is("SHELL") {
                shell = shell_kind(ins);
                continue;
            }
            if !ins.is("RUN") || ins.is_exec_form() || !matches!(shell, ShellKind::Plain) {
                continue;
            }
            let commands = ins.commands();
            let piped = commands.iter().any(|c| c.pipe_from.is_some());
            let set = commands
                .iter()
                .any(|c| c.program() == Some("set") && enables_pipefail(&c.argv()[1..]));
            if piped && !set {
                hits.push(hit(ins, "RUN uses a pipe without 'set -o pipefail'; a failure before the last command goes unnoticed"));
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
    fn fails_for_pipe_without_pipefail() {
        let found = hits(
            &CHECK,
            "FROM a:1\nRUN curl -fsSL https://x/a.tgz | tar xz\nSHELL [\"/bin/sh\", \"-c\"]\nRUN a | b\n",
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].start_line, 2);
    }

    #[test]
    fn passes_with_pipefail_or_no_pipe() {
        let text = "FROM a:1\nRUN set -euo pipefail; curl x | tar x\nRUN echo a || echo b\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN a | b\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL [\"powershell\", \"-Command\"]\nRUN Get-Item x | Remove-Item\n";
        assert!(hits(&CHECK, text).is_empty(), "{:?}", hits(&CHECK, text));
    }
}
