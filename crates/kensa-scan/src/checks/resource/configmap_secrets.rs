//! A ConfigMap that holds a password, token or other secret: ConfigMaps are
//! not encrypted at rest, are readable by anyone who may read ConfigMaps, and
//! end up in logs, dashboards and Git.
//!
//! Fields: `data.<key>` and the `name=value` / `name: value` settings inside
//! each value (env files, YAML, JSON, properties, connection strings).
//!
//! The secret words are Trivy's: password, passwd, passwrd, pswrd, pword,
//! pwd, passphrase, pass, secret, secretkey, appSecret, clientSecret, token,
//! aws_access_key_id. Trivy matches them as substrings, which makes the check
//! famous for false positives (`bypass`, `tokenizer`, `secretName`,
//! `max_tokens`, a `REDIS_PASSWORD=${REDIS_PASSWORD}` reference). kensa keeps
//! the meaning and cuts the noise:
//! - names are split into words (`DB_PASSWORD`, `dbPassword`,
//!   `db.password` give `db` + `password`) and a secret word must be a whole
//!   word; `pass` counts only as the last word (`DB_PASS`, not `pass_through`);
//! - a secret word followed by a word that makes the name a setting *about*
//!   the secret is not a secret (`passwordFile`, `secretName`, `tokenTtl`,
//!   `password_min_length`; see `NOT_A_VALUE`), nor is one preceded by
//!   `existing`, `use` or `from` (`existingSecret` names a Secret object);
//! - the value must carry literal data: empty values, booleans, references
//!   (`${VAR}`, `$VAR`, `$(cmd)`, `{{ tpl }}`, `ENC(...)`), `<placeholders>`
//!   and masks (`****`) pass;
//! - a data key whose value runs over several lines is a file, judged by the
//!   settings inside it, not by its name.
//!
//! Beyond Trivy's words, a PEM private key block (`-----BEGIN ... PRIVATE
//! KEY-----`) anywhere in a value fails the check.
//!
//! No size heuristic skips large ConfigMaps (dashboards, rule files): with
//! whole-word names and literal values they rarely match, and a secret in a
//! large file is still a secret.

use kensa_report::Severity;

use super::configmap::{Candidate, NOT_A_VALUE, names, scan};
use super::support::{is_placeholder, words};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "configmap-secrets",
    aliases: &["KSV-0109", "AVD-KSV-0109"],
    title: "ConfigMap with secrets",
    severity: Severity::High,
    description: "ConfigMaps are meant for non-confidential settings: they are stored unencrypted, shown by kubectl describe, readable by every subject allowed to read ConfigMaps and often committed to Git. A password or token kept in one leaks to all of them.",
    remediation: "Move the password or token into a Secret (or an external secret store) and reference it from the pod with env.valueFrom.secretKeyRef or a secret volume; keep only non-sensitive settings in the ConfigMap.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["ConfigMap"]),
        check,
    },
};

const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passwrd",
    "pswrd",
    "pword",
    "pwd",
    "passphrase",
    "secret",
    "secretkey",
    "appsecret",
    "clientsecret",
    "token",
];

/// Words before a secret word that make the name point at a Secret object.
const REFERENCE_PREFIXES: &[&str] = &["existing", "use", "from"];

/// Whether a setting name names a secret.
fn is_secret_name(name: &str) -> bool {
    let words = words(name);
    let aws_key_id = words.windows(4).enumerate().any(|(i, w)| {
        w == ["aws", "access", "key", "id"]
            && !words
                .get(i + 4)
                .is_some_and(|next| NOT_A_VALUE.contains(&next.as_str()))
    });
    aws_key_id
        || names(
            &words,
            |i, word| SECRET_WORDS.contains(&word) || (word == "pass" && i + 1 == words.len()),
            REFERENCE_PREFIXES,
        )
}

fn judge(candidate: &Candidate<'_>) -> Option<&'static str> {
    (is_secret_name(candidate.name) && !is_placeholder(candidate.value))
        .then_some("what looks like a secret")
}

/// Whether `text` holds a PEM private key block.
fn has_private_key(text: &str) -> bool {
    text.match_indices("-----BEGIN ").any(|(at, _)| {
        text[at..]
            .lines()
            .next()
            .is_some_and(|line| line.trim_end().ends_with("PRIVATE KEY-----"))
    })
}

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    scan(object, "keep it in a Secret", judge, |text| {
        has_private_key(text).then_some("a private key")
    })
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::{CHECK, is_secret_name};

    fn configmap(data: &str) -> String {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: app}}\ndata:\n{data}")
    }

    #[test]
    fn fails_on_a_secret_key() {
        let found = hits(
            &CHECK,
            &configmap("  DB_PASSWORD: hunter2\n  LOG_LEVEL: info\n"),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("data.DB_PASSWORD"));
        assert_eq!(
            found[0].message,
            "ConfigMap 'app' stores what looks like a secret in key 'DB_PASSWORD'; keep it in a Secret"
        );
    }

    #[test]
    fn fails_on_a_secret_inside_a_file() {
        let found = hits(
            &CHECK,
            &configmap(
                "  application.yaml: |\n    spring:\n      datasource:\n        password: s3cr3t\n",
            ),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("data"));
        assert!(
            found[0].message.contains("(setting 'password')"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn fails_on_a_connection_string() {
        let found = hits(
            &CHECK,
            &configmap("  conn: \"Server=db;User Id=sa;Password=p4ss;\"\n"),
        );
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn fails_on_a_private_key() {
        let found = hits(
            &CHECK,
            &configmap(
                "  tls: |\n    -----BEGIN RSA PRIVATE KEY-----\n    MIIEow\n    -----END RSA PRIVATE KEY-----\n",
            ),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "ConfigMap 'app' stores a private key in key 'tls'; keep it in a Secret"
        );
    }

    #[test]
    fn passes_on_references_and_settings_about_secrets() {
        let found = hits(
            &CHECK,
            &configmap(
                "  REDIS_PASSWORD: ${REDIS_PASSWORD}\n  secretName: app-tls\n  tokenTtl: 1h\n  bypass: all\n  max_tokens: \"100\"\n  env: |\n    DB_PASSWORD=\n    API_TOKEN={{ .Values.token }}\n    existingSecret: db-creds\n",
            ),
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn secret_names() {
        for name in [
            "password",
            "DB_PASS",
            "clientSecret",
            "aws_access_key_id",
            "api.token",
            "pwd",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "passwordFile",
            "aws_access_key_id_file",
            "pass_through",
            "tokenizer",
            "secrets",
            "compass",
            "secret_name",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }
}
