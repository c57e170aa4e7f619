//! A Role that reads or writes the Secrets of its namespace.
//!
//! Fields: `rules[*].resources` naming `secrets` together with any of
//! `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
//! `deletecollection`, `impersonate` or `*` in `rules[*].verbs`. Passes when
//! no rule does so.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::literal_grant_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-manage-namespace-secrets",
    aliases: &["KSV-0113", "KSV113", "AVD-KSV-0113"],
    title: "Manage namespace secrets",
    severity: Severity::Medium,
    description: "A Role that can read or change Secrets exposes every credential and ServiceAccount token of its namespace to whoever holds it.",
    remediation: "Remove 'secrets' from the Role's rules, or limit the rule to the Secrets the workload needs with resourceNames and the 'get' verb.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role"]),
        check,
    },
};

const RESOURCES: &[&str] = &["secrets"];

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    literal_grant_hits(
        object,
        RESOURCES,
        &[
            "get",
            "list",
            "watch",
            "create",
            "update",
            "patch",
            "delete",
            "deletecollection",
            "impersonate",
            "*",
        ],
    )
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_the_offending_rule() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: ns}
rules:
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["*"]
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("rules[0]"));
        assert_eq!(
            found[0].message,
            "Role 'r' should not grant '*' on 'secrets' (rules[0])"
        );
    }

    #[test]
    fn passes_without_such_a_rule() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: ns}
rules:
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get"]
"#,
        );
        assert!(found.is_empty());
    }

    #[test]
    fn tolerates_odd_shapes() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: ns}
rules:
- "not a rule"
- resources: secrets
  verbs: 5
"#,
        );
        assert!(found.is_empty());
    }
}
