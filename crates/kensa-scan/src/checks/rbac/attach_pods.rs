//! A role that can attach to running containers: `create` on `pods/attach`
//! plus `get` on `pods`.
//!
//! Fields: a rule covering the core group (`""` or `*`) allowing `create` on
//! `pods/attach`, and a rule (the same or another) covering the core group
//! allowing `get` on `pods`; `*` verbs count. (Trivy requires
//! `apiGroups: ["*"]` on both; pods live in the core group, so `""` grants
//! the same.) The hit is on the `pods/attach` rule. Passes otherwise.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{rules, two_rule_paths};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-attach-pods",
    aliases: &["KSV-0054", "KSV054", "AVD-KSV-0054"],
    title: "Do not allow attaching to shell on pods",
    severity: Severity::High,
    description: "Attaching to a container's console gives the holder the container's running process, with its ServiceAccount token, Secrets and network access.",
    remediation: "Remove 'pods/attach' from the role's rules, or remove 'get' on 'pods' where attach is kept for a break-glass role.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role", "ClusterRole"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let rules = rules(object);
    let Some(get_pods) = rules.iter().find(|rule| {
        rule.allows_group("") && rule.names_resource("pods") && rule.allows_verb("get")
    }) else {
        return Vec::new();
    };
    rules
        .iter()
        .filter(|rule| {
            rule.allows_group("") && rule.names_resource("pods/attach") && rule.allows_verb("create")
        })
        .map(|rule| {
            Hit::at(
                rule.path(),
                format!(
                    "{} should not grant 'create' on 'pods/attach' together with 'get' on 'pods' ({})",
                    object.describe(),
                    two_rule_paths(rule, get_pods)
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::support::fixtures::{assert_single_hit, role_hits};

    use super::CHECK;

    #[test]
    fn fails_on_attach_and_get() {
        let found = role_hits(
            &CHECK,
            "Role",
            r#"
- apiGroups: ["*"]
  resources: ["pods/attach"]
  verbs: ["create"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "Role 'r' should not grant 'create' on 'pods/attach' together with 'get' on 'pods' (rules[0], rules[1])",
        );
    }

    #[test]
    fn passes_without_get_on_pods() {
        let found = role_hits(
            &CHECK,
            "Role",
            r#"
- apiGroups: ["*"]
  resources: ["pods/attach"]
  verbs: ["create"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list"]
"#,
        );
        assert!(found.is_empty());
    }
}
