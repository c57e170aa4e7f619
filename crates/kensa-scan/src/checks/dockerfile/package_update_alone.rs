//! A `RUN apt-get update` on its own line is cached as a layer: later
//! `RUN apt-get install` lines reuse that old index and install outdated
//! packages (or fail when the versions are gone).
//!
//! Fails for a `RUN` where a package manager (`apt-get`/`apt`, `yum`,
//! `apk`, `dnf`, `zypper`) runs `update` (or `up`) and the same manager
//! does not install anything (`install`, `add`, `upgrade`, ...) later in
//! the same `RUN`.

use kensa_report::Severity;

use super::{hit, subcommand};
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-package-update-alone",
    aliases: &["DS-0017", "DS017", "AVD-DS-0017"],
    title: "'RUN <package-manager> update' instruction alone",
    severity: Severity::High,
    description: "The layer of a lone 'update' RUN is cached. Install steps in later RUN instructions then use that stale index: they install old versions, or fail when those versions have been removed from the mirrors.",
    remediation: "Run the index update and the install in the same RUN, e.g. 'RUN apt-get update && apt-get install -y --no-install-recommends <packages>'.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

const FAMILIES: &[&[&str]] = &[
    &["apt-get", "apt"],
    &["yum"],
    &["apk"],
    &["dnf"],
    &["zypper"],
];
const UPDATE: &[&str] = &["update", "up"];
const INSTALL: &[&str] = &[
    "upgrade",
    "install",
    "source-install",
    "reinstall",
    "groupinstall",
    "localinstall",
    "add",
];

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    let mut hits = Vec::new();
    for run in df.runs() {
        let commands = run.commands();
        // (family, subcommand) of every package-manager command, in order.
        let calls: Vec<(usize, &str)> = commands
            .iter()
            .filter_map(|c| {
                let program = c.program()?;
                let family = FAMILIES.iter().position(|f| f.contains(&program))?;
                let (_, sub) = subcommand(c.argv(), &["-o", "-c", "-X", "--repository"])?;
                Some((family, sub))
            })
            .collect();
        let lone = calls.iter().enumerate().find(|(i, (family, sub))| {
            UPDATE.contains(sub)
                && !calls[i + 1..]
                    .iter()
                    .any(|(f, s)| f == family && INSTALL.contains(s))
        });
        if let Some((_, (family, _))) = lone {
            hits.push(hit(
                run,
                format!(
                    "RUN updates the {} package index without installing in the same RUN; the cached index goes stale",
                    FAMILIES[*family][0]
                ),
            ));
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_for_lone_update() {
        let found = hits(
            &CHECK,
            "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\nRUN apk update\n",
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].start_line, 2);
        assert_eq!(found[1].start_line, 4);
    }

    #[test]
    fn passes_with_install_after_update() {
        let text = "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN apk update && apk add --no-cache x\nRUN yum -y update && yum -y install y\nRUN apt update && apt-get upgrade -y\n";
        assert!(hits(&CHECK, text).is_empty());
    }
}
