//! ServiceAccounts and nodes that can read all secrets (cross-resource).
//!
//! Follows every RoleBinding and ClusterRoleBinding to its role (loaded,
//! aggregated or built-in, as `rbac-dangerous-grant-to-subject` does) and
//! reports each ServiceAccount or node subject (kind `ServiceAccount` or
//! `Node`, user `system:node:*`, group `system:nodes`) whose role has a
//! rule granting `get`, `list` or `watch` on `secrets` for every name (no\n//! `resourceNames`). Wildcards count. One hit per binding × subject at
//! `subjects[i]`; passes when no such subject exists.

use kensa_report::Severity;

use crate::check::{Check, ClusterHit, Run};
use crate::context::ClusterContext;

use super::support::{Permission, service_account_permission_hits};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-serviceaccount-can-read-secrets",
    aliases: &["CKV2_K8S_5"],
    title: "ServiceAccount or node can read all Secrets",
    severity: Severity::High,
    description: "A ServiceAccount or node that may read every Secret in its scope exposes all the credentials and tokens stored there to anyone who steals its token.",
    remediation: "Remove 'get', 'list' and 'watch' on 'secrets' from the roles bound to ServiceAccounts and nodes, or limit 'get' to the Secrets needed with resourceNames.",
    default_enabled: true,
    run: Run::Cluster(check),
};

const PERMISSION: Permission = Permission {
    groups: &[""],
    resources: &["secrets"],
    verbs: &["get", "list", "watch"],
};

fn check(ctx: &ClusterContext<'_>) -> Vec<ClusterHit> {
    service_account_permission_hits(ctx, &PERMISSION, true, "read all secrets")
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
            r#"- {apiGroups: [""], resources: ["secrets"], verbs: ["list"]}"#,
        );
        assert_service_account_hit(
            &found,
            "ServiceAccount 'tools/bot' can read all secrets cluster-wide through ClusterRole 'r' bound by ClusterRoleBinding 'b'",
        );
    }

    #[test]
    fn passes_for_users_and_harmless_roles() {
        let found = service_account_pass_hits(
            &CHECK,
            r#"- {apiGroups: [""], resources: ["secrets"], verbs: ["list"]}"#,
            r#"- {apiGroups: [""], resources: ["secrets"], resourceNames: ["app-tls"], verbs: ["get"]}"#,
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
