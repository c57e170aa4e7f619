//! NGINX ingress annotation snippets paste raw nginx configuration from the
//! Ingress into the controller's configuration. Whoever may edit an Ingress
//! can then read files the controller can read, including its service
//! account token, and with it every Secret of the cluster (CVE-2021-25742).
//!
//! Fields: `metadata.annotations`. Fails on every annotation whose key
//! contains `snippet` (Checkov's test): `configuration-snippet`,
//! `server-snippet`, `auth-snippet`, `stream-snippet`, and NGINX Inc's
//! `nginx.org/*-snippets`. See `ingress-nginx-snippet-lua` and
//! `ingress-nginx-snippet-alias` for the snippets known to be exploits.

use kensa_report::Severity;

use super::support::{key_path, snippet_annotations};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "ingress-nginx-snippet",
    aliases: &["CKV_K8S_153"],
    title: "Ingress uses an NGINX configuration snippet",
    severity: Severity::Medium,
    description: "Snippet annotations insert raw nginx directives into the ingress controller's configuration. Anyone who can create or edit an Ingress can use them to read the controller's files and service account token, and so every Secret it can read (CVE-2021-25742).",
    remediation: "Remove the *-snippet annotations and use the controller's dedicated annotations instead; disable snippets in the controller (allow-snippet-annotations: false, the default since ingress-nginx 1.9).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Ingress"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    snippet_annotations(object)
        .into_iter()
        .map(|(key, _)| {
            Hit::at(
                key_path("metadata.annotations", key),
                format!(
                    "{} should not set the snippet annotation '{key}'",
                    object.describe()
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_a_snippet() {
        let found = hits(
            &CHECK,
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n    nginx.ingress.kubernetes.io/configuration-snippet: |\n      more_set_headers \"X-Frame-Options: DENY\";\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("metadata.annotations"));
        assert_eq!(
            found[0].message,
            "Ingress 'web' should not set the snippet annotation 'nginx.ingress.kubernetes.io/configuration-snippet'"
        );
    }

    #[test]
    fn passes_without_snippets() {
        let found = hits(
            &CHECK,
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n    nginx.ingress.kubernetes.io/rewrite-target: /\n",
        );
        assert!(found.is_empty());
    }
}
