//! A serde `Deserializer` over a [`YNode`] tree that knows positions and
//! paths: an error says which field (`spec.containers[0].ports[0].hostPort`)
//! and where (the node's line and column).

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::tree::{Resolved, YNode, YValue};
use crate::position::Position;

/// One step of a path into a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// Appends segments to a dotted path: `spec` + `containers`,`0` = `spec.containers[0]`.
pub(crate) fn join_path(prefix: &str, segs: &[Seg]) -> String {
    let mut path = String::from(prefix);
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
            }
            Seg::Index(i) => {
                path.push('[');
                path.push_str(&i.to_string());
                path.push(']');
            }
        }
    }
    path
}

/// The segments of a path reported by serde_ignored.
pub(crate) fn ignored_segs(path: &serde_ignored::Path<'_>) -> Vec<Seg> {
    fn walk(path: &serde_ignored::Path<'_>, out: &mut Vec<Seg>) {
        match path {
            serde_ignored::Path::Root => {}
            serde_ignored::Path::Seq { parent, index } => {
                walk(parent, out);
                out.push(Seg::Index(*index));
            }
            serde_ignored::Path::Map { parent, key } => {
                walk(parent, out);
                out.push(Seg::Key(key.clone()));
            }
            serde_ignored::Path::Some { parent }
            | serde_ignored::Path::NewtypeStruct { parent }
            | serde_ignored::Path::NewtypeVariant { parent } => walk(parent, out),
        }
    }
    let mut out = Vec::new();
    walk(path, &mut out);
    out
}

/// The position of the node a path leads to (for a mapping entry: its key).
pub(crate) fn locate_path(node: &YNode, segs: &[Seg]) -> Option<Position> {
    let mut current = node;
    let mut pos = node.pos;
    for seg in segs {
        match (seg, &current.value) {
            (Seg::Key(k), YValue::Map(entries)) => {
                let (key, value) = entries.iter().rev().find(|(key, _)| &key.text == k)?;
                pos = key.pos;
                current = value;
            }
            (Seg::Index(i), YValue::Seq(items)) => {
                current = items.get(*i)?;
                pos = current.pos;
            }
            _ => return None,
        }
    }
    Some(pos)
}

/// A deserialization error with the path (innermost last) and position.
#[derive(Debug)]
pub(crate) struct DeError {
    pub message: String,
    /// Segments, innermost first (they are pushed while the error bubbles up).
    rev_path: Vec<Seg>,
    pub position: Option<Position>,
}

impl DeError {
    fn at(mut self, pos: Position) -> Self {
        if self.position.is_none() {
            self.position = Some(pos);
        }
        self
    }

    fn within(mut self, seg: Seg) -> Self {
        self.rev_path.push(seg);
        self
    }

    /// The path, outermost first.
    pub(crate) fn path(&self) -> Vec<Seg> {
        self.rev_path.iter().rev().cloned().collect()
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            message: msg.to_string(),
            rev_path: Vec::new(),
            position: None,
        }
    }
}

/// Deserializes from one node.
#[derive(Clone, Copy)]
pub(crate) struct De<'a> {
    node: &'a YNode,
    /// Hand every non-null scalar over as a string (for `Quantity`, whose
    /// visitor asks for anything but `1.10` means `"1.10"`).
    stringy: bool,
}

impl<'a> De<'a> {
    pub(crate) fn new(node: &'a YNode) -> Self {
        De {
            node,
            stringy: false,
        }
    }

    fn any<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let pos = self.node.pos;
        let result = match &self.node.value {
            YValue::Scalar(s) if self.stringy && !s.is_null() => visitor.visit_str(&s.text),
            YValue::Scalar(s) => match s.resolve() {
                Resolved::Null => visitor.visit_unit(),
                Resolved::Bool(b) => visitor.visit_bool(b),
                Resolved::Int(i) => visitor.visit_i64(i),
                Resolved::UInt(u) => visitor.visit_u64(u),
                Resolved::Float(f) => visitor.visit_f64(f),
                Resolved::Str(t) => visitor.visit_str(t),
            },
            YValue::Seq(items) => visitor.visit_seq(SeqAccess {
                items: items.iter(),
                index: 0,
            }),
            YValue::Map(entries) => visitor.visit_map(MapAccess {
                entries: entries.iter(),
                value: None,
            }),
        };
        result.map_err(|e| e.at(pos))
    }

    fn number<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if let YValue::Scalar(s) = &self.node.value
            && let Some(n) = s.as_number()
        {
            let result = match n {
                Resolved::Int(i) => visitor.visit_i64(i),
                Resolved::UInt(u) => visitor.visit_u64(u),
                Resolved::Float(f) => visitor.visit_f64(f),
                _ => return self.any(visitor),
            };
            return result.map_err(|e: DeError| e.at(self.node.pos));
        }
        self.any(visitor)
    }

    fn string<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            YValue::Scalar(s) if !s.is_null() => visitor
                .visit_str(&s.text)
                .map_err(|e: DeError| e.at(self.node.pos)),
            _ => self.any(visitor),
        }
    }
}

macro_rules! numbers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            self.number(visitor)
        }
    )*};
}

macro_rules! strings {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            self.string(visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for De<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.any(visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if let YValue::Scalar(s) = &self.node.value
            && let Some(b) = s.as_bool()
        {
            return visitor
                .visit_bool(b)
                .map_err(|e: DeError| e.at(self.node.pos));
        }
        self.any(visitor)
    }

    numbers!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64);

    strings!(deserialize_char deserialize_str deserialize_string deserialize_identifier
        deserialize_bytes deserialize_byte_buf);

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.node.is_null() {
            visitor
                .visit_none()
                .map_err(|e: DeError| e.at(self.node.pos))
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.any(visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.any(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let inner = De {
            node: self.node,
            stringy: self.stringy || name == "Quantity",
        };
        visitor
            .visit_newtype_struct(inner)
            .map_err(|e: DeError| e.at(self.node.pos))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.any(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.any(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.any(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.any(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let pos = self.node.pos;
        let result = match &self.node.value {
            YValue::Scalar(s) => visitor.visit_enum(s.text.as_str().into_deserializer()),
            YValue::Map(entries) if entries.len() == 1 => {
                let (key, value) = &entries[0];
                visitor.visit_enum(EnumAccess {
                    key: &key.text,
                    value,
                })
            }
            _ => return self.any(visitor),
        };
        result.map_err(|e| e.at(pos))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

struct SeqAccess<'a> {
    items: std::slice::Iter<'a, YNode>,
    index: usize,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(De::new(item))
            .map(Some)
            .map_err(|e| e.within(Seg::Index(index)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapAccess<'a> {
    entries: std::slice::Iter<'a, (super::tree::YKey, YNode)>,
    value: Option<(&'a str, &'a YNode)>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some((&key.text, value));
        let de: de::value::StrDeserializer<'_, DeError> = key.text.as_str().into_deserializer();
        seed.deserialize(de).map(Some).map_err(|e| e.at(key.pos))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, DeError> {
        let Some((key, value)) = self.value.take() else {
            return Err(de::Error::custom(
                "a mapping value was asked for before its key",
            ));
        };
        seed.deserialize(De::new(value))
            .map_err(|e| e.within(Seg::Key(key.to_owned())))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct EnumAccess<'a> {
    key: &'a str,
    value: &'a YNode,
}

impl<'de, 'a> de::EnumAccess<'de> for EnumAccess<'a> {
    type Error = DeError;
    type Variant = VariantAccess<'a>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), DeError> {
        let de: de::value::StrDeserializer<'_, DeError> = self.key.into_deserializer();
        let variant = seed.deserialize(de)?;
        Ok((
            variant,
            VariantAccess {
                key: self.key,
                value: self.value,
            },
        ))
    }
}

struct VariantAccess<'a> {
    key: &'a str,
    value: &'a YNode,
}

impl<'de> de::VariantAccess<'de> for VariantAccess<'_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        if self.value.is_null() {
            Ok(())
        } else {
            Err(de::Error::custom(format_args!(
                "unit variant {} takes no value",
                self.key
            )))
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(De::new(self.value))
            .map_err(|e| e.within(Seg::Key(self.key.to_owned())))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_seq(De::new(self.value), visitor)
            .map_err(|e| e.within(Seg::Key(self.key.to_owned())))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_map(De::new(self.value), visitor)
            .map_err(|e| e.within(Seg::Key(self.key.to_owned())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::tree::{Base, parse_documents};
    use serde::Deserialize;

    fn doc(text: &str) -> YNode {
        let (mut docs, err) = parse_documents(text, Base(Position::START), None);
        assert!(err.is_none(), "{err:?}");
        docs.remove(0)
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct T {
        a: Option<bool>,
        b: Option<i32>,
        s: Option<String>,
        v: Option<Vec<u8>>,
    }

    #[test]
    fn typed_scalars() {
        let node = doc("a: yes\nb: 0644\ns: 0123\n");
        let t = T::deserialize(De::new(&node)).expect("ok");
        assert_eq!(
            t,
            T {
                a: Some(true),
                b: Some(420),
                s: Some("0123".into()),
                v: None
            }
        );
    }

    #[test]
    fn error_has_path_and_position() {
        let node = doc("a: true\nv:\n  - 1\n  - \"x\"\n");
        let err = T::deserialize(De::new(&node)).expect_err("bad");
        assert_eq!(join_path("", &err.path()), "v[1]");
        assert_eq!(err.position, Some(Position::new(4, 5)));
        assert!(
            err.message.contains("invalid type: string \"x\""),
            "{}",
            err.message
        );
    }

    #[test]
    fn to_json_value() {
        let node = doc("a: [1, -2, 1.5, x, null, true, '7']\n");
        let v = serde_json::Value::deserialize(De::new(&node)).expect("ok");
        assert_eq!(
            v,
            serde_json::json!({"a": [1, -2, 1.5, "x", null, true, "7"]})
        );
    }
}
