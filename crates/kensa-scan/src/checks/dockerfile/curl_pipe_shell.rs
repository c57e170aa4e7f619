//! `curl https://... | sh` runs whatever the server returns at build time,
//! unreviewed and unverified: a compromised or spoofed download becomes
//! code running as root in the build.
//!
//! Fails for a `RUN` where the output of `curl` or `wget` is piped into a
//! shell or interpreter (`sh`, `bash`, `zsh`, `python`, `perl`, ...; also
//! through `sudo`), or where a shell runs a downloaded script through
//! command or process substitution (`sh -c "$(curl ...)"`,
//! `bash <(curl ...)`).

use kensa_report::Severity;

use super::hit;
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::shell::{SHELLS, basename};
use crate::dockerfile::{Dockerfile, ShellCommand};

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-curl-pipe-shell",
    aliases: &[],
    title: "Downloaded script piped into a shell",
    severity: Severity::High,
    description: "Piping a download straight into a shell executes remote code that nobody reviewed and nothing verified. If the server, the DNS or a proxy is compromised, or the script changes, the build runs it with full privileges and the result ships in the image.",
    remediation: "Download the script or binary to a file, check it against a pinned checksum or signature ('echo \"<sha256>  file\" | sha256sum -c -'), then run it; better, install the tool from a package repository or copy it from a pinned image.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

const DOWNLOADERS: &[&str] = &["curl", "wget"];
const INTERPRETERS: &[&str] = &[
    "python", "python2", "python3", "perl", "ruby", "node", "php",
];

fn runs_code(command: &ShellCommand) -> bool {
    command
        .program()
        .is_some_and(|p| SHELLS.contains(&p) || INTERPRETERS.contains(&p))
}

/// Whether a word holds `$(curl ...)`, `` `curl ...` `` or `<(curl ...)`.
fn substitutes_download(word: &str) -> bool {
    ["$(", "<(", "`"].iter().any(|open| {
        word.match_indices(open).any(|(at, _)| {
            let inner = word[at + open.len()..].trim_start();
            let first = inner
                .split(|c: char| c.is_whitespace() || c == ')' || c == '`')
                .next()
                .unwrap_or("");
            DOWNLOADERS.contains(&basename(first))
        })
    })
}

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    let mut hits = Vec::new();
    for run in df.runs() {
        let commands = run.commands();
        let piped = commands.iter().find_map(|c| {
            let source = &commands[c.pipe_from?];
            let downloader = source.program().filter(|p| DOWNLOADERS.contains(p))?;
            runs_code(c).then(|| (downloader, c.program().unwrap_or("sh")))
        });
        if let Some((downloader, shell)) = piped {
            hits.push(hit(
                run,
                format!(
                    "RUN pipes the output of {downloader} into {shell}; download, verify, then run"
                ),
            ));
            continue;
        }
        let substituted = commands
            .iter()
            .find(|c| runs_code(c) && c.argv().iter().skip(1).any(|w| substitutes_download(w)));
        if let Some(command) = substituted {
            hits.push(hit(
                run,
                format!(
                    "RUN has {} execute a script fetched on the fly; download, verify, then run",
                    command.program().unwrap_or("a shell")
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
    fn fails_for_pipes_and_substitutions() {
        let text = "FROM a:1\nRUN curl -fsSL https://get.example.com \\\n    | sudo bash -s -- --yes\nRUN wget -qO- https://x/install.sh | sh\nRUN sh -c \"$(curl -fsSL https://x/install.sh)\"\nRUN bash <(wget -qO- https://x)\nRUN curl -sSL https://install.python-poetry.org | python3 -\n";
        let found = hits(&CHECK, text);
        let lines: Vec<(u32, u32)> = found.iter().map(|h| (h.start_line, h.end_line)).collect();
        assert_eq!(
            lines,
            vec![(2, 3), (4, 4), (5, 5), (6, 6), (7, 7)],
            "{found:?}"
        );
    }

    #[test]
    fn passes_for_verified_downloads() {
        let text = "FROM a:1\nRUN curl -fsSLo /tmp/i.sh https://x/i.sh && echo \"abc  /tmp/i.sh\" | sha256sum -c - && sh /tmp/i.sh\nRUN curl -fsSL https://x/a.tgz | tar xz\n";
        assert!(hits(&CHECK, text).is_empty(), "{:?}", hits(&CHECK, text));
    }
}
