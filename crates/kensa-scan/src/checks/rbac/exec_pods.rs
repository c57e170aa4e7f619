//! A role that can open a shell in pods (`pods/exec`).
//!
//! Fields: `rules[*].resources` naming `pods/exec` with `create`, `update`,
//! `patch`, `delete`, `deletecollection`, `impersonate` or `*`. Passes when
//! no rule does so.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{WRITE_VERBS, literal_grant_hits};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-exec-pods",
    aliases: &["KSV-0053", "KSV053", "AVD-KSV-0053"],
    title: "Exec into Pods",
    severity: Severity::High,
    description: "Exec into a pod runs commands with the pod's identity: its ServiceAccount token, mounted Secrets and network access all become the holder's.",
    remediation: "Remove 'pods/exec' from the role's rules; use logs, debugging with ephemeral containers under a separate break-glass role, or port-forwarding where needed.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role", "ClusterRole"]),
        check,
    },
};

const RESOURCES: &[&str] = &["pods/exec"];

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    literal_grant_hits(object, RESOURCES, WRITE_VERBS)
}

#[cfg(test)]
mod tests {
    use super::super::support::fixtures::{
        assert_single_hit, assert_tolerates_odd_rules, role_hits,
    };

    use super::CHECK;

    #[test]
    fn fails_on_the_offending_rule() {
        let found = role_hits(
            &CHECK,
            "Role",
            r#"
- apiGroups: [""]
  resources: ["pods/exec"]
  verbs: ["create"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "Role 'r' should not grant 'create' on 'pods/exec' (rules[0])",
        );
    }

    #[test]
    fn passes_without_such_a_rule() {
        let found = role_hits(
            &CHECK,
            "Role",
            r#"
- apiGroups: [""]
  resources: ["pods", "pods/log"]
  verbs: ["get"]
"#,
        );
        assert!(found.is_empty());
    }

    #[test]
    fn tolerates_odd_shapes() {
        assert_tolerates_odd_rules(&CHECK, "Role");
    }
}
