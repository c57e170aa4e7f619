//! A ClusterRole that acts on every resource (`resources: ["*"]`).
//!
//! Fields: `rules[*].resources` holding `*` with `create`, `update`,
//! `delete`, `deletecollection`, `impersonate`, `*`, `list` or `get` in
//! `rules[*].verbs`. Passes when no rule does so.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::literal_grant_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-clusterrole-all-resources",
    aliases: &["KSV-0046", "KSV046", "AVD-KSV-0046"],
    title: "Manage all resources",
    severity: Severity::Critical,
    description: "A '*' resource in a ClusterRole covers Secrets, RBAC objects and every resource added later, in every namespace; even read access this wide exposes all credentials.",
    remediation: "List the resources the ClusterRole needs instead of '*'.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["ClusterRole"]),
        check,
    },
};

const RESOURCES: &[&str] = &["*"];

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    literal_grant_hits(
        object,
        RESOURCES,
        &[
            "create",
            "update",
            "delete",
            "deletecollection",
            "impersonate",
            "*",
            "list",
            "get",
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
kind: ClusterRole
metadata: {name: r}
rules:
- apiGroups: [""]
  resources: ["*"]
  verbs: ["get", "list", "watch"]
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("rules[0]"));
        assert_eq!(
            found[0].message,
            "ClusterRole 'r' should not grant 'get', 'list' on '*' (rules[0])"
        );
    }

    #[test]
    fn passes_without_such_a_rule() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules:
- apiGroups: [""]
  resources: ["pods", "services"]
  verbs: ["get", "list"]
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
kind: ClusterRole
metadata: {name: r}
rules:
- "not a rule"
- resources: secrets
  verbs: 5
"#,
        );
        assert!(found.is_empty());
    }
}
