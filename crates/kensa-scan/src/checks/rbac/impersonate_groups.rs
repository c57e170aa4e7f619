//! A role that can impersonate groups.
//!
//! Impersonating a group such as `system:masters` gives its holder that
//! group's permissions.
//!
//! Fields: a rule whose `apiGroups` cover the core group (`""` or `*`),
//! whose `resources` name `groups` and whose `verbs` allow `impersonate`
//! (literally or through `*`). Trivy requires `apiGroups: ["*"]` and the
//! literal verb; kensa also catches the core group and the `*` verb, which
//! grant the same. Passes when no rule does so.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{grant_hit, rules};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-impersonate-groups",
    aliases: &["KSV-0043", "KSV043", "AVD-KSV-0043"],
    title: "Do not allow impersonation of privileged groups",
    severity: Severity::Critical,
    description: "Whoever may impersonate groups can act as a member of any group, system:masters included, and so gets that group's permissions without holding them.",
    remediation: "Remove 'groups' from rules that allow the 'impersonate' verb (or '*'); where impersonation is needed, limit it to named groups with resourceNames.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role", "ClusterRole"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    rules(object)
        .into_iter()
        .filter(|rule| {
            rule.allows_group("")
                && rule.names_resource("groups")
                && rule.allows_verb("impersonate")
        })
        .map(|rule| grant_hit(object, &rule, &["impersonate"], &["groups"]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::support::fixtures::{assert_single_hit, role_hits};

    use super::CHECK;

    #[test]
    fn fails_when_groups_can_be_impersonated() {
        let found = role_hits(
            &CHECK,
            "ClusterRole",
            r#"
- apiGroups: ["*"]
  resources: ["users", "groups"]
  verbs: ["impersonate"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[0]",
            "ClusterRole 'r' should not grant 'impersonate' on 'groups' (rules[0])",
        );
    }

    #[test]
    fn passes_for_other_groups_or_resources() {
        let found = role_hits(
            &CHECK,
            "Role",
            r#"
- apiGroups: ["example.com"]
  resources: ["groups"]
  verbs: ["impersonate"]
- apiGroups: [""]
  resources: ["serviceaccounts"]
  verbs: ["impersonate"]
"#,
        );
        assert!(found.is_empty());
    }
}
