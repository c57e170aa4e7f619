//! A Service with `externalIPs` makes the cluster route traffic for those
//! addresses to its pods: anyone who may create Services can take over
//! traffic meant for any IP (CVE-2020-8554), and the addresses bypass the
//! cloud load balancer's controls.
//!
//! Fields: `spec.externalIPs`. Fails when it lists at least one address.
//! (Trivy's rule also fails every Service whose `spec.externalName` is not
//! in an empty allow-list, which in practice fails every Service; kensa
//! follows the documented test, externalIPs only.)

use kensa_report::Severity;
use serde_json::Value;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "service-external-ips",
    aliases: &["KSV-0108", "AVD-KSV-0108"],
    title: "Service with External IP",
    severity: Severity::High,
    description: "kube-proxy sends traffic for a Service's externalIPs to its pods on every node, whoever owns those addresses. A Service can thereby intercept traffic for arbitrary IPs (CVE-2020-8554) and expose pods outside the load balancer's control.",
    remediation: "Remove spec.externalIPs; expose the Service with type: LoadBalancer or through an Ingress, and enable the DenyServiceExternalIPs admission plugin to refuse the field cluster-wide.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Service"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let ips: Vec<&str> = object
        .body_at("spec.externalIPs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if ips.is_empty() {
        return Vec::new();
    }
    vec![Hit::at(
        "spec.externalIPs",
        format!(
            "{} should not set 'spec.externalIPs' (it sets {})",
            object.describe(),
            ips.iter()
                .map(|ip| format!("'{ip}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )]
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_with_external_ips() {
        let found = hits(
            &CHECK,
            "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n  externalIPs: [203.0.113.7]\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("spec.externalIPs"));
        assert_eq!(
            found[0].message,
            "Service 'web' should not set 'spec.externalIPs' (it sets '203.0.113.7')"
        );
    }

    #[test]
    fn passes_without() {
        for yaml in [
            "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n",
            "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  type: ExternalName\n  externalName: db.corp.io\n  externalIPs: []\n",
        ] {
            assert!(hits(&CHECK, yaml).is_empty(), "{yaml}");
        }
    }
}
