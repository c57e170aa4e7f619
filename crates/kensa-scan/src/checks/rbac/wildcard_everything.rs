//! A role with a rule that grants every verb on every resource of every API
//! group: cluster-admin (or namespace admin) under another name.
//!
//! Fields: one rule with `*` in `apiGroups`, `resources` and `verbs`.
//! Passes when no single rule has all three.

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::rules;

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-wildcard-everything",
    aliases: &["KSV-0044", "KSV044", "AVD-KSV-0044"],
    title: "No wildcard verb and resource roles",
    severity: Severity::Critical,
    description: "A rule with '*' API groups, resources and verbs grants everything, including resources and verbs added later; it makes the role equivalent to cluster-admin within its scope.",
    remediation: "Replace the wildcards with the API groups, resources and verbs the holder needs; bind the built-in cluster-admin explicitly where full access is really intended.",
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
            rule.api_groups.contains(&"*")
                && rule.resources.contains(&"*")
                && rule.verbs.contains(&"*")
        })
        .map(|rule| {
            Hit::at(
                rule.path(),
                format!(
                    "{} should not grant '*' verbs on '*' resources in '*' API groups ({})",
                    object.describe(),
                    rule.path()
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
    fn fails_on_full_wildcards() {
        let found = role_hits(
            &CHECK,
            "Role",
            r#"
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get"]
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[1]",
            "Role 'r' should not grant '*' verbs on '*' resources in '*' API groups (rules[1])",
        );
    }

    #[test]
    fn passes_when_one_part_is_specific() {
        let found = role_hits(
            &CHECK,
            "ClusterRole",
            r#"
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["get", "list"]
"#,
        );
        assert!(found.is_empty());
    }
}
