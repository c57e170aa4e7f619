//! ServiceAccounts and nodes that can update services/status (cross-resource).
//!
//! Follows every RoleBinding and ClusterRoleBinding to its role (loaded,
//! aggregated or built-in, as `rbac-dangerous-grant-to-subject` does) and
//! reports each ServiceAccount or node subject (kind `ServiceAccount` or
//! `Node`, user `system:node:*`, group `system:nodes`) whose role has a
//! rule granting `update` or `patch` on `services/status`. Wildcards count. One hit per binding × subject at
//! `subjects[i]`; passes when no such subject exists.

use kensa_report::Severity;

use crate::check::{Check, ClusterHit, Run};
use crate::context::ClusterContext;

use super::support::{Permission, service_account_permission_hits};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-serviceaccount-can-update-service-status",
    aliases: &["CKV2_K8S_4"],
    title: "ServiceAccount or node can update Service status (CVE-2020-8554)",
    severity: Severity::Medium,
    description: "A ServiceAccount or node that may update services/status can set status.loadBalancer.ingress.ip and, through CVE-2020-8554 (never fixed), make nodes send traffic for that IP to its Service: a man-in-the-middle position.",
    remediation: "Remove 'update' and 'patch' on 'services/status' from the roles bound to ServiceAccounts and nodes; only load-balancer controllers need it.",
    default_enabled: true,
    run: Run::Cluster(check),
};

const PERMISSION: Permission = Permission {
    groups: &[""],
    resources: &["services/status"],
    verbs: &["update", "patch"],
};

fn check(ctx: &ClusterContext<'_>) -> Vec<ClusterHit> {
    service_account_permission_hits(ctx, &PERMISSION, false, "update services/status")
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
            r#"- {apiGroups: ["*"], resources: ["services/status"], verbs: ["patch"]}"#,
        );
        assert_service_account_hit(
            &found,
            "ServiceAccount 'tools/bot' can update services/status cluster-wide through ClusterRole 'r' bound by ClusterRoleBinding 'b'",
        );
    }

    #[test]
    fn passes_for_users_and_harmless_roles() {
        let found = service_account_pass_hits(
            &CHECK,
            r#"- {apiGroups: ["*"], resources: ["services/status"], verbs: ["patch"]}"#,
            r#"- {apiGroups: [""], resources: ["services", "services/status"], verbs: ["get", "watch"]}"#,
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
