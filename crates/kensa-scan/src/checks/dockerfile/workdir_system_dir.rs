//! A `WORKDIR` inside `/proc`, `/dev`, `/boot` and similar system
//! directories makes the build write where the kernel or runtime mounts
//! special filesystems: at best it breaks, at worst it touches the host.
//!
//! Fails for a `WORKDIR` equal to or below `/proc`, `/boot`, `/dev`,
//! `/initrd` or `/lost+found`.

use kensa_report::Severity;

use super::hit;
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-workdir-system-dir",
    aliases: &["DS-0030", "DS030", "AVD-DS-0030"],
    title: "WORKDIR should not be mounted on system dirs",
    severity: Severity::High,
    description: "System directories such as /proc and /dev are mounted by the container runtime. Working there means build steps and the application write into kernel or device filesystems, which can break the container or help an escape.",
    remediation: "Use an application directory for WORKDIR, such as /app or /srv/<name>.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

const SYSTEM_DIRS: &[&str] = &["/proc", "/boot", "/dev", "/initrd", "/lost+found"];

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    df.instructions_named("WORKDIR")
        .filter_map(|workdir| {
            let path = workdir.words.first()?;
            let trimmed = path.trim_end_matches('/');
            let dir = SYSTEM_DIRS.iter().find(|d| {
                trimmed == **d
                    || trimmed
                        .strip_prefix(**d)
                        .is_some_and(|rest| rest.starts_with('/'))
            })?;
            Some(hit(
                workdir,
                format!("WORKDIR '{path}' is inside the system directory {dir}"),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_for_system_dirs() {
        assert_eq!(
            hits(&CHECK, "FROM a:1\nWORKDIR /proc/self/\nWORKDIR \"/dev\"\n").len(),
            2
        );
    }

    #[test]
    fn passes_for_app_dirs() {
        assert!(
            hits(
                &CHECK,
                "FROM a:1\nWORKDIR /app\nWORKDIR /devtools\nWORKDIR /srv/proc\n"
            )
            .is_empty()
        );
    }
}
