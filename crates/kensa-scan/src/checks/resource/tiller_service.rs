//! Tiller, the server side of Helm v2, answers unauthenticated gRPC calls
//! with cluster-admin rights in most installations. A Service in front of it
//! lets anything that reaches the Service install arbitrary charts. Helm v2
//! is end-of-life; Tiller should be gone, Service included.
//!
//! Fields: `metadata.name`, `metadata.labels` and `spec.selector` of
//! Services. Fails when the name, a label value or a selector value
//! contains `tiller` (case-insensitive), as Checkov tests.

use kensa_report::Severity;

use super::support::string_map;
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "tiller-service",
    aliases: &["CKV_K8S_44"],
    title: "Tiller Service is deployed",
    severity: Severity::High,
    description: "Tiller (Helm v2) accepts commands without authentication by default and usually runs with cluster-admin rights. A Service that exposes it hands those rights to anything that can reach the Service; Helm v2 has been unsupported since 2020.",
    remediation: "Migrate releases to Helm v3 (helm 2to3), then delete the Tiller Deployment, its Service and its ServiceAccount.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Service"]),
        check,
    },
};

fn mentions_tiller(text: &str) -> bool {
    text.to_ascii_lowercase().contains("tiller")
}

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let message = |what: String| {
        format!(
            "{} looks like Helm v2's Tiller ({what}); remove it",
            object.describe()
        )
    };
    if mentions_tiller(object.name()) {
        return vec![Hit::at(
            "metadata.name",
            message(format!("name '{}'", object.name())),
        )];
    }
    let labels = object.metadata().labels.iter().flatten();
    if let Some((key, value)) = labels.into_iter().find(|(_, value)| mentions_tiller(value)) {
        return vec![Hit::at(
            "metadata.labels",
            message(format!("label '{key}: {value}'")),
        )];
    }
    if let Some((key, value)) = string_map(object, "spec.selector")
        .into_iter()
        .find(|(_, value)| mentions_tiller(value))
    {
        return vec![Hit::at(
            "spec.selector",
            message(format!("selector '{key}: {value}'")),
        )];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_on_a_tiller_service() {
        let found = hits(
            &CHECK,
            "apiVersion: v1\nkind: Service\nmetadata: {name: helm-api, namespace: kube-system}\nspec:\n  selector: {app: helm, name: tiller}\n  ports: [{port: 44134}]\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("spec.selector"));
        assert_eq!(
            found[0].message,
            "Service 'helm-api' looks like Helm v2's Tiller (selector 'name: tiller'); remove it"
        );
        assert_eq!(
            hits(
                &CHECK,
                "apiVersion: v1\nkind: Service\nmetadata: {name: tiller-deploy}\n"
            )[0]
            .path
            .as_deref(),
            Some("metadata.name")
        );
    }

    #[test]
    fn passes_on_other_services() {
        let found = hits(
            &CHECK,
            "apiVersion: v1\nkind: Service\nmetadata: {name: web, labels: {app: web}}\nspec:\n  selector: {app: web}\n",
        );
        assert!(found.is_empty());
    }
}
