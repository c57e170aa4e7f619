//! Kubernetes label selectors, read from JSON and matched against labels.
//!
//! A `LabelSelector` (`matchLabels` and `matchExpressions`) selects the
//! label sets that satisfy all of its requirements; an empty one (`{}`)
//! therefore selects everything. Whether a *missing* selector selects
//! everything or nothing depends on the field (a NetworkPolicy's
//! `podSelector` defaults to everything, a PodDisruptionBudget's `selector`
//! to nothing), so [`LabelSelector::from_json`] tells the caller it is
//! missing and the caller decides.
//!
//! A malformed selector (an unknown operator, `In` / `NotIn` without values,
//! `Exists` / `DoesNotExist` with values, non-string labels) selects nothing,
//! as the API server would refuse or fail to convert it.

use std::collections::BTreeMap;

use serde_json::Value;

/// How one `matchExpressions` entry compares a label.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Operator {
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    DoesNotExist,
}

/// A parsed label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LabelSelector {
    match_labels: Vec<(String, String)>,
    expressions: Vec<(String, Operator)>,
    /// Set when the selector is malformed: it then selects nothing.
    invalid: bool,
}

impl LabelSelector {
    /// A selector that requires every `key: value` of `labels`, as a
    /// Service's or ReplicationController's `selector` map does.
    pub(crate) fn from_map(labels: &serde_json::Map<String, Value>) -> LabelSelector {
        let mut invalid = false;
        let match_labels = labels
            .iter()
            .filter_map(|(key, value)| match value.as_str() {
                Some(value) => Some((key.clone(), value.to_owned())),
                None => {
                    invalid = true;
                    None
                }
            })
            .collect();
        LabelSelector {
            match_labels,
            expressions: Vec::new(),
            invalid,
        }
    }

    /// Parses a `LabelSelector` object; `None` when the field is missing or
    /// null. Anything that is not a well-formed selector gives a selector
    /// that selects nothing.
    pub(crate) fn from_json(value: Option<&Value>) -> Option<LabelSelector> {
        let value = value.filter(|value| !value.is_null())?;
        let Some(object) = value.as_object() else {
            return Some(LabelSelector::nothing());
        };
        let mut selector = match object.get("matchLabels") {
            None | Some(Value::Null) => LabelSelector::from_map(&serde_json::Map::new()),
            Some(Value::Object(labels)) => LabelSelector::from_map(labels),
            Some(_) => return Some(LabelSelector::nothing()),
        };
        match object.get("matchExpressions") {
            None | Some(Value::Null) => {}
            Some(Value::Array(expressions)) => {
                for expression in expressions {
                    match parse_expression(expression) {
                        Some(parsed) => selector.expressions.push(parsed),
                        None => selector.invalid = true,
                    }
                }
            }
            Some(_) => selector.invalid = true,
        }
        Some(selector)
    }

    /// A selector that selects everything (`{}`).
    pub(crate) fn everything() -> LabelSelector {
        LabelSelector {
            match_labels: Vec::new(),
            expressions: Vec::new(),
            invalid: false,
        }
    }

    /// A selector that selects nothing.
    pub(crate) fn nothing() -> LabelSelector {
        LabelSelector {
            match_labels: Vec::new(),
            expressions: Vec::new(),
            invalid: true,
        }
    }

    /// Whether the selector has no requirement (and so selects everything,
    /// unless it is malformed).
    pub(crate) fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.expressions.is_empty()
    }

    /// Whether the selector selects an object with these labels.
    pub(crate) fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        if self.invalid {
            return false;
        }
        let labels_match = self
            .match_labels
            .iter()
            .all(|(key, value)| labels.get(key) == Some(value));
        labels_match
            && self.expressions.iter().all(|(key, operator)| {
                let label = labels.get(key);
                match operator {
                    Operator::In(values) => label.is_some_and(|label| values.contains(label)),
                    Operator::NotIn(values) => !label.is_some_and(|label| values.contains(label)),
                    Operator::Exists => label.is_some(),
                    Operator::DoesNotExist => label.is_none(),
                }
            })
    }

    /// The requirements as text (`app=web, tier in (a, b)`), for messages.
    pub(crate) fn describe(&self) -> String {
        let labels = self
            .match_labels
            .iter()
            .map(|(key, value)| format!("{key}={value}"));
        let expressions = self
            .expressions
            .iter()
            .map(|(key, operator)| match operator {
                Operator::In(values) => format!("{key} in ({})", values.join(", ")),
                Operator::NotIn(values) => format!("{key} notin ({})", values.join(", ")),
                Operator::Exists => key.clone(),
                Operator::DoesNotExist => format!("!{key}"),
            });
        labels.chain(expressions).collect::<Vec<_>>().join(", ")
    }
}

fn parse_expression(expression: &Value) -> Option<(String, Operator)> {
    let key = expression.get("key")?.as_str()?.to_owned();
    let values: Vec<String> = match expression.get("values") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(values)) => values
            .iter()
            .map(|value| value.as_str().map(str::to_owned))
            .collect::<Option<_>>()?,
        Some(_) => return None,
    };
    let operator = match expression.get("operator")?.as_str()? {
        "In" if !values.is_empty() => Operator::In(values),
        "NotIn" if !values.is_empty() => Operator::NotIn(values),
        "Exists" if values.is_empty() => Operator::Exists,
        "DoesNotExist" if values.is_empty() => Operator::DoesNotExist,
        _ => return None,
    };
    Some((key, operator))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    fn selector(value: Value) -> LabelSelector {
        LabelSelector::from_json(Some(&value)).expect("present")
    }

    #[test]
    fn match_labels_need_every_pair() {
        let s = selector(json!({"matchLabels": {"app": "web", "tier": "front"}}));
        assert!(s.matches(&labels(&[("app", "web"), ("tier", "front"), ("x", "y")])));
        assert!(!s.matches(&labels(&[("app", "web")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("tier", "back")])));
    }

    #[test]
    fn every_operator() {
        let web = labels(&[("app", "web"), ("env", "prod")]);
        let bare = labels(&[]);
        let expr = |operator: &str, values: Value| {
            selector(
                json!({"matchExpressions": [{"key": "app", "operator": operator, "values": values}]}),
            )
        };
        assert!(expr("In", json!(["web", "api"])).matches(&web));
        assert!(!expr("In", json!(["api"])).matches(&web));
        assert!(!expr("In", json!(["web"])).matches(&bare));
        assert!(!expr("NotIn", json!(["web"])).matches(&web));
        assert!(expr("NotIn", json!(["api"])).matches(&web));
        assert!(expr("NotIn", json!(["web"])).matches(&bare));
        assert!(expr("Exists", json!([])).matches(&web));
        assert!(!expr("Exists", Value::Null).matches(&bare));
        assert!(!expr("DoesNotExist", Value::Null).matches(&web));
        assert!(expr("DoesNotExist", Value::Null).matches(&bare));
    }

    #[test]
    fn labels_and_expressions_combine() {
        let s = selector(json!({
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod"]}]
        }));
        assert!(s.matches(&labels(&[("app", "web"), ("env", "prod")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("env", "dev")])));
        assert_eq!(s.describe(), "app=web, env in (prod)");
    }

    #[test]
    fn empty_selects_everything_and_missing_is_reported() {
        let empty = selector(json!({}));
        assert!(empty.is_empty());
        assert_eq!(empty, LabelSelector::everything());
        assert!(empty.matches(&labels(&[])));
        assert!(empty.matches(&labels(&[("app", "web")])));
        assert_eq!(LabelSelector::from_json(None), None);
        assert_eq!(LabelSelector::from_json(Some(&Value::Null)), None);
    }

    #[test]
    fn malformed_selects_nothing() {
        for bad in [
            json!("app=web"),
            json!({"matchLabels": ["app"]}),
            json!({"matchLabels": {"app": 1}}),
            json!({"matchExpressions": [{"key": "app", "operator": "In", "values": []}]}),
            json!({"matchExpressions": [{"key": "app", "operator": "Exists", "values": ["x"]}]}),
            json!({"matchExpressions": [{"key": "app", "operator": "Gt", "values": ["1"]}]}),
            json!({"matchExpressions": [{"operator": "Exists"}]}),
        ] {
            let s = selector(bad.clone());
            assert!(!s.matches(&labels(&[("app", "web")])), "{bad}");
            assert!(!s.matches(&labels(&[])), "{bad}");
        }
    }

    #[test]
    fn from_map_is_match_labels() {
        let map = json!({"app": "web"});
        let s = LabelSelector::from_map(map.as_object().unwrap());
        assert!(s.matches(&labels(&[("app", "web"), ("v", "1")])));
        assert!(!s.matches(&labels(&[("app", "api")])));
    }
}
