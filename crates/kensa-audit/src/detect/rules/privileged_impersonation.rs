//! A request impersonated a privileged identity: a member of
//! `system:masters` or `system:nodes`, a control-plane user
//! (`system:admin`, `system:kube-controller-manager`, ...), or a `kube-system`
//! service account. Whoever may impersonate those has their rights, and
//! the audit log attributes the action to the impersonated identity.
//!
//! kensa rule (no Falco equivalent). Only successful requests.

use crate::detect::support::*;
use crate::detect::{Priority, RequestPattern, Rule};
use crate::event::Event;

/// Impersonation of a privileged identity.
pub static RULE: Rule = Rule {
    id: "k8s-privileged-impersonation",
    falco_name: None,
    title: "Impersonation of a privileged identity",
    priority: Priority::Warning,
    description: "A request impersonated a privileged identity: system:masters, a node, a control-plane component or a kube-system service account.",
    default_enabled: true,
    needs: metadata(&[RequestPattern::ANY]),
    check,
    window: None,
};

/// Control-plane users with broad rights.
const PRIVILEGED_USERS: &[&str] = &[
    "system:admin",
    "system:apiserver",
    "system:kube-controller-manager",
    "system:kube-scheduler",
    "system:kube-proxy",
];

fn check(event: &Event<'_>) -> Option<String> {
    let target = event.impersonated_user.as_ref()?;
    if failed(event) {
        return None;
    }
    let name = target.username.as_ref();
    let privileged = PRIVILEGED_USERS.contains(&name)
        || name.starts_with("system:node:")
        || name.starts_with("system:serviceaccount:kube-system:")
        || target
            .groups
            .iter()
            .any(|g| matches!(g.as_ref(), "system:masters" | "system:nodes"));
    if !privileged {
        return None;
    }
    Some(format!(
        "privileged identity impersonated (user={} as={} verb={} target={})",
        user(event),
        name,
        event.verb,
        object(event)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::support::testing::*;

    fn impersonating(who: &str, groups: &str) -> String {
        let extra = format!(r#""impersonatedUser":{{"username":"{who}","groups":{groups}}}"#);
        event(
            "delete",
            "bob",
            r#"{"resource":"deployments","namespace":"a","name":"d"}"#,
            200,
            &extra,
        )
    }

    #[test]
    fn fires_for_kube_system_accounts_and_masters() {
        assert!(
            run(
                &RULE,
                &impersonating(
                    "system:serviceaccount:kube-system:generic-garbage-collector",
                    "[]"
                )
            )
            .is_some()
        );
        assert!(run(&RULE, &impersonating("carol", r#"["system:masters"]"#)).is_some());
    }

    #[test]
    fn skips_ordinary_impersonation() {
        assert_eq!(run(&RULE, &impersonating("carol", r#"["devs"]"#)), None);
        assert_eq!(
            run(
                &RULE,
                &event("get", "bob", r#"{"resource":"pods"}"#, 200, "")
            ),
            None
        );
    }
}
