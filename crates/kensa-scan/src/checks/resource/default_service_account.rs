//! Every namespace has a ServiceAccount named `default`, used by every pod
//! that names no other. Unless it sets `automountServiceAccountToken: false`,
//! all those pods get an API token they usually do not need, and any
//! permission ever granted to `default` reaches all of them.
//!
//! Fields: `metadata.name` and `automountServiceAccountToken` of
//! ServiceAccounts. Fails for a ServiceAccount named `default` unless the
//! field is `false` (Checkov's test); other ServiceAccounts pass.

use kensa_report::Severity;
use serde_json::Value;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "default-service-account-automount",
    aliases: &["CKV_K8S_41"],
    title: "Default service account mounts its token",
    severity: Severity::Medium,
    description: "Pods that do not name a service account run as the namespace's default one. If it automounts its token, every such pod can call the Kubernetes API with whatever rights were granted to default, which also makes those rights hard to audit.",
    remediation: "Set automountServiceAccountToken: false on the ServiceAccount named default, and give workloads that need the API their own ServiceAccount.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["ServiceAccount"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    if object.metadata().name.as_deref() != Some("default") {
        return Vec::new();
    }
    let field = object.body_at("automountServiceAccountToken");
    if field.and_then(Value::as_bool) == Some(false) {
        return Vec::new();
    }
    let message = format!(
        "{} should set 'automountServiceAccountToken' to false",
        object.describe()
    );
    vec![match field {
        Some(_) => Hit::at("automountServiceAccountToken", message),
        None => Hit::object(message),
    }]
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_when_default_mounts_its_token() {
        let found = hits(
            &CHECK,
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: shop}\nautomountServiceAccountToken: true\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("automountServiceAccountToken")
        );
        assert_eq!(
            found[0].message,
            "ServiceAccount 'default' should set 'automountServiceAccountToken' to false"
        );
        let unset = hits(
            &CHECK,
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default}\n",
        );
        assert_eq!(unset.len(), 1);
        assert_eq!(unset[0].path, None);
    }

    #[test]
    fn passes_when_false_or_not_default() {
        for yaml in [
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default}\nautomountServiceAccountToken: false\n",
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app}\n",
        ] {
            assert!(hits(&CHECK, yaml).is_empty(), "{yaml}");
        }
    }
}
