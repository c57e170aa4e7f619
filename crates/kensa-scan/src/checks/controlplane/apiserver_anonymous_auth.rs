//! The API server treats requests that carry no credentials as the user
//! `system:anonymous` unless `--anonymous-auth=false`.
//!
//! Field: the `--anonymous-auth` flag of the kube-apiserver container
//! (`command`/`args`). The API server defaults it to true, so an absent flag
//! fails; only an explicit false passes.

use kensa_report::Severity;

use super::support::{Component, each, expect_bool};
use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "apiserver-anonymous-auth",
    aliases: &["KCV-0001", "KCV0001", "AVD-KCV-0001", "CKV_K8S_68"],
    title: "Ensure that the --anonymous-auth argument is set to false",
    severity: Severity::Medium,
    description: "With anonymous authentication on, anyone who can reach the API server port is let in as system:anonymous; whatever RBAC grants to that user or to system:unauthenticated (health, version and discovery endpoints by default, more after a careless binding) is open to the network.",
    remediation: "Add --anonymous-auth=false to the kube-apiserver command in /etc/kubernetes/manifests/kube-apiserver.yaml (health checks of load balancers then need credentials or the /livez and /readyz endpoints allowed another way).",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Pod"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    each(object, Component::ApiServer, |t| {
        expect_bool(t, "anonymous-auth", false, true)
    })
}

#[cfg(test)]
mod tests {
    use super::super::support::{assert_clean, assert_hit};

    use super::CHECK;

    #[test]
    fn fails_when_set_to_true() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &["--anonymous-auth=true"],
            "spec.containers[0].command[1]",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) sets --anonymous-auth=true; set it to false",
        );
    }

    #[test]
    fn fails_when_absent() {
        assert_hit(
            &CHECK,
            "kube-apiserver",
            &[],
            "spec.containers[0].command",
            "kube-apiserver (Pod kube-system/kube-apiserver-cp1) does not set --anonymous-auth, which defaults to true; set --anonymous-auth=false",
        );
    }

    #[test]
    fn passes_when_set_to_false() {
        assert_clean(&CHECK, "kube-apiserver", &["--anonymous-auth=false"]);
    }
}
