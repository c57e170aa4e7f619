//! A LimitRange should give containers default requests and limits and
//! bound them with a minimum and a maximum, so that a container created
//! without resources still gets sane ones and none can ask for too much.
//!
//! Fields: `spec.limits[*]` with `type`, `max`, `min`, `default` and
//! `defaultRequest`. Passes when at least one entry sets all five (Trivy's
//! test).

use kensa_report::Severity;
use serde_json::Value;

use crate::check::{Check, Hit, Kinds, Run};
use crate::context::ObjectContext;

/// The check.
pub static CHECK: Check = Check {
    id: "limit-range-incomplete",
    aliases: &["KSV-0039", "KSV039", "AVD-KSV-0039"],
    title: "limit range usage",
    severity: Severity::Low,
    description: "Without default requests and limits, containers that declare no resources are scheduled without reservations and may use a whole node; without min and max, a single container may request more than the namespace should give it.",
    remediation: "Add an entry to spec.limits with type: Container that sets default (limits), defaultRequest (requests), min and max for cpu and memory.",
    default_enabled: true,
    run: Run::Object {
        kinds: Kinds::Only(&["LimitRange"]),
        check,
    },
};

const FIELDS: [&str; 5] = ["type", "max", "min", "default", "defaultRequest"];

fn check(object: &ObjectContext<'_>) -> Vec<Hit> {
    let limits = object.body_at("spec.limits").and_then(Value::as_array);
    let complete = limits
        .into_iter()
        .flatten()
        .any(|limit| FIELDS.iter().all(|field| limit.get(field).is_some()));
    if complete {
        return Vec::new();
    }
    let path = if limits.is_some() {
        "spec.limits"
    } else {
        "spec"
    };
    vec![Hit::at(
        path,
        format!(
            "{} should have a 'spec.limits' entry that sets 'type', 'max', 'min', 'default' and 'defaultRequest'",
            object.describe()
        ),
    )]
}

#[cfg(test)]
mod tests {
    use crate::testing::hits;

    use super::CHECK;

    #[test]
    fn fails_without_defaults() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: LimitRange
metadata: {name: limits}
spec:
  limits:
  - type: Container
    max: {cpu: "2"}
    min: {cpu: 100m}
"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path.as_deref(), Some("spec.limits"));
        assert_eq!(
            found[0].message,
            "LimitRange 'limits' should have a 'spec.limits' entry that sets 'type', 'max', 'min', 'default' and 'defaultRequest'"
        );
    }

    #[test]
    fn passes_with_a_complete_entry() {
        let found = hits(
            &CHECK,
            r#"
apiVersion: v1
kind: LimitRange
metadata: {name: limits}
spec:
  limits:
  - type: Pod
    max: {cpu: "4"}
  - type: Container
    max: {cpu: "2", memory: 2Gi}
    min: {cpu: 100m, memory: 64Mi}
    default: {cpu: 500m, memory: 512Mi}
    defaultRequest: {cpu: 200m, memory: 256Mi}
"#,
        );
        assert!(found.is_empty());
    }
}
