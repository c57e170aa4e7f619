//! git-sync runs whatever program its `GITSYNC_GIT` setting names as its
//! git binary. Anyone who can edit the workload (or the ConfigMap or Secret
//! feeding that variable) can point it at an arbitrary command, which then
//! runs with the pod's identity and volumes: a known code-injection path
//! (presented at DEF CON 2024).
//!
//! Fields: `env[*].name` of each container and init container, and, for
//! containers whose image contains `git-sync`, their `args` and `command`.
//! Fails for each environment variable named `GITSYNC_GIT` (Checkov's test)
//! or `GIT_SYNC_GIT` (its name before git-sync v4), and for each `--git`
//! flag given to a git-sync container. Passes otherwise, including plain
//! git-sync use with the bundled git.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "git-sync-git-override",
    aliases: &["CKV_K8S_159"],
    title: "git-sync runs a custom git command",
    severity: Severity::Medium,
    description: "git-sync executes the program named by GITSYNC_GIT (or --git) instead of its bundled git. Overriding it turns any write access to the workload's spec or to the ConfigMap or Secret behind the variable into command execution inside the pod, with its service account and mounted volumes.",
    remediation: "Remove the GITSYNC_GIT (GIT_SYNC_GIT) environment variable and any --git flag from git-sync containers so they use the bundled git binary, and restrict who may edit the workload.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

const GIT_VARIABLES: &[&str] = &["GITSYNC_GIT", "GIT_SYNC_GIT"];

fn is_git_flag(arg: &str) -> bool {
    arg == "--git" || arg.starts_with("--git=") || arg == "-git" || arg.starts_with("-git=")
}

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let mut out = Vec::new();
    let subject = object.describe();
    for c in object.containers() {
        let env = c.container.env.as_deref().unwrap_or_default();
        for (j, var) in env.iter().enumerate() {
            if GIT_VARIABLES.contains(&var.name.as_str()) {
                out.push(Hit::at(
                    format!("{}.env[{j}].name", c.path),
                    format!(
                        "Container '{}' of {subject} should not set '{}': git-sync would run that command as git",
                        c.name(),
                        var.name
                    ),
                ));
            }
        }
        let is_git_sync = c
            .container
            .image
            .as_deref()
            .is_some_and(|image| image.contains("git-sync"));
        if !is_git_sync {
            continue;
        }
        for (field, values) in [
            ("args", &c.container.args),
            ("command", &c.container.command),
        ] {
            for (j, arg) in values.iter().flatten().enumerate() {
                if is_git_flag(arg) {
                    out.push(Hit::at(
                        format!("{}.{field}[{j}]", c.path),
                        format!(
                            "Container '{}' of {subject} should not pass '{arg}': git-sync would run that command as git",
                            c.name()
                        ),
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_a_git_override() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: docs}
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx
      - name: sync
        image: registry.k8s.io/git-sync/git-sync:v4.2.4
        args: ["--repo=https://example.com/docs.git", "--git=/tmp/git"]
        env:
        - {name: GITSYNC_PERIOD, value: 30s}
        - {name: GITSYNC_GIT, value: /bin/sh}
"#,
        );
        let paths: Vec<_> = found.iter().filter_map(|h| h.path.as_deref()).collect();
        assert_eq!(
            paths,
            [
                "spec.template.spec.containers[1].env[1].name",
                "spec.template.spec.containers[1].args[1]",
            ]
        );
        assert_eq!(
            found[0].message,
            "Container 'sync' of Deployment 'docs' should not set 'GITSYNC_GIT': git-sync would run that command as git"
        );
    }

    #[test]
    fn passes_for_plain_git_sync() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: docs}
spec:
  containers:
  - name: sync
    image: registry.k8s.io/git-sync/git-sync:v4.2.4
    args: ["--repo=https://example.com/docs.git", "--git-config=core.sshCommand:ssh"]
    env: [{name: GITSYNC_ROOT, value: /git}]
"#,
        );
        assert!(found.is_empty());
    }
}
