//! An NGINX ingress snippet with an `alias` directive maps a URL onto a
//! directory of the controller's file system, which serves its service
//! account token and configuration to anyone (CVE-2021-25742).
//!
//! Fields: the annotations whose key contains `snippet`. Fails when the
//! value contains the word `alias` (Checkov tests the substring; kensa asks
//! for the whole word, so `server_alias_name` or `$alias_host` do not
//! count).

use kensa_report::Severity;

use super::support::{contains_word, key_path, snippet_annotations};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "ingress-nginx-snippet-alias",
    aliases: &["CKV_K8S_154"],
    title: "NGINX ingress snippet uses an alias directive",
    severity: Severity::High,
    description: "An alias directive in a snippet annotation serves a directory of the ingress controller's own file system, such as the one holding its service account token, which gives access to every Secret the controller may read (CVE-2021-25742).",
    remediation: "Remove the alias directive from the snippet annotation (serve files from a backend Service instead), or remove the snippet; disable snippets in the controller with allow-snippet-annotations: false.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Ingress"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    snippet_annotations(object)
        .into_iter()
        .filter(|(_, value)| contains_word(value, "alias"))
        .map(|(key, _)| {
            Hit::at(
                key_path("metadata.annotations", key),
                format!(
                    "{} has snippet annotation '{key}' with an alias directive",
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
    fn fails_on_alias() {
        let found = hits(
            &CHECK,
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n    nginx.ingress.kubernetes.io/server-snippet: |\n      location ^~ \"/token\" { alias /var/run/secrets/; }\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "Ingress 'web' has snippet annotation 'nginx.ingress.kubernetes.io/server-snippet' with an alias directive"
        );
    }

    #[test]
    fn passes_without_alias() {
        let found = hits(
            &CHECK,
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n    nginx.ingress.kubernetes.io/server-snippet: 'set $alias_host example;'\n",
        );
        assert!(found.is_empty());
    }
}
