//! A `FROM` image without a tag, or with `:latest`, changes whenever the
//! upstream image is pushed again: builds stop being reproducible and pick
//! up unreviewed changes.
//!
//! Looks at every stage's `FROM`. Passes for `scratch`, for references to
//! an earlier stage (`FROM build`), for images pinned by digest
//! (`@sha256:...`) and for images whose name or tag comes from a build
//! argument without a default (`FROM $BASE_IMAGE`, `FROM app:${TAG}`): the
//! value is only known at build time. Global `ARG` defaults are
//! substituted first, so `ARG TAG=latest` + `FROM app:$TAG` fails.

use std::collections::HashMap;

use kensa_report::Severity;

use super::{describe_stage, hit};
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-latest-tag",
    aliases: &["DS-0001", "DS001", "AVD-DS-0001"],
    title: "':latest' tag used",
    severity: Severity::Medium,
    description: "An image referenced without a tag, or with ':latest', is whatever was pushed last: rebuilding the same Dockerfile can silently bring in a different base with new bugs or vulnerabilities, and the build cannot be reproduced.",
    remediation: "Name a specific version in every FROM, such as 'FROM python:3.12-slim', or pin the digest ('FROM python@sha256:...').",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    let globals: HashMap<&str, Option<&str>> = df
        .global_args()
        .map(|v| (v.key.as_str(), v.value.as_deref()))
        .collect();
    let mut hits = Vec::new();
    for stage in &df.stages {
        let Some(from) = df.stage_from(stage.index) else {
            continue;
        };
        let base = stage.base.as_str();
        if base.is_empty()
            || base.eq_ignore_ascii_case("scratch")
            || df.stages[..stage.index].iter().any(|s| {
                s.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(base))
            })
        {
            continue;
        }
        let Some(image) = resolve(base, &globals) else {
            continue;
        };
        if image.contains('@') {
            continue; // pinned by digest
        }
        let last = image.rsplit('/').next().unwrap_or(&image);
        let untagged = match last.split_once(':') {
            Some((_, tag)) => tag == "latest",
            None => true,
        };
        if untagged {
            let name = last.split(':').next().unwrap_or(last);
            let prefix = &image[..image.len() - last.len()];
            hits.push(hit(
                from,
                format!(
                    "FROM of {} uses image '{prefix}{name}' without a version tag (it means ':latest'); pin a tag or digest",
                    describe_stage(df, Some(stage.index))
                ),
            ));
        }
    }
    hits
}

/// Substitutes `$NAME`, `${NAME}` and `${NAME:-default}` with the global
/// ARG defaults. `None` when a variable without a value sits in the last
/// path component (the image name or tag): the reference is then unknown.
fn resolve(reference: &str, globals: &HashMap<&str, Option<&str>>) -> Option<String> {
    let last_slash = reference.rfind('/');
    let mut out = String::new();
    let mut rest = reference;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let position = reference.len() - rest.len() + at;
        let after = &rest[at + 1..];
        let (name, default, used) = if let Some(inner) = after.strip_prefix('{') {
            let end = inner.find('}')?;
            let expr = &inner[..end];
            let (name, default) = match expr.split_once(":-").or_else(|| expr.split_once('-')) {
                Some((name, default)) => (name, Some(default)),
                None => (expr, None),
            };
            (name, default, end + 2)
        } else {
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..len], None, len)
        };
        match globals.get(name).copied().flatten().or(default) {
            Some(value) => out.push_str(value),
            None if last_slash.is_none_or(|slash| position > slash) => return None,
            None => {}
        }
        rest = &after[used..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_without_tag_or_with_latest() {
        let found = hits(&CHECK, "FROM ubuntu\nRUN true\nFROM node:latest AS web\n");
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].start_line, found[0].end_line), (1, 1));
        assert!(
            found[0].message.contains("'ubuntu'"),
            "{}",
            found[0].message
        );
        assert!(found[1].message.contains("stage 'web'"));
    }

    #[test]
    fn fails_for_latest_from_an_arg_default() {
        let found = hits(
            &CHECK,
            "ARG TAG=\"latest\"\nARG REGISTRY\nFROM app:${TAG}\nFROM ${REGISTRY}/ubuntu\n",
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].start_line, 3);
        assert!(found[1].message.contains("'/ubuntu'"));
    }

    #[test]
    fn fails_for_registry_with_port_but_no_tag() {
        assert_eq!(hits(&CHECK, "FROM localhost:5000/team/app\n").len(), 1);
    }

    #[test]
    fn passes_for_tags_digests_stages_scratch_and_args() {
        let text = "ARG BASE\nARG VERSION=3.12\nFROM golang:1.23 AS build\nFROM build AS test\nFROM scratch\nFROM python:${VERSION}-slim\nFROM $BASE\nFROM app:${TAG}\nFROM alpine@sha256:abc\nFROM localhost:5000/app:1.0\n";
        assert!(hits(&CHECK, text).is_empty(), "{:?}", hits(&CHECK, text));
    }
}
