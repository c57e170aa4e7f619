//! A password, token or key written as a literal in an `ENV` or `ARG`
//! default is part of the image (config or history) and of the source
//! repository.
//!
//! Looks at every `ENV`, `ARG` and `LABEL` in every stage. Fails when:
//! - the name says it holds a secret (`PASSWORD`, `PASSWD`, `SECRET`,
//!   `TOKEN`, `API_KEY`, `APIKEY`, `ACCESS_KEY`, `PRIVATE_KEY`,
//!   `CREDENTIALS`, ... as a part of the name) and the value is a literal:
//!   not empty, not a variable reference (`$DB_PASSWORD`), and not a path
//!   to a file (`DB_PASSWORD_FILE=/run/secrets/db`); or
//! - whatever the name, the value looks like a known credential format:
//!   AWS access key ids (`AKIA...`, `ASIA...`), GitHub tokens (`ghp_`,
//!   `gho_`, `ghs_`, `ghu_`, `ghr_`, `github_pat_`), GitLab (`glpat-`),
//!   Slack (`xox?-`), Stripe live keys (`sk_live_`), Google API keys
//!   (`AIza...`), npm tokens (`npm_`) and PEM private keys.
//!
//! The message names the variable, never its value. Trivy's DS031 flags a
//! fixed list of well-known variable names whether or not they hold a
//! value; this check is about literal values.

use kensa_report::Severity;

use super::{describe_stage, hit};
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-secret-in-env-or-arg",
    aliases: &[],
    title: "Secret written in an ENV or ARG value",
    severity: Severity::Critical,
    description: "A literal secret in ENV, ARG or LABEL is stored in the image (its configuration or its build history) and in the Dockerfile's repository; anyone who can pull the image or read the source can use it, and rotating it means rebuilding.",
    remediation: "Remove the literal value and rotate the secret. Pass build-time secrets with 'RUN --mount=type=secret' and runtime secrets from the orchestrator (a Kubernetes Secret mounted as a file or referenced with secretKeyRef).",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "CLIENT_KEY",
    "CREDENTIALS",
    "AUTH_KEY",
];

/// Name parts that say the variable holds a reference, not the secret.
const NOT_A_VALUE: &[&str] = &[
    "_FILE",
    "_PATH",
    "_DIR",
    "_URL",
    "_ENDPOINT",
    "_NAME",
    "_ID",
    "_LENGTH",
    "_TTL",
    "_EXPIRY",
    "_HEADER",
    "_TYPE",
];

fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| upper.contains(w))
        && !NOT_A_VALUE.iter().any(|s| upper.ends_with(s))
}

fn literal(value: &str) -> bool {
    let value = value.trim();
    !value.is_empty()
        && !value.starts_with('$')
        && !value.starts_with('/')
        && !value.starts_with("./")
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A prefix followed by at least `min` token characters.
fn prefixed(value: &str, prefix: &str, min: usize) -> bool {
    value.match_indices(prefix).any(|(at, _)| {
        let before_ok = value[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !is_token_char(c));
        before_ok
            && value[at + prefix.len()..]
                .chars()
                .take_while(|c| is_token_char(*c) || *c == '-')
                .count()
                >= min
    })
}

/// The name of the credential format `value` looks like.
fn token_format(value: &str) -> Option<&'static str> {
    let aws = ["AKIA", "ASIA"].iter().any(|p| {
        value.match_indices(p).any(|(at, _)| {
            let rest: String = value[at + 4..].chars().take(17).collect();
            rest.len() >= 16
                && rest
                    .chars()
                    .take(16)
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                && rest
                    .chars()
                    .nth(16)
                    .is_none_or(|c| !c.is_ascii_alphanumeric())
                && value[..at]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_ascii_alphanumeric())
        })
    });
    if aws {
        return Some("an AWS access key id");
    }
    let formats: &[(&str, usize, &str)] = &[
        ("ghp_", 30, "a GitHub token"),
        ("gho_", 30, "a GitHub token"),
        ("ghs_", 30, "a GitHub token"),
        ("ghu_", 30, "a GitHub token"),
        ("ghr_", 30, "a GitHub token"),
        ("github_pat_", 30, "a GitHub token"),
        ("glpat-", 20, "a GitLab token"),
        ("xoxb-", 20, "a Slack token"),
        ("xoxp-", 20, "a Slack token"),
        ("xoxa-", 20, "a Slack token"),
        ("sk_live_", 20, "a Stripe key"),
        ("AIza", 35, "a Google API key"),
        ("npm_", 36, "an npm token"),
    ];
    if let Some((_, _, what)) = formats.iter().find(|(p, min, _)| prefixed(value, p, *min)) {
        return Some(what);
    }
    (value.contains("-----BEGIN") && value.contains("PRIVATE KEY")).then_some("a private key")
}

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    let mut hits = Vec::new();
    for ins in &df.instructions {
        if !(ins.is("ENV") || ins.is("ARG") || ins.is("LABEL")) {
            continue;
        }
        for var in &ins.variables {
            let Some(value) = var.value.as_deref() else {
                continue;
            };
            let reason = match token_format(value) {
                Some(format) => format!("holds what looks like {format}"),
                None if !ins.is("LABEL") && secret_name(&var.key) && literal(value) => {
                    "sets a secret-looking name to a literal value".to_owned()
                }
                None => continue,
            };
            hits.push(hit(
                ins,
                format!(
                    "{} '{}' in {} {reason}; do not bake secrets into the image",
                    ins.keyword,
                    var.key,
                    describe_stage(df, ins.stage)
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
    fn fails_for_literal_secrets() {
        let text = "ARG NPM_TOKEN=abc123\nFROM a:1\nENV DB_PASSWORD=hunter2 \\\n    LOG_LEVEL=info\nENV KEY_ID AKIAIOSFODNN7EXAMPLE\nLABEL note=\"ghp_0123456789abcdefghijABCDEFGHIJ012345\"\n";
        let found = hits(&CHECK, text);
        assert_eq!(found.len(), 4, "{found:?}");
        assert_eq!((found[1].start_line, found[1].end_line), (3, 4));
        assert!(found[1].message.contains("'DB_PASSWORD'"));
        assert!(!found[1].message.contains("hunter2"));
        assert!(found[2].message.contains("AWS access key"));
        assert!(found[3].message.contains("GitHub token"));
    }

    #[test]
    fn passes_for_references_files_and_empty_values() {
        let text = "FROM a:1\nARG GITHUB_TOKEN\nENV DB_PASSWORD=$DB_PASSWORD DB_PASSWORD_FILE=/run/secrets/db TOKEN_URL=https://auth/x\nENV SECRET_DIR /run/secrets\nENV API_KEY=\"\"\nENV MESSAGE=AKIA-is-a-prefix\n";
        assert!(hits(&CHECK, text).is_empty(), "{:?}", hits(&CHECK, text));
    }
}
