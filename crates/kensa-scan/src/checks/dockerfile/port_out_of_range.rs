//! TCP and UDP ports go from 0 to 65535; an `EXPOSE` outside that range is
//! a typo and makes the build fail.
//!
//! Looks at every numeric `EXPOSE` word, ranges included (`8000-70000`);
//! variables are skipped.

use kensa_report::Severity;

use super::{hit, port_range};
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-port-out-of-range",
    aliases: &["DS-0008", "DS008", "AVD-DS-0008"],
    title: "Exposed port out of range",
    severity: Severity::Critical,
    description: "Ports are 16-bit numbers. An EXPOSE above 65535 cannot be opened: it is a typo, and the port the application really uses is not documented.",
    remediation: "Fix the EXPOSE line to the real port, a number from 0 to 65535.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    let mut hits = Vec::new();
    for expose in df.instructions_named("EXPOSE") {
        for word in &expose.words {
            if port_range(word).is_some_and(|(low, high)| low.max(high) > 65535) {
                hits.push(hit(
                    expose,
                    format!("EXPOSE '{word}' is outside the port range 0-65535"),
                ));
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
    fn fails_above_65535() {
        let found = hits(
            &CHECK,
            "FROM a:1\nEXPOSE 80 65536/udp 8000-70000 99999999999999999999999\n",
        );
        assert_eq!(found.len(), 3);
        assert!(found[0].message.contains("65536/udp"));
    }

    #[test]
    fn passes_in_range() {
        assert!(hits(&CHECK, "FROM a:1\nEXPOSE 0 80 65535/tcp 8000-8010 $PORT\n").is_empty());
    }
}
