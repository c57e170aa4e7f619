//! Build arguments and environment variables end up in the image: `ENV`
//! values in its config, `ARG` values in `docker history`. Credentials
//! passed that way can be read by anyone who can pull the image.
//!
//! Looks at the final stage, as Trivy does, and fails for:
//! - an `ARG` or `ENV` named after a well-known credential variable
//!   (`AWS_SECRET_ACCESS_KEY`, `GITHUB_TOKEN`, `OPENAI_API_KEY`, ..., also
//!   with a `VITE_` or `REACT_APP_` prefix), with or without a value;
//! - an `ARG` or `ENV` naming a credentials file variable
//!   (`GOOGLE_APPLICATION_CREDENTIALS`, `AWS_CONFIG_FILE`, `HF_TOKEN_PATH`)
//!   whose value lies under a `COPY` destination, and a `COPY` into such a
//!   variable;
//! - a `RUN` that logs in with a cloud CLI (`aws configure set
//!   aws_secret_access_key`, `gcloud auth activate-service-account`,
//!   `az login`) without a `--mount=type=secret`.

use kensa_report::Severity;

use super::hit;
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::{Dockerfile, Instruction};

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-secrets-passed",
    aliases: &["DS-0031", "DS031", "AVD-DS-0031"],
    title: "Secrets passed via `build-args` or envs or copied secret files",
    severity: Severity::Critical,
    description: "ENV values are stored in the image configuration and ARG values in its build history, and copied files stay in their layer: a credential passed any of these ways is readable by everyone who can pull the image.",
    remediation: "Pass build-time secrets with 'RUN --mount=type=secret,id=<id>' (docker build --secret) and provide runtime credentials through the orchestrator's secrets or a mounted volume, never through ARG, ENV or COPY.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

const SECRET_ENVS: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "GITHUB_TOKEN",
    "OPENAI_API_KEY",
    "HF_TOKEN",
];

const PREFIXES: &[&str] = &["VITE_", "REACT_APP_"];

const SECRET_FILE_ENVS: &[&str] = &[
    "AWS_CONFIG_FILE",
    "HF_TOKEN_PATH",
    "GOOGLE_APPLICATION_CREDENTIALS",
];

fn is_secret_env(name: &str) -> bool {
    SECRET_ENVS.contains(&name)
        || PREFIXES.iter().any(|p| {
            name.strip_prefix(p)
                .is_some_and(|n| SECRET_ENVS.contains(&n))
        })
}

fn normalize(path: &str) -> &str {
    path.trim_start_matches("./")
        .trim_start_matches('/')
        .trim_end_matches('/')
}

fn is_under(path: &str, dir: &str) -> bool {
    let (path, dir) = (normalize(path), normalize(dir));
    !dir.is_empty()
        && (path == dir
            || path
                .strip_prefix(dir)
                .is_some_and(|rest| rest.starts_with('/')))
}

fn logs_in(run: &Instruction) -> Option<&'static str> {
    run.commands().iter().find_map(|c| {
        let argv: Vec<&str> = c.argv().iter().map(String::as_str).collect();
        match (c.program()?, argv.get(1..).unwrap_or(&[])) {
            ("aws", ["configure", "set", key, ..])
                if key.eq_ignore_ascii_case("aws_access_key_id")
                    || key.eq_ignore_ascii_case("aws_secret_access_key") =>
            {
                Some("aws configure set")
            }
            ("gcloud", ["auth", "activate-service-account", ..]) => {
                Some("gcloud auth activate-service-account")
            }
            ("az", ["login", ..]) => Some("az login"),
            _ => None,
        }
    })
}

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    let Some(stage) = df.final_stage() else {
        return Vec::new();
    };
    let instructions = df.stage_instructions(stage.index);
    let copy_dests: Vec<&str> = instructions
        .iter()
        .filter(|i| i.is("COPY"))
        .filter_map(|i| i.words.last().map(String::as_str))
        .collect();
    let mut hits = Vec::new();
    for ins in instructions {
        if ins.is("ARG") || ins.is("ENV") {
            for var in &ins.variables {
                if is_secret_env(&var.key) {
                    hits.push(hit(
                        ins,
                        format!(
                            "{} '{}' passes a credential into the image; use a secret mount",
                            ins.keyword, var.key
                        ),
                    ));
                } else if SECRET_FILE_ENVS.contains(&var.key.as_str())
                    && let Some(value) = var.value.as_deref().filter(|v| !v.is_empty())
                    && copy_dests.iter().any(|d| is_under(value, d))
                {
                    hits.push(hit(
                        ins,
                        format!(
                            "{} '{}' points at a credentials file copied into the image",
                            ins.keyword, var.key
                        ),
                    ));
                }
            }
        } else if ins.is("COPY") && ins.words.len() == 2 {
            let dest = ins.words[1]
                .trim_start_matches('$')
                .trim_start_matches('{')
                .trim_end_matches('}');
            if SECRET_FILE_ENVS.contains(&dest) {
                hits.push(hit(
                    ins,
                    format!("COPY writes a credentials file into the image at ${dest}"),
                ));
            }
        } else if ins.is("RUN")
            && !ins.flags.iter().any(|f| {
                f.name == "mount"
                    && f.value
                        .as_deref()
                        .is_some_and(|v| v.contains("type=secret"))
            })
            && let Some(login) = logs_in(ins)
        {
            hits.push(hit(
                ins,
                format!("RUN sets up credentials with '{login}' without a secret mount"),
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
    fn fails_for_credentials_in_final_stage() {
        let text = "FROM a:1 AS build\nARG GITHUB_TOKEN\nFROM b:1\nARG AWS_SECRET_ACCESS_KEY\nENV VITE_OPENAI_API_KEY=x\nCOPY src /app\nENV GOOGLE_APPLICATION_CREDENTIALS=./app/key.json\nCOPY key.json $AWS_CONFIG_FILE\nRUN aws configure set aws_secret_access_key $KEY\n";
        let found = hits(&CHECK, text);
        let lines: Vec<u32> = found.iter().map(|h| h.start_line).collect();
        assert_eq!(lines, vec![4, 5, 7, 8, 9]);
    }

    #[test]
    fn passes_for_secret_mounts_and_other_names() {
        let text = "FROM b:1\nARG APP_VERSION=1\nENV GOOGLE_APPLICATION_CREDENTIALS=/run/secrets/gcp.json\nRUN --mount=type=secret,id=aws aws configure set aws_access_key_id $(cat /run/secrets/aws)\n";
        assert!(hits(&CHECK, text).is_empty(), "{:?}", hits(&CHECK, text));
    }
}
