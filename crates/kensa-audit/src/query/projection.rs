//! Which fields `kensa audit` prints for each event.

use serde_json::{Map, Value};

use super::field::Field;
use crate::event::Event;

/// The table columns when `--fields` is not given.
pub fn default_fields() -> Vec<Field> {
    vec![
        Field::Time,
        Field::User,
        Field::Verb,
        Field::Target,
        Field::Namespace,
        Field::Name,
        Field::Code,
    ]
}

/// A list of fields to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projection(Vec<Field>);

impl Projection {
    /// Shows these fields, in this order.
    pub fn new(fields: Vec<Field>) -> Projection {
        Projection(fields)
    }

    /// The fields.
    pub fn fields(&self) -> &[Field] {
        &self.0
    }

    /// Column headings.
    pub fn headers(&self) -> Vec<String> {
        self.0.iter().map(|f| f.name().into_owned()).collect()
    }

    /// The values of one event, one per field (multi-valued ones joined
    /// with `,`; absent ones empty).
    pub fn row(&self, event: &Event<'_>) -> Vec<String> {
        self.0.iter().map(|f| f.values(event).joined()).collect()
    }

    /// A row as a JSON object keyed by field name; empty values are null,
    /// codes are numbers.
    pub fn object(&self, row: &[String]) -> Map<String, Value> {
        self.0
            .iter()
            .zip(row)
            .map(|(field, value)| {
                let value = if value.is_empty() {
                    Value::Null
                } else if *field == Field::Code {
                    value
                        .parse::<i64>()
                        .map_or_else(|_| Value::String(value.clone()), Value::from)
                } else {
                    Value::String(value.clone())
                };
                (field.name().into_owned(), value)
            })
            .collect()
    }
}
