//! `ADD` does more than copy: it fetches URLs and unpacks local archives.
//! For plain files that extra behaviour is a surprise waiting to happen (a
//! file that happens to be a tarball gets extracted), so `COPY` is the
//! safer default.
//!
//! Fails for an `ADD` whose sources are all local non-archive files. Passes
//! when a source is a URL (`http://`, `https://`, `git@`, `git://`), an
//! archive (`.tar`, `.tar.gz`, `.tgz`, `.zip`, ...), a variable (`$SRC`,
//! unknown until build time), or one of the `file:`/`multi:`/`dir:`
//! references `docker history` writes.

use kensa_report::Severity;

use super::hit;
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-add-instead-of-copy",
    aliases: &["DS-0005", "DS005", "AVD-DS-0005"],
    title: "ADD instead of COPY",
    severity: Severity::Low,
    description: "ADD extracts local tar archives and downloads URLs. Used for ordinary files it hides that behaviour: an archive placed in the build context is silently unpacked (with the risks of crafted archives), and readers cannot tell what was meant.",
    remediation: "Use COPY for local files and directories; keep ADD only to unpack a local archive or fetch a remote source on purpose.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

const ARCHIVES: &[&str] = &[
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".tzst",
    ".gz", ".bz2", ".xz", ".zst", ".zip",
];

fn is_special(source: &str) -> bool {
    let lower = source.to_ascii_lowercase();
    lower.contains("://")
        || lower.starts_with("git@")
        || lower.contains('$')
        || ["file:", "multi:", "dir:"]
            .iter()
            .any(|p| lower.starts_with(p))
        || ARCHIVES.iter().any(|ext| lower.ends_with(ext))
}

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    df.instructions_named("ADD")
        .filter(|add| add.words.len() >= 2)
        .filter(|add| !add.words[..add.words.len() - 1].iter().any(|s| is_special(s)))
        .map(|add| {
            hit(
                add,
                format!("Use 'COPY {}' instead of 'ADD': nothing here needs ADD's download or unpacking", add.words.join(" ")),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_for_plain_files() {
        let found = hits(
            &CHECK,
            "FROM a:1\nADD --chown=app app.py \\\n    config.yaml /app/\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].start_line, found[0].end_line), (2, 3));
    }

    #[test]
    fn passes_for_urls_archives_and_copy() {
        let text = "FROM a:1\nADD https://example.com/x.bin /x\nADD rootfs.tar.xz /\nADD git@github.com:a/b.git /src\nADD $SRC /dst\nCOPY app.py /app/\n";
        assert!(hits(&CHECK, text).is_empty());
    }
}
