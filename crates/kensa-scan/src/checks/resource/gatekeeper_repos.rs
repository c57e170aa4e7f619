//! A Gatekeeper `K8sAllowedRepos` constraint allows images whose reference
//! *starts with* one of its repos. A repo without a `/` or `:` after the
//! registry (`gcr.io`, `myregistry`) also admits `gcr.io.attacker.com/...` or
//! `myregistry-evil.io/...`, and a bare Docker Hub account
//! (`docker.io/myorg`) also admits `docker.io/myorg-evil/...`.
//!
//! Fields: `spec.parameters.repos[*]` of `K8sAllowedRepos` objects of the
//! `constraints.gatekeeper.sh` group (Trivy looks at `v1beta1` only; kensa
//! at every version of the group). Fails on a repo with neither `/` nor
//! `:`, and on `docker.io` followed by at most one path segment (Trivy's
//! test).

use kensa_report::Severity;
use serde_json::Value;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "gatekeeper-open-ended-repo",
    aliases: &["KSV-0124", "AVD-KSV-0124"],
    title: "Gatekeeper repo reference is ambiguously open-ended",
    severity: Severity::High,
    description: "K8sAllowedRepos compares image references by prefix. A repo entry that stops at a registry host or a Docker Hub account name also matches hosts and accounts that merely start with the same letters, which an attacker can register to get their images admitted.",
    remediation: "End every entry of spec.parameters.repos with a '/' (or ':' for one image), e.g. 'gcr.io/my-project/' instead of 'gcr.io' and 'docker.io/myorg/' instead of 'docker.io/myorg'.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["K8sAllowedRepos"]),
        check,
    },
};

/// Whether a repo prefix admits more than its author meant.
fn is_open_ended(repo: &str) -> bool {
    if !repo.contains('/') && !repo.contains(':') {
        return true;
    }
    let parts: Vec<&str> = repo.split('/').collect();
    parts[0] == "docker.io" && parts.len() <= 2
}

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let group = object
        .object
        .api_version
        .rsplit_once('/')
        .map_or("", |(group, _)| group);
    if group != "constraints.gatekeeper.sh" {
        return Vec::new();
    }
    object
        .body_at("spec.parameters.repos")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, repo)| Some((i, repo.as_str()?)))
        .filter(|(_, repo)| is_open_ended(repo))
        .map(|(i, repo)| {
            Hit::at(
                format!("spec.parameters.repos[{i}]"),
                format!(
                    "{} allows repo prefix '{repo}', which also matches other registries or accounts; end it with '/'",
                    object.describe()
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::{CHECK, is_open_ended};

    #[test]
    fn fails_on_open_ended_prefixes() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAllowedRepos
metadata: {name: repos}
spec:
  parameters:
    repos: ["gcr.io/my-project/", "docker.io/myorg", "quay.io"]
"#,
        );
        let paths: Vec<_> = found.iter().map(|h| h.path.as_deref().unwrap()).collect();
        assert_eq!(
            paths,
            ["spec.parameters.repos[1]", "spec.parameters.repos[2]"]
        );
        assert_eq!(
            found[1].message,
            "K8sAllowedRepos 'repos' allows repo prefix 'quay.io', which also matches other registries or accounts; end it with '/'"
        );
    }

    #[test]
    fn passes_on_closed_prefixes_and_other_groups() {
        for yaml in [
            "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sAllowedRepos\nmetadata: {name: r}\nspec:\n  parameters:\n    repos: [\"docker.io/library/\", \"registry.corp.io:5000\"]\n",
            "apiVersion: example.com/v1\nkind: K8sAllowedRepos\nmetadata: {name: r}\nspec:\n  parameters:\n    repos: [\"gcr.io\"]\n",
        ] {
            assert!(hits(&CHECK, yaml).is_empty(), "{yaml}");
        }
        assert!(!is_open_ended("docker.io/library/nginx"));
    }
}
