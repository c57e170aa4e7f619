//! A NetworkPolicy that selects nothing to apply to and names no peers by
//! selector does not isolate any pod: it is a policy in name only.
//!
//! Fields: `spec.podSelector` (an empty `{}` selects every pod of the
//! namespace and counts as a selector), and the `podSelector` /
//! `namespaceSelector` of the peers in `spec.ingress[*].from[*]` and
//! `spec.egress[*].to[*]`. Passes when any of them is present (Trivy's test).

use kensa_report::Severity;
use serde_json::Value;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "network-policy-without-selector",
    aliases: &["KSV-0038", "KSV038", "AVD-KSV-0038"],
    title: "Selector usage in network policies",
    severity: Severity::Medium,
    description: "A NetworkPolicy applies to the pods its podSelector selects and lets traffic through from and to the peers its rules select. Without any podSelector or namespaceSelector it restricts nothing, while giving the impression that the namespace is protected.",
    remediation: "Set spec.podSelector to the pods the policy protects ({} for every pod of the namespace) and select allowed peers in spec.ingress[].from[] and spec.egress[].to[] with podSelector and/or namespaceSelector.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["NetworkPolicy"]),
        check,
    },
};

fn peers_select(rules: Option<&Value>, peers_field: &str) -> bool {
    rules
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|rule| rule.get(peers_field)?.as_array())
        .flatten()
        .any(|peer| peer.get("podSelector").is_some() || peer.get("namespaceSelector").is_some())
}

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let Some(spec) = object.body_at("spec") else {
        return vec![Hit::object(format!(
            "{} has no spec; it should select pods with 'spec.podSelector'",
            object.describe()
        ))];
    };
    let selects = spec.get("podSelector").is_some()
        || peers_select(spec.get("ingress"), "from")
        || peers_select(spec.get("egress"), "to");
    if selects {
        return Vec::new();
    }
    vec![Hit::at(
        "spec",
        format!(
            "{} should select pods with 'spec.podSelector' and/or peers with 'podSelector' or 'namespaceSelector'",
            object.describe()
        ),
    )]
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_without_any_selector() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny}
spec:
  policyTypes: [Ingress]
  ingress:
  - from:
    - ipBlock: {cidr: 10.0.0.0/8}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("spec"));
        assert_eq!(
            found[0].message,
            "NetworkPolicy 'deny' should select pods with 'spec.podSelector' and/or peers with 'podSelector' or 'namespaceSelector'"
        );
    }

    #[test]
    fn passes_with_an_empty_pod_selector_or_a_peer_selector() {
        for yaml in [
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: all}\nspec:\n  podSelector: {}\n",
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: peer}\nspec:\n  egress:\n  - to:\n    - namespaceSelector: {matchLabels: {team: a}}\n",
        ] {
            assert!(hits(&CHECK, yaml).is_empty(), "{yaml}");
        }
    }
}
