//! A role that can change the EKS `aws-auth` ConfigMap.
//!
//! On EKS, `aws-auth` in `kube-system` maps AWS IAM identities to
//! Kubernetes users and groups; whoever edits it can map themselves to
//! `system:masters`.
//!
//! Fields: a rule whose `resources` name `configmaps`, whose
//! `resourceNames` hold `aws-auth` and whose `verbs` hold `create`,
//! `update`, `patch`, `delete`, `deletecollection`, `impersonate` or `*`.
//! (Write access to all ConfigMaps is `rbac-manage-configmaps`.) Passes
//! otherwise.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{WRITE_VERBS, quoted, rules};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-manage-aws-auth",
    aliases: &["KSV-0115", "KSV115", "AVD-KSV-0115"],
    title: "Manage EKS IAM Auth ConfigMap",
    severity: Severity::Critical,
    description: "The aws-auth ConfigMap maps AWS IAM roles and users to Kubernetes identities on EKS; changing it lets the holder map any IAM identity, its own included, to cluster-admin.",
    remediation: "Remove write verbs from rules on the 'aws-auth' ConfigMap, and manage the mapping through EKS access entries or infrastructure code.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role", "ClusterRole"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    rules(object)
        .into_iter()
        .filter_map(|rule| {
            let verbs = rule.verbs_in(WRITE_VERBS);
            let applies = rule.names_resource("configmaps")
                && rule.resource_names.contains(&"aws-auth")
                && !verbs.is_empty();
            applies.then(|| {
                Hit::at(
                    rule.path(),
                    format!(
                        "{} should not grant {} on ConfigMap 'aws-auth' ({})",
                        object.describe(),
                        quoted(&verbs),
                        rule.path()
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::support::fixtures::assert_single_hit;
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_write_access_to_aws_auth() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: kube-system}
rules:
- apiGroups: [""]
  resources: ["configmaps"]
  resourceNames: ["aws-auth"]
  verbs: ["get", "update"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "Role 'r' should not grant 'update' on ConfigMap 'aws-auth' (rules[0])",
        );
    }

    #[test]
    fn passes_with_read_access_or_other_names() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: kube-system}
rules:
- apiGroups: [""]
  resources: ["configmaps"]
  resourceNames: ["aws-auth"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["configmaps"]
  resourceNames: ["app-config"]
  verbs: ["update"]
"#,
        );
        assert!(found.is_empty());
    }
}
