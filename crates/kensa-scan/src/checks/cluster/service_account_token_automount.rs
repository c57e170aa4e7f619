//! Unless told otherwise, the API server mounts a token of the pod's
//! ServiceAccount into every container. A workload that never calls the
//! Kubernetes API gains nothing from it, while anyone who takes over one of
//! its containers can use it to act with the ServiceAccount's permissions.
//!
//! Looks at: `automountServiceAccountToken` and `serviceAccountName` (or
//! the deprecated `serviceAccount`) of each workload's pod spec, and
//! `automountServiceAccountToken` of the loaded ServiceAccounts. The pod's
//! ServiceAccount is `serviceAccountName`, else `default`, in the
//! workload's namespace (`default` when unset). The token is mounted, and
//! the workload fails, when the pod spec sets the field to true, or leaves
//! it unset and its ServiceAccount is not a loaded ServiceAccount that sets
//! `automountServiceAccountToken: false` (the pod's setting wins over the
//! ServiceAccount's, as in the API server). The finding points at the pod
//! spec field, or at the pod spec when the field is missing, and says where
//! the effective setting came from. Objects whose controlling owner is also
//! loaded are judged through the owner.
//!
//! This is Checkov's CKV_K8S_38, with one intended difference: Checkov
//! fails every pod spec that does not set the field to false, whereas
//! kensa passes a pod whose (loaded) ServiceAccount disables automounting,
//! because no token is mounted into it. It differs from its neighbour
//! `pod-service-account-token` (Trivy's KSV-0036), which only fails when the
//! pod spec sets the field to true or a container mounts the token
//! directory by hand, and passes pods that leave the field unset.

use kensa_k8s::Object;
use serde_json::Value;

use super::{Loaded, describe, namespace};
use crate::check::{Check, ClusterHit, Hit, Run};
use crate::context::{ClusterContext, is_workload_kind};
use kensa_report::Severity;

/// The check.
pub static CHECK: Check = Check {
    id: "workload-service-account-token-automounted",
    aliases: &["CKV_K8S_38"],
    title: "Service account token is mounted into the pod",
    severity: Severity::Low,
    description: "The API server mounts the pod's service account token into every container unless the pod or its ServiceAccount opts out. For a workload that does not talk to the Kubernetes API the token is of no use, but an attacker who compromises a container can use it to query and change the cluster with the ServiceAccount's permissions.",
    remediation: "Set automountServiceAccountToken: false in the pod spec (spec.template.spec for controllers), or on the ServiceAccount the pod runs as; for a workload that needs API access, keep the token but give its own ServiceAccount the least permissions it needs.",
    default_enabled: true,
    run: Run::Cluster(check),
};

/// What a loaded ServiceAccount says about automounting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AccountSetting {
    /// No ServiceAccount of that name is loaded.
    NotLoaded,
    /// Loaded, and `automountServiceAccountToken` is false.
    Disabled,
    /// Loaded, and `automountServiceAccountToken` is true.
    Enabled,
    /// Loaded, without a boolean `automountServiceAccountToken`.
    Unset,
}

/// The setting of ServiceAccount `name` in `namespace` among `accounts`.
/// Should several be loaded (duplicates), one that disables automounting
/// wins, then one that enables it.
fn account_setting(accounts: &[&Object], namespace_: &str, name: &str) -> AccountSetting {
    let mut setting = AccountSetting::NotLoaded;
    for account in accounts
        .iter()
        .filter(|account| namespace(account) == namespace_ && account.name() == name)
    {
        let value = account
            .body
            .as_ref()
            .and_then(|body| body.get("automountServiceAccountToken"))
            .and_then(Value::as_bool);
        setting = match (setting, value) {
            (_, Some(false)) | (AccountSetting::Disabled, _) => AccountSetting::Disabled,
            (_, Some(true)) | (AccountSetting::Enabled, _) => AccountSetting::Enabled,
            _ => AccountSetting::Unset,
        };
    }
    setting
}

fn check(cluster: &ClusterContext<'_>) -> Vec<ClusterHit> {
    let loaded = Loaded::new(cluster.objects);
    let accounts: Vec<&Object> = cluster
        .of_kind("ServiceAccount")
        .map(|(_, account)| account)
        .collect();
    let mut hits = Vec::new();
    for (index, object) in cluster.objects.iter().enumerate() {
        if !is_workload_kind(&object.kind) || loaded.has_owner_of(object) {
            continue;
        }
        let Some(pod) = &object.pod else {
            continue;
        };
        let context = cluster.context(object);
        let field = context.spec_path("automountServiceAccountToken");
        let hit = match pod.spec.automount_service_account_token {
            Some(false) => continue,
            Some(true) => Hit::at(
                field.as_str(),
                format!(
                    "{} should set '{field}' to false: it is true, so the API server mounts the service account token into the pod",
                    describe(object)
                ),
            ),
            None => {
                #[allow(deprecated)]
                // `serviceAccount` is the old spelling some manifests still use
                let account = pod
                    .spec
                    .service_account_name
                    .as_deref()
                    .or(pod.spec.service_account.as_deref())
                    .filter(|name| !name.is_empty())
                    .unwrap_or("default");
                let own_namespace = namespace(object);
                let why = match account_setting(&accounts, own_namespace, account) {
                    AccountSetting::Disabled => continue,
                    AccountSetting::NotLoaded => "is not among the scanned objects",
                    AccountSetting::Unset => "does not set 'automountServiceAccountToken' to false",
                    AccountSetting::Enabled => "sets 'automountServiceAccountToken' to true",
                };
                Hit::at(
                    context.spec_path(""),
                    format!(
                        "{} should set '{field}' to false: it is unset and its ServiceAccount '{own_namespace}/{account}' {why}, so the API server mounts the service account token by default",
                        describe(object)
                    ),
                )
            }
        };
        hits.push(ClusterHit { object: index, hit });
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::CHECK;
    use crate::testing::cluster_hits;

    fn deployment(name: &str, namespace: &str, pod_spec: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n{pod_spec}      containers: [{{name: c, image: nginx}}]\n"
        )
    }

    fn account(name: &str, namespace: &str, automount: Option<bool>) -> String {
        let setting = automount.map_or(String::new(), |value| {
            format!("automountServiceAccountToken: {value}\n")
        });
        format!(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: {name}, namespace: {namespace}}}\n{setting}"
        )
    }

    #[test]
    fn fails_when_the_token_is_mounted() {
        let yaml = [
            deployment(
                "explicit",
                "prod",
                "      automountServiceAccountToken: true\n",
            ),
            deployment("unloaded", "prod", "      serviceAccountName: api\n"),
            deployment("silent", "prod", "      serviceAccountName: quiet\n"),
            deployment("enabled", "prod", "      serviceAccountName: loud\n"),
            // The ServiceAccount disables it, but the pod turns it back on.
            deployment(
                "override",
                "prod",
                "      serviceAccountName: off\n      automountServiceAccountToken: true\n",
            ),
            // Same name, other namespace: it does not apply.
            deployment("elsewhere", "dev", "      serviceAccountName: off\n"),
            account("quiet", "prod", None),
            account("loud", "prod", Some(true)),
            account("off", "prod", Some(false)),
        ]
        .join("---\n");
        let found = cluster_hits(&CHECK, &yaml);
        let names: Vec<&str> = found.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Deployment prod/explicit",
                "Deployment prod/unloaded",
                "Deployment prod/silent",
                "Deployment prod/enabled",
                "Deployment prod/override",
                "Deployment dev/elsewhere",
            ]
        );
        assert_eq!(
            found[0].1.path.as_deref(),
            Some("spec.template.spec.automountServiceAccountToken")
        );
        assert_eq!(
            found[0].1.message,
            "Deployment 'explicit' in namespace 'prod' should set 'spec.template.spec.automountServiceAccountToken' to false: it is true, so the API server mounts the service account token into the pod"
        );
        assert_eq!(found[1].1.path.as_deref(), Some("spec.template.spec"));
        assert_eq!(
            found[1].1.message,
            "Deployment 'unloaded' in namespace 'prod' should set 'spec.template.spec.automountServiceAccountToken' to false: it is unset and its ServiceAccount 'prod/api' is not among the scanned objects, so the API server mounts the service account token by default"
        );
        assert!(found[2].1.message.contains(
            "ServiceAccount 'prod/quiet' does not set 'automountServiceAccountToken' to false"
        ));
        assert!(
            found[3]
                .1
                .message
                .contains("ServiceAccount 'prod/loud' sets 'automountServiceAccountToken' to true")
        );
        assert!(found[5].1.message.contains("ServiceAccount 'dev/off'"));
    }

    #[test]
    fn a_pod_without_namespace_or_account_uses_default_default() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: c, image: nginx}]\n";
        let found = cluster_hits(&CHECK, pod);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1.path.as_deref(), Some("spec"));
        assert!(
            found[0]
                .1
                .message
                .contains("ServiceAccount 'default/default'")
        );

        let yaml = [
            pod.to_owned(),
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default}\nautomountServiceAccountToken: false\n".to_owned(),
        ]
        .join("---\n");
        assert!(cluster_hits(&CHECK, &yaml).is_empty());
    }

    #[test]
    fn passes_when_the_token_is_not_mounted() {
        let yaml = [
            deployment(
                "pod-off",
                "prod",
                "      automountServiceAccountToken: false\n",
            ),
            // The pod's setting wins even over a ServiceAccount that enables it.
            deployment(
                "both",
                "prod",
                "      serviceAccountName: loud\n      automountServiceAccountToken: false\n",
            ),
            // Checkov fails this one; kensa does not, since no token is mounted.
            deployment("account-off", "prod", "      serviceAccountName: off\n"),
            account("loud", "prod", Some(true)),
            account("off", "prod", Some(false)),
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n".to_owned(),
        ]
        .join("---\n");
        assert!(cluster_hits(&CHECK, &yaml).is_empty());
    }

    #[test]
    fn judges_owned_objects_through_their_owner() {
        let yaml = [
            deployment("web", "prod", ""),
            "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: web-1\n  namespace: prod\n  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u, controller: true}]\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: c, image: nginx}]\n".to_owned(),
        ]
        .join("---\n");
        let found = cluster_hits(&CHECK, &yaml);
        let names: Vec<&str> = found.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["Deployment prod/web"]);
    }
}
