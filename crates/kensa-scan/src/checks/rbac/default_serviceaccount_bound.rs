//! A binding that grants a role to a namespace's `default` ServiceAccount.
//!
//! Every pod that does not name a ServiceAccount runs as `default`, so a
//! role bound to it reaches all of them.
//!
//! Fields: `subjects[*]` with `kind: ServiceAccount` and `name: default`.
//! Fails once per such subject; passes when there is none.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::subjects_of;

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-default-serviceaccount-bound",
    aliases: &["CKV_K8S_42"],
    title: "Default ServiceAccount bound to a role",
    severity: Severity::Medium,
    description: "Pods that name no ServiceAccount run as the namespace's default one; permissions bound to it are silently handed to every such pod, including ones deployed later.",
    remediation: "Create a dedicated ServiceAccount for the workload that needs the permissions, bind the role to it, and set serviceAccountName in the workload.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["RoleBinding", "ClusterRoleBinding"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    subjects_of(object.body())
        .into_iter()
        .filter(|subject| subject.kind == "ServiceAccount" && subject.name == "default")
        .map(|subject| {
            Hit::at(
                subject.path(),
                format!(
                    "{} should not bind {} ({})",
                    object.describe(),
                    subject.describe(object.namespace()),
                    subject.path()
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_the_default_service_account() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: app}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- {kind: ServiceAccount, name: default}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("subjects[0]"));
        assert_eq!(
            found[0].message,
            "RoleBinding 'b' should not bind ServiceAccount 'app/default' (subjects[0])"
        );
    }

    #[test]
    fn passes_for_a_dedicated_service_account() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: ServiceAccount, name: app, namespace: app}
- {kind: User, name: default}
"#,
        );
        assert!(found.is_empty());
    }
}
