//! ingress-nginx copies some annotations into the generated nginx
//! configuration. Characters that end an nginx directive or string
//! (new lines, `;`, `{`, `}`, `#`, quotes) in them let whoever may create an
//! Ingress inject configuration into the controller, which holds every
//! Secret of the cluster (IngressNightmare: CVE-2025-1097, CVE-2025-1098,
//! CVE-2025-24514).
//!
//! Fields: the annotations `nginx.ingress.kubernetes.io/auth-url`,
//! `.../mirror-target` and `.../mirror-host` (URLs: fail on new lines, blanks
//! and `<`, `>`, `"`, `{`, `}`, `|`, `^`, backquote or backslash, as Trivy's URL pattern), and
//! `.../auth-tls-match-cn` (fails on new lines, `#`, `{`, `}`, `;` or `|`,
//! as Trivy's CN pattern). Trivy only looks at Ingresses with
//! `spec.ingressClassName: nginx`; kensa looks at every Ingress, since only
//! ingress-nginx reads these annotations and class names vary
//! (`nginx-internal`, the legacy `kubernetes.io/ingress.class` annotation,
//! the default class).

use kensa_report::Severity;

use super::support::{annotations, key_path};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "ingress-nginx-annotation-injection",
    aliases: &["KCV-0093", "KCV0093", "AVD-KCV-0093"],
    title: "Ensure ingress-nginx annotations are secure",
    severity: Severity::Critical,
    description: "ingress-nginx writes the auth-url, auth-tls-match-cn, mirror-target and mirror-host annotations into its nginx configuration. A value with new lines, semicolons, braces or quotes injects arbitrary directives, which run in the controller with access to every Secret in the cluster.",
    remediation: "Keep these annotations to plain values: a URL without blanks, new lines, quotes, braces or backslashes, and a CN= expression without '#', ';', '{', '}' or '|'; upgrade ingress-nginx to 1.11.5 / 1.12.1 or later.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Ingress"]),
        check,
    },
};

const URL_ANNOTATIONS: [&str; 3] = [
    "nginx.ingress.kubernetes.io/auth-url",
    "nginx.ingress.kubernetes.io/mirror-target",
    "nginx.ingress.kubernetes.io/mirror-host",
];
const CN_ANNOTATION: &str = "nginx.ingress.kubernetes.io/auth-tls-match-cn";

fn suspicious(key: &str, value: &str) -> Option<char> {
    let value = value.trim_end_matches(['\n', '\r']);
    if URL_ANNOTATIONS.contains(&key) {
        value.chars().find(|&c| {
            c.is_whitespace() || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '^' | '`' | '\\')
        })
    } else if key == CN_ANNOTATION {
        value
            .chars()
            .find(|&c| matches!(c, '\r' | '\n' | '#' | '{' | '}' | ';' | '|'))
    } else {
        None
    }
}

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    annotations(object)
        .into_iter()
        .filter_map(|(key, value)| {
            let c = suspicious(key, value)?;
            Some(Hit::at(
                key_path("metadata.annotations", key),
                format!(
                    "{} has annotation '{key}' containing the suspicious character {:?}",
                    object.describe(),
                    c
                ),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_injection_characters() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    nginx.ingress.kubernetes.io/auth-url: "http://auth.corp.io/check#;\nload_module /tmp/x.so;"
    nginx.ingress.kubernetes.io/auth-tls-match-cn: "CN=client}"
    nginx.ingress.kubernetes.io/mirror-host: "mirror.corp.io"
"#,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].path.as_deref(), Some("metadata.annotations"));
        assert_eq!(
            found[0].message,
            "Ingress 'web' has annotation 'nginx.ingress.kubernetes.io/auth-tls-match-cn' containing the suspicious character '}'"
        );
        assert!(
            found[1]
                .message
                .contains("auth-url' containing the suspicious character '\\n'"),
            "{}",
            found[1].message
        );
    }

    #[test]
    fn passes_on_plain_values() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    nginx.ingress.kubernetes.io/auth-url: "https://auth.corp.io/oauth2/auth?rd=$escaped_request_uri"
    nginx.ingress.kubernetes.io/auth-tls-match-cn: "CN=client"
    nginx.ingress.kubernetes.io/mirror-target: "https://mirror.corp.io$request_uri"
spec:
  ingressClassName: nginx
"#,
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
