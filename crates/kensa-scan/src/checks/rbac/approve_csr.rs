//! A ClusterRole that can approve CertificateSigningRequests.
//!
//! Approving a CSR needs two permissions: `update` or `patch` on
//! `certificatesigningrequests/approval` and `approve` on `signers`, both in
//! `certificates.k8s.io`. A role with both can have the cluster CA sign a
//! client certificate for any user or group, `system:masters` included.
//!
//! Fields: `rules[*]` (wildcards count, `resourceNames` are ignored). Fails
//! when both permissions are granted, at the rule granting the approval
//! update; passes otherwise.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{rules, two_rule_paths};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-approve-csr",
    aliases: &["CKV_K8S_156"],
    title: "ClusterRole can approve CertificateSigningRequests",
    severity: Severity::High,
    description: "A holder who may approve CertificateSigningRequests can get a client certificate signed for any identity, system:masters included, which RBAC cannot revoke until it expires.",
    remediation: "Remove 'update'/'patch' on 'certificatesigningrequests/approval' or 'approve' on 'signers' from the ClusterRole; leave approval to the controller manager, or limit 'approve' to one signer with resourceNames.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["ClusterRole"]),
        check,
    },
};

const GROUP: &str = "certificates.k8s.io";

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let rules = rules(object);
    let Some(approve) = rules
        .iter()
        .find(|rule| rule.grants(GROUP, "signers", "approve"))
    else {
        return Vec::new();
    };
    let Some(update) = rules.iter().find(|rule| {
        rule.grants(GROUP, "certificatesigningrequests/approval", "update")
            || rule.grants(GROUP, "certificatesigningrequests/approval", "patch")
    }) else {
        return Vec::new();
    };
    vec![Hit::at(
        update.path(),
        format!(
            "{} should not grant approval of CertificateSigningRequests ({})",
            object.describe(),
            two_rule_paths(update, approve)
        ),
    )]
}

#[cfg(test)]
mod tests {
    use super::super::support::fixtures::{assert_single_hit, role_hits};

    use super::CHECK;

    #[test]
    fn fails_when_both_permissions_are_granted() {
        let found = role_hits(
            &CHECK,
            "ClusterRole",
            r#"
- apiGroups: ["certificates.k8s.io"]
  resources: ["certificatesigningrequests/approval"]
  verbs: ["update"]
- apiGroups: ["certificates.k8s.io"]
  resources: ["signers"]
  verbs: ["approve"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "ClusterRole 'r' should not grant approval of CertificateSigningRequests (rules[0], rules[1])",
        );
    }

    #[test]
    fn names_a_single_rule_once() {
        let found = role_hits(
            &CHECK,
            "ClusterRole",
            r#"
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "ClusterRole 'r' should not grant approval of CertificateSigningRequests (rules[0])"
        );
    }

    #[test]
    fn passes_with_only_one_of_them() {
        let found = role_hits(
            &CHECK,
            "ClusterRole",
            r#"
- apiGroups: ["certificates.k8s.io"]
  resources: ["certificatesigningrequests", "certificatesigningrequests/approval"]
  verbs: ["get", "update"]
"#,
        );
        assert!(found.is_empty());
    }
}
