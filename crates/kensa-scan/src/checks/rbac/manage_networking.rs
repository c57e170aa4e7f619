//! A role that can create or change networking objects.
//!
//! Fields: `rules[*].resources` naming `services`, `endpoints`,
//! `endpointslices`, `networkpolicies` or `ingresses` with `create`,
//! `update`, `patch`, `delete`, `deletecollection`, `impersonate` or `*`.
//! Passes when no rule does so.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{WRITE_VERBS, literal_grant_hits};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-manage-networking",
    aliases: &["KSV-0056", "KSV056", "AVD-KSV-0056"],
    title: "Manage Kubernetes networking",
    severity: Severity::High,
    description: "Changing Services, Endpoints, NetworkPolicies or Ingresses lets the holder redirect or intercept traffic and lift network isolation.",
    remediation: "Grant only 'get', 'list' and 'watch' on networking resources and keep write access for the deploying identity.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role", "ClusterRole"]),
        check,
    },
};

const RESOURCES: &[&str] = &[
    "services",
    "endpoints",
    "endpointslices",
    "networkpolicies",
    "ingresses",
];

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
            "ClusterRole",
            r#"
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["delete"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "ClusterRole 'r' should not grant 'delete' on 'networkpolicies' (rules[0])",
        );
    }

    #[test]
    fn passes_without_such_a_rule() {
        let found = role_hits(
            &CHECK,
            "Role",
            r#"
- apiGroups: [""]
  resources: ["services", "endpoints"]
  verbs: ["get", "list", "watch"]
"#,
        );
        assert!(found.is_empty());
    }

    #[test]
    fn tolerates_odd_shapes() {
        assert_tolerates_odd_rules(&CHECK, "ClusterRole");
    }
}
