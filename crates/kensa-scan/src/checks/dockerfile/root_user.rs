//! An image whose final stage never switches to another user runs its
//! processes as root, unless the runtime says otherwise.
//!
//! Looks at the final stage: the last `USER` in it, or inherited from the
//! earlier stage it is built on (`FROM build`). Fails when there is none
//! (the hit points at the stage's `FROM`) or when it is `root` or `0`
//! (with or without a group). `USER` in other stages does not count: it
//! does not reach the image. Trivy looks at the last `USER` of the whole
//! file instead.

use kensa_report::Severity;

use super::{describe_stage, hit};
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-root-user",
    aliases: &["DS-0002", "DS002", "AVD-DS-0002"],
    title: "Image user should not be 'root'",
    severity: Severity::High,
    description: "Without a non-root USER, the container's processes run as root: a compromise of the application gives root inside the container, and any escape or writable host mount is then root on the node too.",
    remediation: "Create an unprivileged user in the image and end the final stage with 'USER <name or uid>' (not root or 0), for example 'RUN useradd -r -u 10001 app' then 'USER 10001'.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    let Some(stage) = df.final_stage() else {
        return Vec::new();
    };
    match df.effective_user(stage.index) {
        None => df
            .stage_from(stage.index)
            .map(|from| {
                hit(
                    from,
                    format!(
                        "The final {} sets no USER, so the image runs as root; add 'USER <non-root user>'",
                        describe_stage(df, Some(stage.index))
                    ),
                )
            })
            .into_iter()
            .collect(),
        Some(user) => {
            let spec = user.words.first().map(String::as_str).unwrap_or("");
            let name = spec.split(':').next().unwrap_or(spec);
            if name == "root" || name == "0" {
                vec![hit(
                    user,
                    format!("The last USER of the final image is '{spec}'; switch to a non-root user"),
                )]
            } else {
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_without_user() {
        let found = hits(
            &CHECK,
            "FROM golang:1.23 AS build\nUSER app\nFROM alpine:3.20\nRUN true\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].start_line, 3);
    }

    #[test]
    fn fails_when_last_user_is_root() {
        let found = hits(&CHECK, "FROM alpine:3.20\nUSER app\nRUN true\nUSER 0:0\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].start_line, 4);
        assert_eq!(hits(&CHECK, "FROM alpine:3.20\nUSER root\n").len(), 1);
    }

    #[test]
    fn passes_with_non_root_user_own_or_inherited() {
        assert!(
            hits(
                &CHECK,
                "FROM alpine:3.20\nUSER root\nRUN apk add --no-cache curl\nUSER 10001:10001\n"
            )
            .is_empty()
        );
        assert!(
            hits(
                &CHECK,
                "FROM alpine:3.20 AS base\nUSER app\nFROM base\nRUN true\n"
            )
            .is_empty()
        );
        assert!(hits(&CHECK, "FROM alpine:3.20\nUSER rootless\n").is_empty());
    }
}
