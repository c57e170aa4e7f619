//! ServiceAccounts and nodes that can create pods/exec or nodes/proxy (cross-resource).
//!
//! Follows every RoleBinding and ClusterRoleBinding to its role (loaded,
//! aggregated or built-in, as `rbac-dangerous-grant-to-subject` does) and
//! reports each ServiceAccount or node subject (kind `ServiceAccount` or
//! `Node`, user `system:node:*`, group `system:nodes`) whose role has a
//! rule granting `create` on `pods/exec` or `nodes/proxy`. Wildcards count. One hit per binding × subject at
//! `subjects[i]`; passes when no such subject exists.

use kensa_report::Severity;

use crate::check::{Check, ClusterHit, Run};
use crate::context::ClusterContext;

use super::support::{Permission, service_account_permission_hits};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-serviceaccount-can-exec-or-node-proxy",
    aliases: &["CKV2_K8S_2"],
    title: "ServiceAccount or node can exec into pods or proxy to nodes",
    severity: Severity::High,
    description: "A ServiceAccount or node that may create pods/exec or nodes/proxy can run commands in other pods, and with nodes/proxy in every pod of a node without admission or audit, taking over their credentials.",
    remediation: "Remove 'create' on 'pods/exec' and 'nodes/proxy' from the roles bound to ServiceAccounts and nodes.",
    default_enabled: true,
    run: Run::Cluster(check),
};

const PERMISSION: Permission = Permission {
    groups: &[""],
    resources: &["pods/exec", "nodes/proxy"],
    verbs: &["create"],
};

fn check(ctx: &ClusterContext<'_>) -> Vec<ClusterHit> {
    service_account_permission_hits(ctx, &PERMISSION, false, "create pods/exec or nodes/proxy")
}

#[cfg(test)]
mod tests {
    use super::super::support::fixtures::{
        assert_service_account_hit, service_account_grant_hits, service_account_pass_hits,
    };

    use super::CHECK;

    #[test]
    fn fails_for_a_service_account() {
        let found = service_account_grant_hits(
            &CHECK,
            r#"- {apiGroups: [""], resources: ["pods/exec"], verbs: ["create"]}"#,
        );
        assert_service_account_hit(
            &found,
            "ServiceAccount 'tools/bot' can create pods/exec or nodes/proxy cluster-wide through ClusterRole 'r' bound by ClusterRoleBinding 'b'",
        );
    }

    #[test]
    fn passes_for_users_and_harmless_roles() {
        let found = service_account_pass_hits(
            &CHECK,
            r#"- {apiGroups: [""], resources: ["pods/exec"], verbs: ["create"]}"#,
            r#"- {apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "create"]}"#,
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
