//! `cd` in a `RUN` only lasts for that `RUN`; `WORKDIR` says where the
//! following instructions work, once and visibly.
//!
//! Fails for a `RUN` that runs `cd` (anywhere in its shell text).

use kensa_report::Severity;

use super::hit;
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-run-cd",
    aliases: &["DS-0013", "DS013", "AVD-DS-0013"],
    title: "'RUN cd ...' to change directory",
    severity: Severity::Medium,
    description: "A directory change with cd inside RUN is forgotten at the end of the instruction, so chains of 'cd ... &&' are repeated and easy to get wrong; WORKDIR is explicit and applies to what follows.",
    remediation: "Set the directory with 'WORKDIR /path' before the RUN instead of 'cd /path &&'.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    df.runs()
        .filter_map(|run| {
            let commands = run.commands();
            let cd = commands.iter().find(|c| c.program() == Some("cd"))?;
            let target = cd.argv().get(1).map(String::as_str).unwrap_or("~");
            Some(hit(
                run,
                format!("RUN changes directory with 'cd {target}'; use 'WORKDIR {target}' instead"),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_for_cd() {
        let found = hits(&CHECK, "FROM a:1\nRUN cd /src && make\n");
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("WORKDIR /src"));
    }

    #[test]
    fn passes_with_workdir() {
        assert!(hits(&CHECK, "FROM a:1\nWORKDIR /src\nRUN make && echo cd\n").is_empty());
    }
}
