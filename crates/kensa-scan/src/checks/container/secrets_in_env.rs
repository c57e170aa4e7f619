//! Secrets passed as environment variables leak easily: they are inherited by
//! every child process, show up in crash reports, debug endpoints and
//! `/proc/PID/environ`, and cannot be rotated without a restart. Mounted as
//! files they avoid most of that.
//!
//! Fields: `containers[*].env[*].valueFrom.secretKeyRef` and
//! `containers[*].envFrom[*].secretRef`, and the same for `initContainers`.
//! Fails on every such entry.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::container_hit;

/// The check.
pub static CHECK: Check = Check {
    id: "container-secrets-in-env",
    aliases: &["CKV_K8S_35"],
    title: "Secrets should be mounted as files, not environment variables",
    severity: Severity::Medium,
    description: "Environment variables are copied into every child process, often logged on errors and exposed by diagnostic endpoints, so a secret placed there spreads far beyond the code that needs it. Secret volumes keep the value in one file with its own permissions and update when the Secret changes.",
    remediation: "Replace env[].valueFrom.secretKeyRef and envFrom[].secretRef with a secret volume mounted read-only into the container, and have the application read the value from the file.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let mut hits = Vec::new();
    for c in object.containers() {
        for (i, var) in c.container.env.iter().flatten().enumerate() {
            let Some(key_ref) = var
                .value_from
                .as_ref()
                .and_then(|from| from.secret_key_ref.as_ref())
            else {
                continue;
            };
            hits.push(container_hit(
                object,
                &c,
                format!("{}.env[{i}].valueFrom.secretKeyRef", c.path),
                format_args!(
                    "should mount Secret '{}' as a file instead of exposing it in environment variable '{}'",
                    key_ref.name,
                    var.name
                ),
            ));
        }
        for (i, source) in c.container.env_from.iter().flatten().enumerate() {
            let Some(secret) = source.secret_ref.as_ref() else {
                continue;
            };
            hits.push(container_hit(
                object,
                &c,
                format!("{}.envFrom[{i}].secretRef", c.path),
                format_args!(
                    "should mount Secret '{}' as a file instead of loading it with 'envFrom'",
                    secret.name
                ),
            ));
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_secret_env() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: app
        image: web:1
        env:
        - name: MODE
          value: prod
        - name: DB_PASSWORD
          valueFrom:
            secretKeyRef: {name: db, key: password}
        envFrom:
        - configMapRef: {name: settings}
        - secretRef: {name: api-keys}
"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].path.as_deref(),
            Some("spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef")
        );
        assert_eq!(
            found[0].message,
            "Container 'app' of Deployment 'web' should mount Secret 'db' as a file instead of exposing it in environment variable 'DB_PASSWORD'"
        );
        assert_eq!(
            found[1].path.as_deref(),
            Some("spec.template.spec.containers[0].envFrom[1].secretRef")
        );
    }

    #[test]
    fn passes_without_secret_env() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    image: web:1
    env:
    - name: MODE
      value: prod
    - name: NODE
      valueFrom:
        fieldRef: {fieldPath: spec.nodeName}
"#,
        );
        assert!(found.is_empty());
    }
}
