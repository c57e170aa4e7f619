//! ServiceAccounts and nodes that can impersonate users, groups or service accounts (cross-resource).
//!
//! Follows every RoleBinding and ClusterRoleBinding to its role (loaded,
//! aggregated or built-in, as `rbac-dangerous-grant-to-subject` does) and
//! reports each ServiceAccount or node subject (kind `ServiceAccount` or
//! `Node`, user `system:node:*`, group `system:nodes`) whose role has a
//! rule granting `impersonate` on `users`, `groups` or `serviceaccounts`. Wildcards count. One hit per binding × subject at
//! `subjects[i]`; passes when no such subject exists.

use kensa_report::Severity;

use crate::check::{Check, ClusterHit, Run};
use crate::context::ClusterContext;

use super::support::{Permission, service_account_permission_hits};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-serviceaccount-can-impersonate",
    aliases: &["CKV2_K8S_3"],
    title: "ServiceAccount or node can impersonate other identities",
    severity: Severity::High,
    description: "A ServiceAccount or node that may impersonate users, groups or ServiceAccounts can act as any of them, system:masters included, so a stolen token is as strong as the strongest identity in the cluster.",
    remediation: "Remove 'impersonate' (and '*') on 'users', 'groups' and 'serviceaccounts' from the roles bound to ServiceAccounts and nodes.",
    default_enabled: true,
    run: Run::Cluster(check),
};

const PERMISSION: Permission = Permission {
    groups: &[""],
    resources: &["users", "groups", "serviceaccounts"],
    verbs: &["impersonate"],
};

fn check(ctx: &ClusterContext<'_>) -> Vec<ClusterHit> {
    service_account_permission_hits(
        ctx,
        &PERMISSION,
        false,
        "impersonate users, groups or service accounts",
    )
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
            r#"- {apiGroups: [""], resources: ["users"], verbs: ["impersonate"]}"#,
        );
        assert_service_account_hit(
            &found,
            "ServiceAccount 'tools/bot' can impersonate users, groups or service accounts cluster-wide through ClusterRole 'r' bound by ClusterRoleBinding 'b'",
        );
    }

    #[test]
    fn passes_for_users_and_harmless_roles() {
        let found = service_account_pass_hits(
            &CHECK,
            r#"- {apiGroups: [""], resources: ["users"], verbs: ["impersonate"]}"#,
            r#"- {apiGroups: [""], resources: ["serviceaccounts"], verbs: ["get", "list"]}"#,
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
