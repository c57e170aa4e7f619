//! Someone minted a token for a `kube-system` service account through the
//! TokenRequest API (`serviceaccounts/token`, `kubectl create token`). The
//! accounts there are powerful, and a minted token can be long-lived and
//! outlives the pod-bound tokens kubelets request.
//!
//! kensa rule (no Falco equivalent). Nodes (kubelets requesting tokens for
//! their pods) and kube-controller-manager are expected and skipped.

use crate::detect::support::*;
use crate::detect::{Priority, RequestPattern, Rule};
use crate::event::Event;

/// Token minted for a kube-system service account.
pub static RULE: Rule = Rule {
    id: "k8s-kube-system-token-request",
    falco_name: None,
    title: "Token minted for a kube-system service account",
    priority: Priority::Warning,
    description: "A token was requested (TokenRequest) for a kube-system service account by someone other than a node or the controller manager.",
    default_enabled: true,
    needs: metadata(&[RequestPattern {
        verbs: &["create"],
        api_group: Some(""),
        resources: &["serviceaccounts"],
        subresources: &["token"],
        namespaces: &["kube-system"],
    }]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    let name = event.user.username.as_ref();
    if failed(event) || name.starts_with("system:node:") || name == "system:kube-controller-manager"
    {
        return None;
    }
    Some(format!(
        "token requested for kube-system service account (user={} serviceaccount={} source={})",
        user(event),
        object(event),
        event.source_ip().unwrap_or("?")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    fn token(user: &str, namespace: &str) -> String {
        let object = format!(
            r#"{{"resource":"serviceaccounts","subresource":"token","namespace":"{namespace}","name":"default"}}"#
        );
        event("create", user, &object, 201, "")
    }

    #[test]
    fn fires_for_other_users() {
        assert!(
            run(
                &RULE,
                &token("system:serviceaccount:ci:deployer", "kube-system")
            )
            .is_some()
        );
    }

    #[test]
    fn skips_nodes_and_other_namespaces() {
        assert_eq!(
            run(&RULE, &token("system:node:node-1", "kube-system")),
            None
        );
        assert_eq!(run(&RULE, &token("bob", "web")), None);
    }
}
