//! Using both `wget` and `curl` means two download tools (and their
//! dependencies) in the image where one does the job.
//!
//! Looks at the programs the `RUN` instructions run (installing a package
//! named curl or wget does not count). Fails once, on the first `RUN` that
//! brings in the second tool.

use kensa_report::Severity;

use super::hit;
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::{Dockerfile, Instruction};

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-wget-and-curl",
    aliases: &["DS-0014", "DS014", "AVD-DS-0014"],
    title: "RUN using 'wget' and 'curl'",
    severity: Severity::Low,
    description: "curl and wget do the same job. Using both adds a tool (and its attack surface) to the image and makes the download steps inconsistent.",
    remediation: "Pick one of curl or wget and use it for every download.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

fn first_use<'a>(df: &'a Dockerfile, tool: &str) -> Option<&'a Instruction> {
    df.runs()
        .find(|run| run.commands().iter().any(|c| c.program() == Some(tool)))
}

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    let (Some(curl), Some(wget)) = (first_use(df, "curl"), first_use(df, "wget")) else {
        return Vec::new();
    };
    let (first, second, second_tool) = if curl.start_line <= wget.start_line {
        (curl, wget, "wget")
    } else {
        (wget, curl, "curl")
    };
    let first_tool = if second_tool == "wget" {
        "curl"
    } else {
        "wget"
    };
    vec![hit(
        second,
        format!(
            "This RUN uses {second_tool} while the RUN on line {} uses {first_tool}; use only one of them",
            first.start_line
        ),
    )]
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_for_both() {
        let found = hits(
            &CHECK,
            "FROM a:1\nRUN wget -q https://x/a\nRUN curl -fsSL https://x/b -o b\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].start_line, 3);
    }

    #[test]
    fn passes_for_one_tool() {
        assert!(
            hits(
                &CHECK,
                "FROM a:1\nRUN apt-get install -y curl wget\nRUN curl -fsSL https://x -o x\n"
            )
            .is_empty()
        );
    }
}
