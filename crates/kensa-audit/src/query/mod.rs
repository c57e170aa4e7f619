//! The query core behind `kensa audit --where`: fields, conditions, a byte
//! prefilter that rejects lines before they are parsed, projections, counts
//! and the joining of a request's stages. Pure: no I/O.
//!
//! # `--where` syntax
//!
//! Each `--where` is one condition; several are ANDed.
//!
//! | form | meaning |
//! |---|---|
//! | `FIELD=GLOB` | a value matches the glob (`*`, `?`, `[a-z]`, `[!x]`) |
//! | `FIELD=A\|B` | any alternative matches |
//! | `FIELD!=GLOB` | no value matches |
//! | `FIELD~TEXT`, `FIELD!~TEXT` | a value contains TEXT (or none does) |
//! | `FIELD=` | the field is absent or empty |
//! | `code=4xx`, `code=400-499`, `code>=500` | response-code classes, ranges, comparisons |
//! | `time>=T`, `time<T` | RFC 3339 or `YYYY-MM-DD` |
//! | `annotation.KEY`, `!annotation.KEY` | the annotation is present (absent) |
//!
//! Matching is exact and case-sensitive, except for `verb`, `stage`, `level`
//! and `decision`, whose spelling Kubernetes fixes. Multi-valued fields
//! (`group`, `ip`) match `=` when any value does; `!=` when none does.

use crate::event::Event;
use crate::time::{Timestamp, days_from_civil};
use crate::{Error, Result};

mod count;
mod dedupe;
mod field;
mod glob;
mod prefilter;
mod projection;

pub use count::{CountEntry, CountReport, Counter};
pub use dedupe::{Deduper, Joined};
pub use field::{FIELD_NAMES, Field, Values};
pub use glob::Glob;
pub use prefilter::Prefilter;
pub use projection::{Projection, default_fields};

/// `--where` help for the command line.
pub const WHERE_HELP: &str = "\
Filters: --where FIELD=VALUE (repeatable; all must hold)
  FIELD=GLOB     a value matches: *, ?, [a-z], [!x]; A|B for alternatives
  FIELD!=GLOB    no value matches
  FIELD~TEXT     a value contains TEXT (FIELD!~TEXT: none does)
  FIELD=         absent or empty
  code=4xx  code=403|401  code=400-499  code>=500  code!=2xx
  time>=2025-03-14T08:50:00Z  time<2025-03-15
  annotation.KEY  !annotation.KEY  annotation.KEY=GLOB  annotation.KEY~TEXT
Fields: user group impersonated verb resource subresource namespace name apigroup
  stage level code decision reason ip useragent uri auditid time annotation.KEY
  (verb, stage, level and decision ignore case; group and ip match any of their values)
Examples:
  --where verb=create|update|patch --where resource=pods
  --where 'user=system:serviceaccount:*' --where code=4xx
  --where annotation.pod-security.kubernetes.io/audit-violations
  --where decision=forbid --where 'ip!=10.*'";

/// A parsed `--where` set plus time bounds.
#[derive(Debug, Clone, Default)]
pub struct Query {
    conditions: Vec<Condition>,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
}

/// One condition.
#[derive(Debug, Clone)]
pub(crate) enum Condition {
    /// `FIELD=GLOB|GLOB` or `FIELD!=...`.
    Glob {
        field: Field,
        alternatives: Vec<Glob>,
        negated: bool,
    },
    /// `FIELD~TEXT`, `FIELD!~TEXT`.
    Contains {
        field: Field,
        text: String,
        negated: bool,
    },
    /// `FIELD=` (absent or empty), `FIELD!=` (present, not empty).
    Empty { field: Field, negated: bool },
    /// Response-code ranges, inclusive.
    Code {
        ranges: Vec<(i32, i32)>,
        negated: bool,
    },
    /// `annotation.KEY` / `!annotation.KEY`.
    Exists { key: String, negated: bool },
    /// `time` compared with an instant.
    Time { op: Ordering, at: Timestamp },
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ordering {
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
}

impl Ordering {
    fn holds<T: Ord>(self, left: T, right: T) -> bool {
        match self {
            Ordering::Less => left < right,
            Ordering::LessEqual => left <= right,
            Ordering::Greater => left > right,
            Ordering::GreaterEqual => left >= right,
        }
    }
}

const OPERATORS: [&str; 8] = ["!=", "!~", ">=", "<=", "=", "~", ">", "<"];

fn bad(expr: &str, reason: impl Into<String>) -> Error {
    Error::BadQuery {
        expr: expr.to_string(),
        reason: reason.into(),
    }
}

impl Query {
    /// Parses `--where` expressions (ANDed).
    pub fn parse(wheres: &[String]) -> Result<Query> {
        let conditions = wheres
            .iter()
            .map(|expr| parse_condition(expr))
            .collect::<Result<Vec<_>>>()?;
        Ok(Query {
            conditions,
            from: None,
            to: None,
        })
    }

    /// Keeps only events at or after `from` and before `to`.
    pub fn with_time(mut self, from: Option<Timestamp>, to: Option<Timestamp>) -> Query {
        self.from = from;
        self.to = to;
        self
    }

    /// Whether the query keeps every event.
    pub fn is_empty(&self) -> bool {
        self.conditions.is_empty() && self.from.is_none() && self.to.is_none()
    }

    /// Whether `event` satisfies every condition.
    pub fn matches(&self, event: &Event<'_>) -> bool {
        if self.from.is_some() || self.to.is_some() {
            let Some(time) = event.time() else {
                return false;
            };
            if self.from.is_some_and(|from| time < from) || self.to.is_some_and(|to| time >= to) {
                return false;
            }
        }
        self.conditions.iter().all(|c| c.matches(event))
    }

    /// A test on raw JSON lines that every matching event's line passes, or
    /// `None` when the query gives nothing to test for.
    pub fn prefilter(&self) -> Option<Prefilter> {
        Prefilter::for_conditions(&self.conditions)
    }
}

impl Condition {
    fn matches(&self, event: &Event<'_>) -> bool {
        match self {
            Condition::Glob {
                field,
                alternatives,
                negated,
            } => {
                let values = field.values(event);
                let hit = if field.case_insensitive() {
                    values.any(|v| {
                        let lower = v.to_ascii_lowercase();
                        alternatives.iter().any(|g| g.matches(&lower))
                    })
                } else {
                    values.any(|v| alternatives.iter().any(|g| g.matches(v)))
                };
                hit != *negated
            }
            Condition::Contains {
                field,
                text,
                negated,
            } => {
                let values = field.values(event);
                let hit = if field.case_insensitive() {
                    values.any(|v| v.to_ascii_lowercase().contains(text.as_str()))
                } else {
                    values.any(|v| v.contains(text.as_str()))
                };
                hit != *negated
            }
            Condition::Empty { field, negated } => field.values(event).is_empty() != *negated,
            Condition::Code { ranges, negated } => {
                let hit = event
                    .code()
                    .is_some_and(|code| ranges.iter().any(|&(lo, hi)| lo <= code && code <= hi));
                hit != *negated
            }
            Condition::Exists { key, negated } => event.annotation(key).is_some() != *negated,
            Condition::Time { op, at } => event.time().is_some_and(|time| op.holds(time, *at)),
        }
    }
}

fn parse_condition(expr: &str) -> Result<Condition> {
    let text = expr.trim();
    if text.is_empty() {
        return Err(bad(expr, "empty condition; expected FIELD=VALUE"));
    }
    // `annotation.KEY` and `!annotation.KEY`: presence tests.
    let operator_at = text
        .char_indices()
        .find(|&(i, c)| {
            matches!(c, '=' | '~' | '<' | '>')
                || (c == '!' && i > 0 && text[i + 1..].starts_with(['=', '~']))
        })
        .map(|(i, _)| i);
    let Some(at) = operator_at else {
        let (negated, name) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        return match Field::parse(name)? {
            Field::Annotation(key) => Ok(Condition::Exists { key, negated }),
            _ => Err(bad(
                expr,
                "expected FIELD=VALUE, FIELD!=VALUE, FIELD~TEXT or annotation.KEY",
            )),
        };
    };
    let name = &text[..at];
    let rest = &text[at..];
    let Some(operator) = OPERATORS.iter().find(|op| rest.starts_with(**op)) else {
        return Err(bad(expr, "expected an operator: = != ~ !~ >= <= > <"));
    };
    let value = &rest[operator.len()..];
    if name.is_empty() {
        return Err(bad(expr, "missing field name before the operator"));
    }
    let field = Field::parse(name).map_err(|err| match err {
        Error::BadQuery { reason, .. } => bad(expr, reason),
        other => other,
    })?;
    let negated = operator.starts_with('!');
    match (*operator, &field) {
        (">=" | "<=" | ">" | "<", Field::Time) => {
            let at = parse_time(value).map_err(|_| {
                bad(
                    expr,
                    format!("{value:?} is not a time: use RFC 3339 or YYYY-MM-DD"),
                )
            })?;
            Ok(Condition::Time {
                op: ordering(operator),
                at,
            })
        }
        (">=" | "<=" | ">" | "<", Field::Code) => {
            let number: i32 = value
                .trim()
                .parse()
                .map_err(|_| bad(expr, format!("{value:?} is not a response code")))?;
            let range = match ordering(operator) {
                Ordering::Less => (i32::MIN, number - 1),
                Ordering::LessEqual => (i32::MIN, number),
                Ordering::Greater => (number + 1, i32::MAX),
                Ordering::GreaterEqual => (number, i32::MAX),
            };
            Ok(Condition::Code {
                ranges: vec![range],
                negated: false,
            })
        }
        (">=" | "<=" | ">" | "<", _) => {
            Err(bad(expr, format!("{operator} works on code and time only")))
        }
        ("=" | "!=", Field::Code) if !value.is_empty() => {
            let ranges = value
                .split('|')
                .map(|part| {
                    parse_code_range(part).ok_or_else(|| {
                        bad(
                            expr,
                            format!("{part:?} is not a code, class (4xx) or range (400-499)"),
                        )
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Condition::Code { ranges, negated })
        }
        ("=" | "!=", _) if value.is_empty() => Ok(Condition::Empty { field, negated }),
        ("=" | "!=", _) => {
            let alternatives = value
                .split('|')
                .map(|alternative| {
                    if field.case_insensitive() {
                        Glob::new(&alternative.to_ascii_lowercase())
                    } else {
                        Glob::new(alternative)
                    }
                })
                .collect();
            Ok(Condition::Glob {
                field,
                alternatives,
                negated,
            })
        }
        (_, _) => {
            if value.is_empty() {
                return Err(bad(expr, "~ needs some text to look for"));
            }
            let text = if field.case_insensitive() {
                value.to_ascii_lowercase()
            } else {
                value.to_string()
            };
            Ok(Condition::Contains {
                field,
                text,
                negated,
            })
        }
    }
}

fn ordering(operator: &str) -> Ordering {
    match operator {
        "<" => Ordering::Less,
        "<=" => Ordering::LessEqual,
        ">" => Ordering::Greater,
        _ => Ordering::GreaterEqual,
    }
}

/// `403`, `4xx`, `400-499`.
fn parse_code_range(text: &str) -> Option<(i32, i32)> {
    let text = text.trim();
    if let Some((lo, hi)) = text.split_once('-') {
        let (lo, hi) = (lo.trim().parse().ok()?, hi.trim().parse().ok()?);
        return (lo <= hi).then_some((lo, hi));
    }
    let lower = text.to_ascii_lowercase();
    if let Some(class) = lower.strip_suffix("xx")
        && class.len() == 1
    {
        let digit: i32 = class.parse().ok()?;
        return Some((digit * 100, digit * 100 + 99));
    }
    let code = text.parse().ok()?;
    Some((code, code))
}

/// `--since`: `90s`, `15m`, `2h`, `1d`, `1h30m`, counted back from `now`.
pub fn parse_since(text: &str, now: Timestamp) -> Result<Timestamp> {
    let invalid = || Error::BadQuery {
        expr: text.to_string(),
        reason: "expected a duration like 30s, 15m, 2h, 1d or 1h30m".to_string(),
    };
    let mut total: i64 = 0;
    let mut number = String::new();
    let mut any = false;
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(invalid()),
        };
        let value: i64 = number.parse().map_err(|_| invalid())?;
        total = value
            .checked_mul(unit)
            .and_then(|seconds| total.checked_add(seconds))
            .ok_or_else(invalid)?;
        number.clear();
        any = true;
    }
    if !number.is_empty() || !any {
        return Err(invalid());
    }
    Ok(Timestamp(
        now.0.saturating_sub(total.saturating_mul(1_000_000)),
    ))
}

/// `--from`/`--to` and `time` conditions: RFC 3339, or a date (midnight UTC).
pub fn parse_time(text: &str) -> Result<Timestamp> {
    let text = text.trim();
    if let Ok(time) = Timestamp::parse(text) {
        return Ok(time);
    }
    let parts: Vec<&str> = text.split('-').collect();
    if let [year, month, day] = parts.as_slice()
        && year.len() == 4
        && month.len() == 2
        && day.len() == 2
        && let (Ok(year), Ok(month), Ok(day)) = (year.parse(), month.parse(), day.parse())
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
    {
        return Ok(Timestamp::from_seconds(
            days_from_civil(year, month, day) * 86_400,
        ));
    }
    Err(Error::InvalidTimestamp(text.to_string()))
}

#[cfg(test)]
mod tests;
