//! Workloads should live in a namespace of their own. The `default`
//! namespace (which is also where objects without a namespace land) usually
//! has no tailored RBAC, network policies, quotas or Pod Security labels,
//! and mixes unrelated applications.
//!
//! Field: `metadata.namespace`. Fails when it is missing, empty or
//! `default`. Checkov's CKV_K8S_21 has the same meaning but also applies it
//! to ConfigMaps, Secrets, Services, ServiceAccounts, Roles, RoleBindings
//! and Ingresses (except the `default` ServiceAccount and the `kubernetes`
//! Service); kensa checks workloads only, as Trivy does.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "workload-default-namespace",
    aliases: &["KSV-0110", "KSV110", "AVD-KSV-0110", "CKV_K8S_21"],
    title: "Workloads in the default namespace",
    severity: Severity::Low,
    description: "The default namespace is shared by everything deployed without a namespace and rarely carries the RBAC rules, network policies, resource quotas or Pod Security labels of a dedicated namespace, so workloads there are poorly isolated from each other and easy to affect by mistake.",
    remediation: "Set metadata.namespace to a dedicated namespace for the application (and create that namespace with its own RBAC, network policies and quotas).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Workloads,
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    match object.namespace() {
        Some("default") => vec![Hit::at(
            "metadata.namespace",
            format!(
                "{} should not be placed in the 'default' namespace; set 'metadata.namespace' to a dedicated namespace",
                object.describe()
            ),
        )],
        None => vec![Hit::at(
            "metadata",
            format!(
                "{} should set 'metadata.namespace' to a namespace other than 'default'",
                object.describe()
            ),
        )],
        Some(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_in_the_default_namespace() {
        let found = hits(
            &CHECK,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default}\nspec:\n  containers: [{name: app, image: nginx}]\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("metadata.namespace"));
        assert_eq!(
            found[0].message,
            "Pod 'web' should not be placed in the 'default' namespace; set 'metadata.namespace' to a dedicated namespace"
        );
    }

    #[test]
    fn fails_without_a_namespace() {
        let found = hits(
            &CHECK,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: app, image: nginx}]\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("metadata"));
        assert_eq!(
            found[0].message,
            "Deployment 'web' should set 'metadata.namespace' to a namespace other than 'default'"
        );
    }

    #[test]
    fn passes_in_another_namespace() {
        let found = hits(
            &CHECK,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  containers: [{name: app, image: nginx}]\n",
        );
        assert!(found.is_empty());
    }
}
