//! Any request by a user that is neither a `system:` identity nor in the
//! allowed users list (Falco `allowed_k8s_users` and `eks_allowed_k8s_users`).
//! On a cluster whose users are all known, anyone else is an intruder or a
//! leaked credential.
//!
//! Falco: `Disallowed K8s User`, same condition. kensa ships it disabled: the
//! allowlist holds minikube and kops defaults, so on any other cluster it
//! fires on every request of every human user. Enable it after adapting the
//! list.

use crate::detect::support::*;
use crate::detect::{Priority, RequestPattern, Rule};
use crate::event::Event;

/// Disallowed K8s user.
pub static RULE: Rule = Rule {
    id: "k8s-disallowed-user",
    falco_name: Some("Disallowed K8s User"),
    title: "Disallowed K8s user",
    priority: Priority::Warning,
    description: "Any request by a non-system user outside the allowed users list.",
    default_enabled: false,
    needs: metadata(&[RequestPattern::ANY]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    let name = event.user.username.as_ref();
    if is_system_user(name)
        || ALLOWED_K8S_USERS.contains(&name)
        || EKS_ALLOWED_K8S_USERS.contains(&name)
    {
        return None;
    }
    Some(format!(
        "request by user not in the allowed list (user={} verb={} target={} uri={} code={})",
        user(event),
        event.verb,
        object(event),
        event.request_uri,
        code(event)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    #[test]
    fn fires_for_unknown_users() {
        let e = event(
            "get",
            "oidc:mallory",
            r#"{"resource":"pods","namespace":"a"}"#,
            200,
            "",
        );
        assert!(run(&RULE, &e).unwrap().contains("oidc:mallory"));
    }

    #[test]
    fn allows_listed_and_system_users() {
        for user in [
            "minikube-user",
            "system:serviceaccount:a:b",
            "eks:node-manager",
        ] {
            let e = event(
                "get",
                user,
                r#"{"resource":"pods","namespace":"a"}"#,
                200,
                "",
            );
            assert_eq!(run(&RULE, &e), None, "{user}");
        }
    }
}
