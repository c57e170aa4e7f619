//! A ServiceAccount bound to cluster-admin (cross-resource).
//!
//! Follows every ClusterRoleBinding and RoleBinding whose `roleRef` is the
//! ClusterRole `cluster-admin`, or a loaded role that grants the same (a
//! rule with `*` apiGroups, resources and verbs and no `resourceNames`), to
//! its ServiceAccount subjects. A token of such a ServiceAccount, leaked from
//! any pod that runs as it, is full control of the cluster (or, through a
//! RoleBinding, of the namespace).
//!
//! Reports one hit per ServiceAccount subject, on the binding at
//! `subjects[i]`; the message names the ServiceAccount (`namespace/name`;
//! without `namespace` in the subject, the binding's, else `default`), the
//! binding, whether the ServiceAccount object is among the scanned objects,
//! and the workloads that run as it. Each such workload gets a hit of its own
//! at its `serviceAccountName` (workloads without a namespace count as in
//! `default`; without `serviceAccountName` they run as `default`). Bindings
//! labelled `kubernetes.io/bootstrapping: rbac-defaults` are skipped. Passes
//! when no ServiceAccount is bound to cluster-admin.

use kensa_report::Severity;

use crate::check::{Check, ClusterHit, Hit, Run};
use crate::context::ClusterContext;

use super::support::{
    Binding, Rbac, describe_workload, ns_or_default, used_by, workloads_running_as,
};

/// The check.
pub static CHECK: Check = Check {
    id: "serviceaccount-cluster-admin",
    aliases: &[],
    title: "ServiceAccount bound to cluster-admin",
    severity: Severity::Critical,
    description: "A ServiceAccount bound to cluster-admin turns every pod that runs as it into a cluster-admin credential: anyone who can exec into, or break into, one of those pods owns the cluster.",
    remediation: "Bind the ServiceAccount to a Role or ClusterRole that lists only the resources and verbs its workload needs, and remove the binding to 'cluster-admin'.",
    default_enabled: true,
    run: Run::Cluster(check),
};

fn check(ctx: &ClusterContext<'_>) -> Vec<ClusterHit> {
    let rbac = Rbac::new(ctx);
    let mut hits = Vec::new();
    for binding in rbac.bindings() {
        let Some(role) = cluster_admin_role(&rbac, &binding) else {
            continue;
        };
        for subject in binding
            .subjects
            .iter()
            .filter(|s| s.kind == "ServiceAccount")
        {
            let namespace = subject.service_account_namespace(binding.object.namespace());
            let defined = ctx.objects.iter().any(|object| {
                object.kind == "ServiceAccount"
                    && object.name() == subject.name
                    && ns_or_default(object.namespace()) == namespace
            });
            let workloads = workloads_running_as(ctx, namespace, subject.name);
            let mut message = format!(
                "ServiceAccount '{namespace}/{}' is bound to {role} {} by {}",
                subject.name,
                binding.scope(),
                binding.describe()
            );
            if defined {
                message.push_str("; the ServiceAccount is defined in the scanned objects");
            }
            message.push_str(&used_by(&workloads));
            hits.push(ClusterHit {
                object: binding.index,
                hit: Hit::at(subject.path(), message),
            });
            for (index, object) in workloads {
                hits.push(ClusterHit {
                    object: index,
                    hit: Hit::at(
                        ctx.context(object).spec_path("serviceAccountName"),
                        format!(
                            "{} runs as ServiceAccount '{namespace}/{}', which is bound to {role} {} by {}",
                            describe_workload(object),
                            subject.name,
                            binding.scope(),
                            binding.describe()
                        ),
                    ),
                });
            }
        }
    }
    hits
}

/// How the binding's role is described when it is cluster-admin or
/// grants the same; `None` otherwise.
fn cluster_admin_role(rbac: &Rbac<'_>, binding: &Binding<'_>) -> Option<String> {
    let role_ref = binding.role_ref?;
    if role_ref.kind == "ClusterRole" && role_ref.name == "cluster-admin" {
        return Some("ClusterRole 'cluster-admin'".to_owned());
    }
    let role = rbac.resolve(binding)?;
    role.is_cluster_admin_equivalent().then(|| {
        format!(
            "{}, which grants every verb on every resource like cluster-admin,",
            role.describe()
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::testing::cluster_hits;

    use super::CHECK;

    #[test]
    fn fails_on_the_binding_and_the_workload() {
        let found = cluster_hits(
            &CHECK,
            r#"
apiVersion: v1
kind: ServiceAccount
metadata: {name: deployer, namespace: ci}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: deployer-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: User, name: alice}
- {kind: ServiceAccount, name: deployer, namespace: ci}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: runner, namespace: ci}
spec:
  selector: {matchLabels: {app: runner}}
  template:
    metadata: {labels: {app: runner}}
    spec:
      serviceAccountName: deployer
      containers: [{name: app, image: runner:1}]
"#,
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, "ClusterRoleBinding deployer-admin");
        assert_eq!(found[0].1.path.as_deref(), Some("subjects[1]"));
        assert_eq!(
            found[0].1.message,
            "ServiceAccount 'ci/deployer' is bound to ClusterRole 'cluster-admin' cluster-wide by ClusterRoleBinding 'deployer-admin'; the ServiceAccount is defined in the scanned objects; used by Deployment 'ci/runner'"
        );
        assert_eq!(found[1].0, "Deployment ci/runner");
        assert_eq!(
            found[1].1.path.as_deref(),
            Some("spec.template.spec.serviceAccountName")
        );
        assert_eq!(
            found[1].1.message,
            "Deployment 'ci/runner' runs as ServiceAccount 'ci/deployer', which is bound to ClusterRole 'cluster-admin' cluster-wide by ClusterRoleBinding 'deployer-admin'"
        );
    }

    #[test]
    fn fails_on_an_equivalent_role_in_a_role_binding() {
        let found = cluster_hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: all, namespace: app}
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: app-all, namespace: app}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: all}
subjects:
- {kind: ServiceAccount, name: default}
"#,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].1.message,
            "ServiceAccount 'app/default' is bound to Role 'all', which grants every verb on every resource like cluster-admin, in namespace 'app' by RoleBinding 'app/app-all'"
        );
    }

    #[test]
    fn passes_for_users_and_lesser_roles() {
        let found = cluster_hits(
            &CHECK,
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: admins}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: Group, name: platform-admins}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: viewers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: ServiceAccount, name: dashboard, namespace: ui}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: cluster-admin
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: ServiceAccount, name: x, namespace: y}
"#,
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
