//! A request by a user name that installers give the initial cluster admin
//! (`kubernetes-admin`, `minikube-user`...). Day-to-day use of that
//! all-powerful credential is a finding in itself.
//!
//! Falco: `Full K8s Administrative Access`, disabled by default upstream
//! (`allowed_full_admin_users` is always true) and here.

use crate::detect::support::*;
use crate::detect::{Priority, RequestPattern, Rule};
use crate::event::Event;

/// Request by a default admin user.
pub static RULE: Rule = Rule {
    id: "k8s-full-admin-access",
    falco_name: Some("Full K8s Administrative Access"),
    title: "Request by a default admin user",
    priority: Priority::Warning,
    description: "A request by a default cluster-admin user name (kubernetes-admin, minikube-user...).",
    default_enabled: false,
    needs: metadata(&[RequestPattern::ANY]),
    check,
    window: None,
};

fn check(event: &Event<'_>) -> Option<String> {
    let name = event.user.username.as_ref();
    if is_system_user(name) || !FULL_ADMIN_K8S_USERS.contains(&name) {
        return None;
    }
    Some(format!(
        "request by a default admin user (user={} verb={} target={} uri={} code={})",
        name,
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
    fn fires_for_kubernetes_admin() {
        assert!(
            run(
                &RULE,
                &event("get", "kubernetes-admin", r#"{"resource":"pods"}"#, 200, "")
            )
            .is_some()
        );
    }

    #[test]
    fn skips_other_users() {
        assert_eq!(
            run(
                &RULE,
                &event("get", "alice", r#"{"resource":"pods"}"#, 200, "")
            ),
            None
        );
    }
}
