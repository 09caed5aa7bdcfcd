//! An order-preserving JSON value, so that the reader can keep the key order of
//! prediction files without switching serde_json's `preserve_order` feature on for
//! the whole workspace.
//!
//! The order matters: the standard evaluator estimates active domains from the
//! order in which domains appear in a dialog state (Python dicts keep insertion
//! order), so `{"hotel": …, "taxi": …}` and `{"taxi": …, "hotel": …}` can score
//! differently.

use std::fmt;

use indexmap::IndexMap;
use rustc_hash::FxBuildHasher;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A parsed JSON value whose objects keep their key order.
///
/// Duplicate keys behave like Python's `json.load`: the last value wins and the key
/// keeps the position of its first occurrence.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Json>),
    Object(IndexMap<String, Json, FxBuildHasher>),
}

impl Json {
    /// A short description of the value's type for error messages.
    pub(crate) fn kind(&self) -> String {
        match self {
            Json::Null => "null".to_owned(),
            Json::Bool(b) => format!("boolean {b}"),
            Json::Number(n) => format!("number {n}"),
            Json::String(_) => "a string".to_owned(),
            Json::Array(_) => "an array".to_owned(),
            Json::Object(_) => "an object".to_owned(),
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        // serde_json never hands out non-finite floats, but a null is the safe answer.
        Ok(serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        Json::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut object = IndexMap::with_capacity_and_hasher(
            map.size_hint().unwrap_or(0).min(4096),
            FxBuildHasher,
        );
        while let Some((key, value)) = map.next_entry::<String, Json>()? {
            object.insert(key, value);
        }
        Ok(Json::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_key_order_is_preserved() {
        let v: Json = serde_json::from_str(r#"{"taxi": 1, "hotel": 2, "attraction": 3}"#).unwrap();
        let Json::Object(map) = v else {
            panic!("expected an object")
        };
        let keys: Vec<&str> = map.keys().map(String::as_str).collect();
        assert_eq!(keys, ["taxi", "hotel", "attraction"]);
    }

    #[test]
    fn duplicate_keys_keep_first_position_and_last_value_like_python() {
        let v: Json = serde_json::from_str(r#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
        let Json::Object(map) = v else {
            panic!("expected an object")
        };
        let entries: Vec<(String, String)> = map
            .iter()
            .map(|(k, v)| (k.clone(), format!("{v:?}")))
            .collect();
        assert_eq!(entries[0].0, "a");
        assert!(entries[0].1.contains('3'));
        assert_eq!(entries.len(), 2);
    }
}
