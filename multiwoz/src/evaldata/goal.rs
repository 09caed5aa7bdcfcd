//! Serde helpers for the evaluator's files: the `booking` field that is `[]` when
//! empty, and a top-level map reader that remembers which dialog it was reading
//! when an entry fails.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use indexmap::IndexMap;
use serde::de::{self, DeserializeOwned, MapAccess, SeqAccess, Visitor};
use serde::{Deserializer, Serializer};

/// Writes an empty booking as `[]` (as the evaluator's goals file does) and a
/// non-empty one as an object.
pub(super) fn serialize_booking<S: Serializer>(
    booking: &IndexMap<String, String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    if booking.is_empty() {
        serializer.serialize_seq(Some(0))?.end()
    } else {
        serde::Serialize::serialize(booking, serializer)
    }
}

/// Reads a booking written as an object or as an empty list.
pub(super) fn deserialize_booking<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<IndexMap<String, String>, D::Error> {
    struct BookingVisitor;
    impl<'de> Visitor<'de> for BookingVisitor {
        type Value = IndexMap<String, String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a booking object or an empty list")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            if seq.next_element::<de::IgnoredAny>()?.is_some() {
                return Err(de::Error::custom("`booking` is a non-empty list"));
            }
            Ok(IndexMap::new())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = IndexMap::new();
            while let Some((k, v)) = map.next_entry::<String, String>()? {
                out.insert(k, v);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_any(BookingVisitor)
}

/// Reads `{key: T}` while recording the key being read, so that an error can name
/// the dialog.
pub(super) struct KeyedMap<'a, T> {
    current: &'a RefCell<Option<String>>,
    marker: PhantomData<T>,
}

impl<'a, T: DeserializeOwned> KeyedMap<'a, T> {
    pub(super) fn new(current: &'a RefCell<Option<String>>) -> Self {
        KeyedMap {
            current,
            marker: PhantomData,
        }
    }

    pub(super) fn deserialize_from<'de, D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<HashMap<String, T>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for KeyedMap<'_, T> {
    type Value = HashMap<String, T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object keyed by dialog id")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = HashMap::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(key) = map.next_key::<String>()? {
            *self.current.borrow_mut() = Some(key.clone());
            let value: T = map.next_value()?;
            out.insert(key, value);
        }
        *self.current.borrow_mut() = None;
        Ok(out)
    }
}
