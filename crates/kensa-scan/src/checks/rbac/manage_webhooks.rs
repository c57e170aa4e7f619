//! A role that can create or change admission webhook configurations.
//!
//! Fields: `rules[*].resources` naming `mutatingwebhookconfigurations` or
//! `validatingwebhookconfigurations` with `create`, `update`, `patch`,
//! `delete`, `deletecollection`, `impersonate` or `*`. Passes when no rule
//! does so. Resource names are compared as written, as Trivy does (`*`
//! resources are left to the wildcard checks). Checkov's CKV_K8S_155, which
//! also counts `*` and only looks at ClusterRoles, is
//! `rbac-control-admission-webhooks`.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{WRITE_VERBS, literal_grant_hits};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-manage-webhooks",
    aliases: &["KSV-0114", "KSV114", "AVD-KSV-0114"],
    title: "Manage webhookconfigurations",
    severity: Severity::Critical,
    description: "Admission webhooks see, and may rewrite or block, every object sent to the API server, Secrets and pod specs included; whoever controls their configuration controls the cluster.",
    remediation: "Grant only 'get', 'list' and 'watch' on 'mutatingwebhookconfigurations' and 'validatingwebhookconfigurations'; leave changes to the operator that owns the webhook.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role", "ClusterRole"]),
        check,
    },
};

const RESOURCES: &[&str] = &[
    "mutatingwebhookconfigurations",
    "validatingwebhookconfigurations",
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
- apiGroups: ["admissionregistration.k8s.io"]
  resources: ["mutatingwebhookconfigurations"]
  verbs: ["create", "patch"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "ClusterRole 'r' should not grant 'create', 'patch' on 'mutatingwebhookconfigurations' (rules[0])",
        );
    }

    #[test]
    fn passes_without_such_a_rule() {
        let found = role_hits(
            &CHECK,
            "ClusterRole",
            r#"
- apiGroups: ["admissionregistration.k8s.io"]
  resources: ["validatingwebhookconfigurations"]
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
