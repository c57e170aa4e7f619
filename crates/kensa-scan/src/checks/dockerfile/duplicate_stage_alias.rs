//! Two stages with the same name make `--from` and `FROM <name>`
//! ambiguous; Docker refuses the file.
//!
//! Stage names are compared case-insensitively. Fails on each `FROM` that
//! reuses a name an earlier stage already has.

use std::collections::HashMap;

use kensa_report::Severity;

use super::hit;
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-duplicate-stage-alias",
    aliases: &["DS-0012", "DS012", "AVD-DS-0012"],
    title: "Duplicate aliases defined in different FROMs",
    severity: Severity::Critical,
    description: "Stage names identify stages for COPY --from, FROM and --target. A name used twice is ambiguous and the build fails.",
    remediation: "Give every stage a distinct name after AS.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut hits = Vec::new();
    for stage in &df.stages {
        let (Some(name), Some(from)) = (&stage.name, df.stage_from(stage.index)) else {
            continue;
        };
        match seen.get(&name.to_ascii_lowercase()) {
            Some(line) => hits.push(hit(
                from,
                format!("Stage name '{name}' is already used by the FROM on line {line}"),
            )),
            None => {
                seen.insert(name.to_ascii_lowercase(), from.start_line);
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
    fn fails_for_reused_name() {
        let found = hits(&CHECK, "FROM a:1 AS build\nFROM b:1 AS Build\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].start_line, 2);
    }

    #[test]
    fn passes_for_distinct_names() {
        assert!(hits(&CHECK, "FROM a:1 AS build\nFROM b:1 AS test\nFROM c:1\n").is_empty());
    }
}
