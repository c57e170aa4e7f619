//! The dockerfile checks: Trivy's `DS` checks (ids `DS-0001`, `DS001` and
//! `AVD-DS-0001` as aliases) and kensa's own.
//!
//! Checks read the parsed model ([`crate::dockerfile`]): commands come from
//! [`Instruction::commands`], which splits shell text into simple commands,
//! so `sudo apt-get install` and `bash -c "apt-get install ..."` are seen
//! as `apt-get` runs. Each hit points at the instruction at fault, from its
//! first to its last line (continuations and heredocs included).

use crate::check::{Check, DockerfileHit};
use crate::dockerfile::{Dockerfile, Instruction, Stage};

mod add_instead_of_copy;
mod apk_no_cache;
mod apt_get_dist_upgrade;
mod apt_get_no_install_recommends;
mod apt_get_yes;
mod copy_dest_slash;
mod copy_from_own_stage;
mod curl_pipe_shell;
mod dnf_clean;
mod duplicate_stage_alias;
mod install_sudo;
mod latest_tag;
mod maintainer;
mod microdnf_clean;
mod multiple_cmd;
mod multiple_entrypoint;
mod multiple_healthcheck;
mod no_healthcheck;
mod package_update_alone;
mod pipefail;
mod port_out_of_range;
mod relative_workdir;
mod root_user;
mod run_cd;
mod run_sudo;
mod secret_in_env_or_arg;
mod secrets_passed;
mod ssh_port;
mod wget_and_curl;
mod workdir_system_dir;
mod yum_clean;
mod zypper_clean;

/// The dockerfile checks, in registry order.
pub(crate) static CHECKS: &[&Check] = &[
    &latest_tag::CHECK,
    &root_user::CHECK,
    &ssh_port::CHECK,
    &add_instead_of_copy::CHECK,
    &copy_from_own_stage::CHECK,
    &multiple_entrypoint::CHECK,
    &port_out_of_range::CHECK,
    &relative_workdir::CHECK,
    &run_sudo::CHECK,
    &copy_dest_slash::CHECK,
    &duplicate_stage_alias::CHECK,
    &run_cd::CHECK,
    &wget_and_curl::CHECK,
    &yum_clean::CHECK,
    &multiple_cmd::CHECK,
    &package_update_alone::CHECK,
    &dnf_clean::CHECK,
    &zypper_clean::CHECK,
    &apt_get_yes::CHECK,
    &maintainer::CHECK,
    &multiple_healthcheck::CHECK,
    &apt_get_dist_upgrade::CHECK,
    &apk_no_cache::CHECK,
    &no_healthcheck::CHECK,
    &microdnf_clean::CHECK,
    &apt_get_no_install_recommends::CHECK,
    &workdir_system_dir::CHECK,
    &secrets_passed::CHECK,
    &pipefail::CHECK,
    &secret_in_env_or_arg::CHECK,
    &curl_pipe_shell::CHECK,
    &install_sudo::CHECK,
];

/// A hit on an instruction, spanning all its lines.
fn hit(instruction: &Instruction, message: impl Into<String>) -> DockerfileHit {
    DockerfileHit {
        message: message.into(),
        start_line: instruction.start_line,
        end_line: instruction.end_line,
    }
}

/// How a message names a stage: `stage 'build'` or `stage 2 (alpine:3.20)`.
fn describe_stage(df: &Dockerfile, stage: Option<usize>) -> String {
    match stage.and_then(|s| df.stages.get(s)) {
        Some(Stage {
            name: Some(name), ..
        }) => format!("stage '{name}'"),
        Some(stage) => format!("stage {} ({})", stage.index + 1, stage.base),
        None => "the global scope".to_owned(),
    }
}

/// The ports of one `EXPOSE` word (`80`, `8000-8010/tcp`) as a range;
/// `None` for words that are not numbers (variables). Numbers too large
/// for `u64` read as `u64::MAX`.
fn port_range(word: &str) -> Option<(u64, u64)> {
    let ports = word.split('/').next().unwrap_or(word);
    let number = |s: &str| {
        (!s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
            .then(|| s.parse::<u64>().unwrap_or(u64::MAX))
    };
    match ports.split_once('-') {
        Some((low, high)) => Some((number(low)?, number(high)?)),
        None => number(ports).map(|p| (p, p)),
    }
}

/// For "only one X per stage" checks: one hit on each `keyword` instruction
/// that a later one in the same stage overrides.
fn overridden(df: &Dockerfile, keyword: &str) -> Vec<DockerfileHit> {
    let mut hits = Vec::new();
    for stage in &df.stages {
        let found: Vec<&Instruction> = df
            .stage_instructions(stage.index)
            .iter()
            .filter(|i| i.is(keyword))
            .collect();
        let Some(last) = found.last() else {
            continue;
        };
        for earlier in &found[..found.len() - 1] {
            hits.push(hit(
                earlier,
                format!(
                    "{keyword} on line {} of {} has no effect: the {keyword} on line {} replaces it ({} {keyword} instructions in the stage)",
                    earlier.start_line,
                    describe_stage(df, Some(stage.index)),
                    last.start_line,
                    found.len()
                ),
            ));
        }
    }
    hits
}

/// The first word after the program that is not an option, skipping the
/// values of the options in `with_value`: `install` for
/// `apt-get -o Acquire::Retries=3 -y install curl`. Returns its index in
/// `argv` too.
fn subcommand<'a>(argv: &'a [String], with_value: &[&str]) -> Option<(usize, &'a str)> {
    let mut i = 1;
    while let Some(word) = argv.get(i) {
        if word.starts_with('-') && word.len() > 1 {
            let takes_value = !word.contains('=') && with_value.contains(&word.as_str());
            i += if takes_value { 2 } else { 1 };
            continue;
        }
        return Some((i, word.as_str()));
    }
    None
}

/// Whether `argv` has the short option `short` (alone or in a cluster such
/// as `-qy`) or one of the long options `long`.
fn has_option(argv: &[String], short: Option<char>, long: &[&str]) -> bool {
    argv.iter().skip(1).any(|word| {
        if let Some(name) = word.strip_prefix("--") {
            let name = name.split('=').next().unwrap_or(name);
            return long.iter().any(|l| l.trim_start_matches('-') == name);
        }
        match (word.strip_prefix('-'), short) {
            (Some(cluster), Some(short)) => {
                !cluster.is_empty()
                    && cluster.chars().all(|c| c.is_ascii_alphanumeric())
                    && cluster.contains(short)
            }
            _ => false,
        }
    })
}

/// The `apt-get` options that take a value.
const APT_GET_VALUE_OPTIONS: &[&str] = &[
    "-o",
    "-c",
    "-t",
    "--option",
    "--config-file",
    "--target-release",
];

/// The package-manager runs of an instruction whose subcommand is one of
/// `subcommands`, for the program `program`.
fn package_runs(
    instruction: &Instruction,
    program: &str,
    with_value: &[&str],
    subcommands: &[&str],
) -> Vec<Vec<String>> {
    instruction
        .commands()
        .iter()
        .filter(|c| c.program() == Some(program))
        .filter_map(|c| {
            let argv = c.argv();
            let (_, sub) = subcommand(argv, with_value)?;
            subcommands.contains(&sub).then(|| argv.to_vec())
        })
        .collect()
}

/// For "clean after install" checks: whether every install by `program`
/// in the instruction is followed, later in the same instruction, by a
/// clean command (a run of `program` whose subcommand is in `clean` and,
/// when `needs_all` is set, that has an `all` argument).
fn install_without_clean(
    instruction: &Instruction,
    program: &str,
    install: &[&str],
    clean: &[&str],
    needs_all: bool,
) -> bool {
    let commands = instruction.commands();
    let mut last_install = None;
    let mut last_clean = None;
    for (i, command) in commands.iter().enumerate() {
        if command.program() != Some(program) {
            continue;
        }
        let argv = command.argv();
        let Some((at, sub)) = subcommand(argv, &[]) else {
            continue;
        };
        if install.contains(&sub) {
            last_install = Some(i);
        } else if clean.contains(&sub) && (!needs_all || argv[at + 1..].iter().any(|w| w == "all"))
        {
            last_clean = Some(i);
        }
    }
    match (last_install, last_clean) {
        (Some(install), Some(clean)) => clean < install,
        (Some(_), None) => true,
        _ => false,
    }
}

#[cfg(test)]
fn hits(check: &Check, text: &str) -> Vec<DockerfileHit> {
    crate::testing::dockerfile_hits(check, &crate::dockerfile::parse(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn subcommand_skips_options() {
        assert_eq!(
            subcommand(
                &argv("apt-get -o Acquire::Retries=3 -qy install curl"),
                APT_GET_VALUE_OPTIONS
            ),
            Some((4, "install"))
        );
        assert_eq!(subcommand(&argv("apt-get -y"), &[]), None);
    }

    #[test]
    fn options() {
        assert!(has_option(
            &argv("apt-get install -qy x"),
            Some('y'),
            &["--yes"]
        ));
        assert!(has_option(
            &argv("apt-get install --assume-yes x"),
            Some('y'),
            &["--yes", "--assume-yes"]
        ));
        assert!(!has_option(
            &argv("apt-get install --yesterday x"),
            Some('y'),
            &["--yes"]
        ));
        assert!(!has_option(&argv("apt-get install y"), Some('y'), &[]));
    }

    #[test]
    fn every_check_is_a_dockerfile_check_with_trivy_style_aliases() {
        for check in CHECKS {
            assert!(
                matches!(check.run, crate::check::Run::Dockerfile(_)),
                "{}",
                check.id
            );
            assert!(check.id.starts_with("dockerfile-"), "{}", check.id);
            for alias in check.aliases {
                assert!(
                    alias.starts_with("DS") || alias.starts_with("AVD-DS-"),
                    "{alias}"
                );
            }
        }
    }

    /// Runs every dockerfile check on a fixture; returns the Trivy-style
    /// id (or kensa's id for kensa's own checks) of each check that fires,
    /// sorted, with the first line of its first hit.
    fn fired(text: &str) -> Vec<(String, u32)> {
        let df = crate::dockerfile::parse(text);
        assert!(
            df.errors().next().is_none(),
            "fixture does not parse: {:?}",
            df.diagnostics
        );
        let mut out: Vec<(String, u32)> = CHECKS
            .iter()
            .filter_map(|check| {
                let crate::check::Run::Dockerfile(run) = check.run else {
                    return None;
                };
                let found = run(&df);
                let first = found.first()?;
                let name = check.aliases.get(1).copied().unwrap_or(check.id);
                Some((name.to_owned(), first.start_line))
            })
            .collect();
        out.sort();
        out
    }

    fn expect(found: Vec<(String, u32)>, expected: &[(&str, u32)]) {
        let expected: Vec<(String, u32)> = expected
            .iter()
            .map(|(n, l)| ((*n).to_owned(), *l))
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn fixture_go_multistage_good() {
        let found = fired(include_str!(
            "../../../tests/fixtures/dockerfiles/go-multistage-good.Dockerfile"
        ));
        expect(found, &[]);
    }

    #[test]
    fn fixture_legacy_debian_bad() {
        let found = fired(include_str!(
            "../../../tests/fixtures/dockerfiles/legacy-debian-bad.Dockerfile"
        ));
        expect(
            found,
            &[
                ("DS001", 1),
                ("DS002", 1),
                ("DS004", 17),
                ("DS005", 14),
                ("DS009", 16),
                ("DS011", 15),
                ("DS013", 12),
                ("DS014", 13),
                ("DS016", 18),
                ("DS017", 8),
                ("DS021", 9),
                ("DS022", 2),
                ("DS026", 1),
                ("DS029", 9),
                ("DS031", 6),
                ("DS032", 12),
                ("dockerfile-curl-pipe-shell", 12),
                ("dockerfile-install-sudo", 9),
                ("dockerfile-secret-in-env-or-arg", 4),
            ],
        );
    }

    #[test]
    fn fixture_alpine_heredoc_mixed() {
        let found = fired(include_str!(
            "../../../tests/fixtures/dockerfiles/alpine-heredoc-mixed.Dockerfile"
        ));
        expect(found, &[("DS025", 3), ("DS026", 9)]);
    }

    #[test]
    fn fixture_rhel_packages_bad() {
        let found = fired(include_str!(
            "../../../tests/fixtures/dockerfiles/rhel-packages-bad.Dockerfile"
        ));
        expect(
            found,
            &[
                ("DS002", 9),
                ("DS006", 6),
                ("DS007", 10),
                ("DS008", 8),
                ("DS010", 2),
                ("DS012", 5),
                ("DS015", 2),
                ("DS019", 2),
                ("DS020", 2),
                ("DS023", 12),
                ("DS030", 7),
            ],
        );
    }

    /// A cheap stand-in for the fuzz target: random mixes of Dockerfile
    /// fragments through the parser and every check.
    #[test]
    fn random_fragments_never_panic() {
        const FRAGMENTS: &[&str] = &[
            "FROM ",
            "RUN ",
            "COPY ",
            "ADD ",
            "ENV ",
            "ARG ",
            "USER ",
            "WORKDIR ",
            "EXPOSE ",
            "HEALTHCHECK ",
            "CMD ",
            "SHELL ",
            "AS ",
            "--from=",
            "--mount=type=secret",
            "<<EOF",
            "<<-'X'",
            "EOF",
            "X",
            "\\",
            "`",
            "\n",
            "\t",
            "# escape=`",
            "#",
            "[\"a\"",
            "]",
            "\"",
            "'",
            "$(",
            ")",
            "${A:-",
            "}",
            "|",
            "&&",
            ";",
            "sh -c ",
            "curl ",
            "apt-get ",
            "install ",
            "-y ",
            "apk add ",
            "sudo ",
            "cd ",
            "=",
            "a",
            "22",
            "-",
            "/",
            ":",
            "@",
            "\r\n",
            "é",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..3000 {
            let len = (next() % 40) as usize;
            let text: String = (0..len)
                .map(|_| FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize])
                .collect();
            let df = crate::dockerfile::parse(&text);
            let lines = u32::try_from(text.split('\n').count()).unwrap_or(u32::MAX);
            for ins in &df.instructions {
                assert!(
                    ins.start_line >= 1 && ins.start_line <= ins.end_line && ins.end_line <= lines,
                    "{text:?}"
                );
            }
            for check in CHECKS {
                let crate::check::Run::Dockerfile(run) = check.run else {
                    unreachable!()
                };
                for h in run(&df) {
                    assert!(
                        h.start_line <= h.end_line && h.end_line <= lines,
                        "{} on {text:?}",
                        check.id
                    );
                }
            }
        }
    }

    #[test]
    fn no_check_panics_on_odd_input() {
        let inputs = [
            "",
            "FROM",
            "RUN <<EOF",
            "FROM a AS b\nFROM b AS b\nCOPY --from=b",
            "EXPOSE 99999999999999999999 -1 a-b/c",
            "USER",
            "WORKDIR",
            "ADD",
            "COPY a",
            "ENV =",
            "ARG",
        ];
        for input in inputs {
            let df = crate::dockerfile::parse(input);
            for check in CHECKS {
                let crate::check::Run::Dockerfile(run) = check.run else {
                    unreachable!()
                };
                let _ = run(&df);
            }
        }
    }
}
