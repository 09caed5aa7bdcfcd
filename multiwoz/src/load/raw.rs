//! Serde shapes of the original MultiWOZ format, close to the file and lenient
//! where real files vary (numbers where strings are expected, `dialog_act` given
//! as a string, booking values that are lists).
//!
//! They are converted and validated into [`crate::model`] types by `original.rs`.

use std::borrow::Cow;
use std::fmt;

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A string that also accepts numbers, booleans and null (written as Python's
/// `str()` would, null as the empty string).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Lenient(pub String);

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Lenient;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Lenient, E> {
                Ok(Lenient(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Lenient, E> {
                Ok(Lenient(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Lenient, E> {
                Ok(Lenient(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Lenient, E> {
                Ok(Lenient(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Lenient, E> {
                Ok(Lenient(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Lenient, E> {
                Ok(Lenient(if v { "True" } else { "False" }.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Lenient, E> {
                Ok(Lenient(String::new()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A JSON object read as a list of (key, value) pairs in file order, keys borrowed
/// from the input where they have no escapes: cheaper than a map for the many small
/// belief-state objects.
#[derive(Debug)]
pub(crate) struct Pairs<'de, V>(pub Vec<(Cow<'de, str>, V)>);

impl<V> Default for Pairs<'_, V> {
    fn default() -> Self {
        Pairs(Vec::new())
    }
}

impl<'de: 'a, 'a, V: Deserialize<'de>> Deserialize<'de> for Pairs<'a, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<'a, V>(std::marker::PhantomData<(&'a (), V)>);
        impl<'de: 'a, 'a, V: Deserialize<'de>> Visitor<'de> for Vis<'a, V> {
            type Value = Pairs<'a, V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(k) = map.next_key::<BorrowedKey<'a>>()? {
                    out.push((k.0, map.next_value()?));
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_map(Vis(std::marker::PhantomData))
    }
}

/// A string borrowed from the input when possible.
struct BorrowedKey<'de>(Cow<'de, str>);

impl<'de: 'a, 'a> Deserialize<'de> for BorrowedKey<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Vis<'a> {
            type Value = BorrowedKey<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(BorrowedKey(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(BorrowedKey(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(BorrowedKey(Cow::Owned(v)))
            }
        }
        d.deserialize_str(Vis(std::marker::PhantomData))
    }
}

/// One dialog of the original format.
#[derive(Debug, Deserialize)]
pub(crate) struct RawDialog<'a> {
    #[serde(default)]
    pub goal: RawGoal,
    #[serde(borrow)]
    pub log: Vec<RawTurn<'a>>,
}

/// A turn of the original format.
#[derive(Debug, Deserialize)]
pub(crate) struct RawTurn<'a> {
    pub text: Lenient,
    #[serde(default, borrow)]
    pub metadata: Pairs<'a, RawDomainMeta<'a>>,
    #[serde(default)]
    pub dialog_act: RawActs,
    #[serde(default)]
    pub span_info: Vec<RawSpan>,
}

/// The belief state of one domain.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawDomainMeta<'a> {
    #[serde(default, borrow)]
    pub semi: Pairs<'a, Lenient>,
    #[serde(default, borrow)]
    pub book: Pairs<'a, BookValue>,
}

/// A `book` entry: a slot value, or the `booked` list of bookings.
#[derive(Debug)]
pub(crate) enum BookValue {
    Value(String),
    Booked(Vec<IndexMap<String, Lenient>>),
}

impl<'de> Deserialize<'de> for BookValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BookValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a booking value or a list of bookings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<BookValue, E> {
                Ok(BookValue::Value(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<BookValue, E> {
                Ok(BookValue::Value(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<BookValue, E> {
                Ok(BookValue::Value(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<BookValue, E> {
                Ok(BookValue::Value(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<BookValue, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                }
                Ok(BookValue::Booked(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// Dialog acts: `{act: [[slot, value], ...]}`; anything else (a string such as
/// `No Annotation`) reads as no acts.
#[derive(Debug, Default)]
pub(crate) struct RawActs(pub Vec<(String, Lenient, Lenient)>);

impl<'de> Deserialize<'de> for RawActs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawActs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of dialog acts")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<RawActs, E> {
                Ok(RawActs::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawActs, E> {
                Ok(RawActs::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawActs, A::Error> {
                let mut out = Vec::new();
                while let Some(act) = map.next_key::<String>()? {
                    let pairs: Vec<(Lenient, Lenient)> = map.next_value()?;
                    out.extend(pairs.into_iter().map(|(s, v)| (act.clone(), s, v)));
                }
                Ok(RawActs(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A span: `[act, slot, value, start, end]`.
#[derive(Debug, Deserialize)]
pub(crate) struct RawSpan(pub String, pub String, pub Lenient, pub i64, pub i64);

/// The user goal: domain sections plus `message` and `topic`.
#[derive(Debug, Default)]
pub(crate) struct RawGoal {
    pub domains: IndexMap<String, RawDomainGoal>,
    pub message: Vec<String>,
}

impl<'de> Deserialize<'de> for RawGoal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawGoal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a goal object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawGoal, A::Error> {
                let mut goal = RawGoal::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "message" => goal.message = map.next_value::<Messages>()?.0,
                        "topic" => {
                            map.next_value::<IgnoredAny>()?;
                        }
                        _ => {
                            let g: RawDomainGoal = map.next_value()?;
                            goal.domains.insert(key, g);
                        }
                    }
                }
                Ok(goal)
            }
        }
        d.deserialize_map(V)
    }
}

/// `message`: a list of strings or one string.
struct Messages(Vec<String>);

impl<'de> Deserialize<'de> for Messages {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Messages;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a message string or list")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Messages, E> {
                Ok(Messages(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Messages, A::Error> {
                let mut out = Vec::new();
                while let Some(Lenient(s)) = seq.next_element()? {
                    out.push(s);
                }
                Ok(Messages(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// One domain section of a goal. An empty object means the domain is not in the goal.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawDomainGoal {
    #[serde(default)]
    pub info: IndexMap<String, Lenient>,
    #[serde(default)]
    pub fail_info: IndexMap<String, Lenient>,
    #[serde(default)]
    pub book: Option<IndexMap<String, GoalBookValue>>,
    #[serde(default)]
    pub fail_book: IndexMap<String, Lenient>,
    #[serde(default)]
    pub reqt: Vec<Lenient>,
}

/// A goal `book` value: a constraint, or a flag such as `invalid`.
#[derive(Debug)]
pub(crate) enum GoalBookValue {
    Value(String),
    Flag(bool),
}

impl<'de> Deserialize<'de> for GoalBookValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = GoalBookValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a booking constraint or flag")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<GoalBookValue, E> {
                Ok(GoalBookValue::Flag(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<GoalBookValue, E> {
                Ok(GoalBookValue::Value(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<GoalBookValue, E> {
                Ok(GoalBookValue::Value(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<GoalBookValue, E> {
                Ok(GoalBookValue::Value(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}
