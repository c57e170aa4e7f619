//! A ClusterRoleBinding to `cluster-admin` was created: whoever it names now
//! has every right on every resource.
//!
//! Falco: `Attach to cluster-admin Role`, same condition. kensa fires only
//! when the create succeeded and lists the subjects.

use crate::detect::support::*;
use crate::detect::{Priority, Rule};
use crate::event::Event;

/// Binding to cluster-admin created.
pub static RULE: Rule = Rule {
    id: "k8s-cluster-admin-binding",
    falco_name: Some("Attach to cluster-admin Role"),
    title: "Binding to cluster-admin created",
    priority: Priority::Warning,
    description: "A ClusterRoleBinding to the cluster-admin role was created.",
    default_enabled: true,
    needs: request_body(&[pattern(&["create"], &["clusterrolebindings"])]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if failed(event) {
        return None;
    }
    let body = request_body_json(event)?;
    if body.pointer("/roleRef/name").and_then(|n| n.as_str()) != Some("cluster-admin") {
        return None;
    }
    let subjects = body
        .get("subjects")
        .map(|s| s.to_string())
        .unwrap_or_default();
    Some(format!(
        "binding to cluster-admin created (user={} binding={} subjects={})",
        user(event),
        object(event),
        subjects
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    fn binding(role: &str) -> String {
        let body = format!(
            r#""requestObject":{{"roleRef":{{"kind":"ClusterRole","name":"{role}"}},"subjects":[{{"kind":"ServiceAccount","name":"default","namespace":"kube-system"}}]}}"#
        );
        event(
            "create",
            "bob",
            r#"{"resource":"clusterrolebindings","name":"b"}"#,
            201,
            &body,
        )
    }

    #[test]
    fn fires_on_cluster_admin() {
        assert!(
            run(&RULE, &binding("cluster-admin"))
                .unwrap()
                .contains("kube-system")
        );
    }

    #[test]
    fn skips_other_roles() {
        assert_eq!(run(&RULE, &binding("view")), None);
    }
}
