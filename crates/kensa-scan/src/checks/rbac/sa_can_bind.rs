//! ServiceAccounts and nodes that can bind roles (cross-resource).
//!
//! Follows every RoleBinding and ClusterRoleBinding to its role (loaded,
//! aggregated or built-in, as `rbac-dangerous-grant-to-subject` does) and
//! reports each ServiceAccount or node subject (kind `ServiceAccount` or
//! `Node`, user `system:node:*`, group `system:nodes`) whose role has a
//! rule granting the `bind` verb on `roles`, `clusterroles`, `rolebindings` or\n//! `clusterrolebindings`. Wildcards count. One hit per binding × subject at
//! `subjects[i]`; passes when no such subject exists.

use kensa_report::Severity;

use crate::check::{Check, ClusterHit, Run};
use crate::context::ClusterContext;

use super::support::{Permission, service_account_permission_hits};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-serviceaccount-can-bind",
    aliases: &["CKV2_K8S_1"],
    title: "ServiceAccount or node can bind roles",
    severity: Severity::High,
    description: "A ServiceAccount or node that may use the bind verb can bind any role, cluster-admin included, to itself; a stolen pod or node credential then escalates to whatever the cluster holds.",
    remediation: "Remove 'bind' (and '*') on roles, clusterroles and bindings from the roles bound to ServiceAccounts and nodes, or restrict it with resourceNames to harmless roles.",
    default_enabled: true,
    run: Run::Cluster(check),
};

const PERMISSION: Permission = Permission {
    groups: &[super::support::RBAC_GROUP],
    resources: &[
        "roles",
        "clusterroles",
        "rolebindings",
        "clusterrolebindings",
    ],
    verbs: &["bind"],
};

fn check(ctx: &ClusterContext<'_>) -> Vec<ClusterHit> {
    service_account_permission_hits(ctx, &PERMISSION, false, "bind roles")
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
            r#"- {apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["bind"]}"#,
        );
        assert_service_account_hit(
            &found,
            "ServiceAccount 'tools/bot' can bind roles cluster-wide through ClusterRole 'r' bound by ClusterRoleBinding 'b'",
        );
    }

    #[test]
    fn passes_for_users_and_harmless_roles() {
        let found = service_account_pass_hits(
            &CHECK,
            r#"- {apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["bind"]}"#,
            r#"- {apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings"], verbs: ["get", "create"]}"#,
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
