//! The AlwaysAllow authorizer permits every request that passed
//! authentication, whatever RBAC says.
//!
//! Fields: `--authorization-mode` (a comma list, repeatable) and
//! `--authorization-config` of kube-apiserver. Fails when AlwaysAllow is in
//! the list, and when neither flag is given, since the API server then falls
//! back to AlwaysAllow (Trivy passes an absent flag). With
//! `--authorization-config` alone the authorizers are in a file the check
//! cannot see, and it passes.

use kensa_report::Severity;

use super::support::{Component, each};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-authorization-always-allow",
    aliases: &["KCV-0007", "KCV0007", "AVD-KCV-0007", "CKV_K8S_74"],
    title: "Ensure that the --authorization-mode argument is not set to AlwaysAllow",
    severity: Severity::Low,
    description: "With AlwaysAllow in the authorizer chain, any authenticated identity, down to a service account token of any pod, can do anything in the cluster, including reading every Secret and creating privileged pods.",
    remediation: "Set --authorization-mode=Node,RBAC on kube-apiserver (or another list without AlwaysAllow) and grant access through RBAC.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        let modes = t.flags.list("authorization-mode");
        if let Some((_, flag)) = modes.iter().find(|(mode, _)| mode == "AlwaysAllow") {
            return Some(t.hit_on(
                flag,
                format!(
                    "{} sets {}; remove AlwaysAllow and use --authorization-mode=Node,RBAC",
                    t.who(),
                    flag.display()
                ),
            ));
        }
        if modes.is_empty() && t.flags.last("authorization-config").is_none() {
            return Some(t.hit_missing(format!(
                "{} does not set --authorization-mode, which defaults to AlwaysAllow; set --authorization-mode=Node,RBAC",
                t.who()
            )));
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::super::support::{assert_clean, assert_hit};

    use super::CHECK;

    #[test]
    fn fails_when_always_allow_is_listed() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--authorization-mode=RBAC,AlwaysAllow"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --authorization-mode=RBAC,AlwaysAllow; remove AlwaysAllow and use --authorization-mode=Node,RBAC",
        );
    }

    #[test]
    fn fails_when_absent() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &[],
            "spec.containers[0].command",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --authorization-mode, which defaults to AlwaysAllow; set --authorization-mode=Node,RBAC",
        );
    }

    #[test]
    fn passes_with_node_and_rbac() {
        assert_clean(
            &CHECK,
            "kube-apiserver",
            &["--authorization-mode=Node,RBAC"],
        );
    }

    #[test]
    fn passes_with_an_authorization_config_file() {
        assert_clean(
            &CHECK,
            "kube-apiserver",
            &["--authorization-config=/etc/kubernetes/authz.yaml"],
        );
    }
}
