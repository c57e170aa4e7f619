//! A role with wildcards in its rules.
//!
//! Fields: `rules[*].apiGroups`, `rules[*].resources` and `rules[*].verbs`.
//! Fails once per rule where any entry contains `*` (`*`, `*/scale`),
//! naming the fields; passes when no rule has one. (Checkov looks at the
//! first rule only; kensa looks at all of them.)

use kensa_report::Severity;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

use super::support::{quoted, rules};

/// The check.
pub static CHECK: Check = Check {
    id: "rbac-wildcard-rules",
    aliases: &["CKV_K8S_49"],
    title: "Wildcards in RBAC rules",
    severity: Severity::Medium,
    description: "Wildcards grant every API group, resource or verb, including ones added later by upgrades or CRDs, so the role's real reach cannot be reviewed from its text.",
    remediation: "Replace '*' in apiGroups, resources and verbs with the explicit groups, resources and verbs the holder needs.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["Role", "ClusterRole"]),
        check,
    },
};

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    rules(object)
        .into_iter()
        .filter_map(|rule| {
            let fields: Vec<&str> = [
                ("apiGroups", &rule.api_groups),
                ("resources", &rule.resources),
                ("verbs", &rule.verbs),
            ]
            .into_iter()
            .filter(|(_, values)| values.iter().any(|value| value.contains('*')))
            .map(|(field, _)| field)
            .collect();
            (!fields.is_empty()).then(|| {
                Hit::at(
                    rule.path(),
                    format!(
                        "{} should not use wildcards in {} ({})",
                        object.describe(),
                        quoted(&fields),
                        rule.path()
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::support::fixtures::{assert_single_hit, role_hits};

    use super::CHECK;

    #[test]
    fn fails_on_any_wildcard() {
        let found = role_hits(
            &CHECK,
            "Role",
            r#"
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get"]
- apiGroups: ["*"]
  resources: ["*/scale"]
  verbs: ["get"]
"#,
        );
        assert_single_hit(
            &found,
            "rules[1]",
            "Role 'r' should not use wildcards in 'apiGroups', 'resources' (rules[1])",
        );
    }

    #[test]
    fn passes_without_wildcards() {
        let found = role_hits(
            &CHECK,
            "ClusterRole",
            r#"
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list"]
"#,
        );
        assert!(found.is_empty());
    }
}
