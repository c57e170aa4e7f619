//! A role that can use the `nodes/proxy` subresource.
//!
//! `nodes/proxy` reaches the kubelet API directly, which runs commands in
//! any pod of the node and bypasses admission and audit.
//!
//! Fields: `rules[*].resources` naming `nodes/proxy` with `get`, `create` or
//! `*` in `rules[*].verbs`. Passes when no rule does so.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::literal_grant_hits;

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-node-proxy",
    aliases: &["KSV-0047", "KSV047", "AVD-KSV-0047"],
    title: "Do not allow privilege escalation from node proxy",
    severity: Severity::High,
    description: "Access to nodes/proxy talks to the kubelet API, which can run commands in every pod of the node without admission control or audit logging of the exec.",
    remediation: "Remove 'nodes/proxy' from the role's rules; monitoring agents usually need only 'nodes/metrics' or 'nodes/stats'.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role", "ClusterRole"]),
        check,
    },
};

const RESOURCES: &[&str] = &["nodes/proxy"];

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    literal_grant_hits(object, RESOURCES, &["get", "create", "*"])
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
            "ClusterRole",
            r#"
- apiGroups: [""]
  resources: ["nodes/proxy"]
  verbs: ["get"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "ClusterRole 'r' should not grant 'get' on 'nodes/proxy' (rules[0])",
        );
    }

    #[test]
    fn passes_without_such_a_rule() {
        let found = role_hits(
            &CHECK,
            "ClusterRole",
            r#"
- apiGroups: [""]
  resources: ["nodes/metrics"]
  verbs: ["get"]
"#,
        );
        assert!(found.is_empty());
    }

    #[test]
    fn tolerates_odd_shapes() {
        assert_tolerates_odd_rules(&CHECK, "ClusterRole");
    }
}
