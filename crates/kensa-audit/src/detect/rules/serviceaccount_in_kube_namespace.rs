//! A service account other than the known controllers' was created in
//! `kube-system` or `kube-public`: a place to park credentials that look
//! like part of the control plane.
//!
//! Falco: `Service Account Created in Kube Namespace` (`known_sa_list`),
//! same condition.

use crate::detect::support::*;
use crate::detect::{Priority, RequestPattern, Rule};
use crate::event::Event;

/// Service account created in a kube namespace.
pub static RULE: Rule = Rule {
    id: "k8s-serviceaccount-in-kube-namespace",
    falco_name: Some("Service Account Created in Kube Namespace"),
    title: "Service account created in a kube namespace",
    priority: Priority::Warning,
    description: "A service account other than the known controllers was created in kube-system or kube-public.",
    default_enabled: true,
    needs: metadata(&[RequestPattern {
        verbs: &["create"],
        api_group: Some(""),
        resources: &["serviceaccounts"],
        subresources: &[],
        namespaces: &["kube-system", "kube-public"],
    }]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    if event.subresource().is_some() || !succeeded(event) {
        return None;
    }
    if event
        .name()
        .is_some_and(|name| KNOWN_SA_LIST.contains(&name))
    {
        return None;
    }
    Some(format!(
        "service account created in kube namespace (user={} serviceaccount={})",
        user(event),
        object(event)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_on_new_accounts() {
        let e = event(
            "create",
            "bob",
            r#"{"resource":"serviceaccounts","namespace":"kube-system","name":"myacct"}"#,
            201,
            "",
        );
        assert!(run(&RULE, &e).is_some());
    }

    #[test]
    fn skips_known_controllers_and_other_namespaces() {
        let e = event(
            "create",
            "bob",
            r#"{"resource":"serviceaccounts","namespace":"kube-system","name":"job-controller"}"#,
            201,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
        let e = event(
            "create",
            "bob",
            r#"{"resource":"serviceaccounts","namespace":"web","name":"myacct"}"#,
            201,
            "",
        );
        assert_eq!(run(&RULE, &e), None);
    }
}
