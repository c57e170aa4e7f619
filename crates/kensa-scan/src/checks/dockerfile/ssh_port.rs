//! Exposing port 22 suggests an SSH server in the container: another way
//! in, with its own credentials to manage, where `docker exec` or
//! `kubectl exec` would do.
//!
//! Looks at every `EXPOSE` word: `22`, `22/tcp`, `22/udp`, and port ranges
//! that include 22 (`20-25`).

use kensa_report::Severity;

use super::{hit, port_range};
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-ssh-port",
    aliases: &["DS-0004", "DS004", "AVD-DS-0004"],
    title: "Port 22 exposed",
    severity: Severity::Medium,
    description: "Port 22 is SSH. An SSH daemon in a container is an extra network entry point with long-lived credentials, and is rarely needed since the runtime can open a shell in the container.",
    remediation: "Remove port 22 from EXPOSE and do not run an SSH server in the image; use 'docker exec' or 'kubectl exec' for interactive access.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    df.instructions_named("EXPOSE")
        .filter_map(|expose| {
            let word = expose
                .words
                .iter()
                .find(|w| port_range(w).is_some_and(|(low, high)| low <= 22 && 22 <= high))?;
            Some(hit(expose, format!("EXPOSE '{word}' opens port 22 (SSH)")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_for_port_22() {
        let found = hits(&CHECK, "FROM a:1\nEXPOSE 80 22/tcp\nEXPOSE 20-25\n");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].start_line, 2);
        assert!(found[0].message.contains("'22/tcp'"));
    }

    #[test]
    fn passes_for_other_ports() {
        assert!(hits(&CHECK, "FROM a:1\nEXPOSE 80 443/tcp 2222 ${PORT}\n").is_empty());
    }
}
