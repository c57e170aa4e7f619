//! Installing `sudo` in an image gives its users a way back to root, and
//! is rarely needed in a container: the build already runs as root where
//! it must, and the runtime chooses the user.
//!
//! Fails for a `RUN` whose package manager installs a package named
//! `sudo` (`apt-get`/`apt install`, `apk add`, `yum`/`dnf`/`microdnf
//! install`, `zypper install`/`in`). Using sudo is DS010
//! (`dockerfile-run-sudo`).

use kensa_report::Severity;

use super::{hit, subcommand};
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-install-sudo",
    aliases: &[],
    title: "Installs sudo in the image",
    severity: Severity::Medium,
    description: "With sudo in the image, a process that runs as the non-root USER can become root again if the sudoers configuration allows it, undoing the point of dropping privileges; it also adds a setuid binary with its own history of vulnerabilities.",
    remediation: "Do not install sudo. Run the build steps that need root under 'USER root' and end the stage with 'USER <non-root user>'; if a runtime task needs root, give it a separate, explicitly privileged container.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

const INSTALLERS: &[(&str, &[&str])] = &[
    ("apt-get", &["install"]),
    ("apt", &["install"]),
    ("apk", &["add"]),
    ("yum", &["install"]),
    ("dnf", &["install", "in"]),
    ("microdnf", &["install"]),
    ("zypper", &["install", "in"]),
];

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    df.runs()
        .filter(|run| {
            run.commands().iter().any(|c| {
                let Some((_, subs)) = c
                    .program()
                    .and_then(|p| INSTALLERS.iter().find(|(name, _)| *name == p))
                else {
                    return false;
                };
                let argv = c.argv();
                subcommand(argv, &["-o", "-c", "-t", "-X"]).is_some_and(|(at, sub)| {
                    subs.contains(&sub)
                        && argv[at + 1..]
                            .iter()
                            .any(|w| w == "sudo" || w.starts_with("sudo="))
                })
            })
        })
        .map(|run| hit(run, "RUN installs the sudo package into the image"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_when_installing_sudo() {
        let found = hits(
            &CHECK,
            "FROM debian:12\nRUN apt-get update && apt-get install -y \\\n  curl sudo\nRUN apk add --no-cache sudo\n",
        );
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].start_line, found[0].end_line), (2, 3));
    }

    #[test]
    fn passes_otherwise() {
        assert!(hits(&CHECK, "FROM debian:12\nRUN apt-get install -y curl sudo-ldap-docs && apt-get remove sudo\n").is_empty());
    }
}
