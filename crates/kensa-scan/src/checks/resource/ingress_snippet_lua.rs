//! An NGINX ingress snippet that runs Lua code or touches the controller's
//! `kubernetes.io` files (its service account token) is the known way to
//! exploit snippets: Lua runs inside the controller and can read every
//! Secret it can (CVE-2021-25742).
//!
//! Fields: the annotations whose key contains `snippet`. Fails when the
//! value has a Lua directive (a word starting with `lua_`, ending with
//! `_lua` or containing `_lua_`, such as `content_by_lua_block` or
//! `lua_package_path`) or the word `kubernetes.io` (as in
//! `/var/run/secrets/kubernetes.io/serviceaccount/token`), Checkov's test.

use kensa_report::Severity;

use super::support::{contains_word, key_path, snippet_annotations};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "ingress-nginx-snippet-lua",
    aliases: &["CKV_K8S_152"],
    title: "NGINX ingress snippet runs Lua code",
    severity: Severity::High,
    description: "Lua directives in a snippet annotation run code inside the ingress controller, which can read its service account token and every Secret the controller may read (CVE-2021-25742).",
    remediation: "Remove the Lua directives (and any reference to kubernetes.io paths) from the snippet annotation, or remove the snippet; disable snippets in the controller with allow-snippet-annotations: false.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Ingress"]),
        check,
    },
};

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Whether `value` has a Lua directive or mentions the `kubernetes.io` path.
fn runs_lua(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let lua_word = lower
        .split(|c: char| !is_word(c))
        .any(|word| word.starts_with("lua_") || word.ends_with("_lua") || word.contains("_lua_"));
    lua_word || contains_word(&lower, "kubernetes.io")
}

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    snippet_annotations(object)
        .into_iter()
        .filter(|(_, value)| runs_lua(value))
        .map(|(key, _)| {
            Hit::at(
                key_path("metadata.annotations", key),
                format!(
                    "{} has snippet annotation '{key}' with Lua code or a kubernetes.io path",
                    object.describe()
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::{CHECK, runs_lua};

    #[test]
    fn fails_on_lua() {
        let found = hits(
            &CHECK,
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n    nginx.ingress.kubernetes.io/server-snippet: |\n      location /x { content_by_lua_block { ngx.say(io.open('/etc/passwd'):read('*a')) } }\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "Ingress 'web' has snippet annotation 'nginx.ingress.kubernetes.io/server-snippet' with Lua code or a kubernetes.io path"
        );
        assert!(runs_lua(
            "alias /var/run/secrets/kubernetes.io/serviceaccount/;"
        ));
        assert!(runs_lua("access_by_lua 'x'"));
    }

    #[test]
    fn passes_on_plain_snippets() {
        let found = hits(
            &CHECK,
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n    nginx.ingress.kubernetes.io/configuration-snippet: 'more_set_headers \"X-Lua: no\";'\n    nginx.ingress.kubernetes.io/rewrite-target: /\n",
        );
        assert!(found.is_empty());
        assert!(!runs_lua("proxy_set_header X-Plugin lua;"));
    }
}
